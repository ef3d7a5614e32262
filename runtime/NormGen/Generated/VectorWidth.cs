using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NormGen.Generated;

/// <summary>
/// The vector operations the runtime's kernels use, for one vector width. Each kernel body is written once, generic
/// over a width (<see cref="Width512{T}"/>, <see cref="Width256{T}"/>, <see cref="Width128{T}"/>); the JIT compiles
/// one copy per width, with every operation inlined to its instruction, and the kernel's public entry picks the widest
/// accelerated width that fits the length. This keeps one loop per operation, as TensorPrimitives in dotnet/runtime does
/// with its per-width operators, without writing every loop three times.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <typeparam name="TVector">Vector512&lt;T&gt;, Vector256&lt;T&gt; or Vector128&lt;T&gt;.</typeparam>
internal interface IVectorWidth<T, TVector>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct
{
    /// <summary>Elements per vector.</summary>
    static abstract int Count { get; }

    /// <summary>All lanes zero.</summary>
    static abstract TVector Zero { get; }

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract TVector Create(T value);

    /// <summary>The vector at <c>source[offset]</c>.</summary>
    static abstract TVector Load(ref T source, nint offset);

    /// <summary>Writes <paramref name="value"/> at <c>destination[offset]</c>.</summary>
    static abstract void Store(TVector value, ref T destination, nint offset);

    /// <summary>Lane-wise left + right.</summary>
    static abstract TVector Add(TVector left, TVector right);

    /// <summary>Lane-wise left - right.</summary>
    static abstract TVector Subtract(TVector left, TVector right);

    /// <summary>Lane-wise left * right.</summary>
    static abstract TVector Multiply(TVector left, TVector right);

    /// <summary>Lane-wise max(value, 0): the ReLU.</summary>
    static abstract TVector Relu(TVector value);

    /// <summary><paramref name="value"/> where <paramref name="condition"/> &gt; 0, else 0: the ReLU's gradient mask.</summary>
    static abstract TVector WherePositive(TVector condition, TVector value);

    /// <summary><paramref name="value"/> in its last <paramref name="lanes"/> lanes, 0 in the others.</summary>
    static abstract TVector LastLanes(TVector value, nint lanes);

    /// <summary>The sum of the lanes.</summary>
    static abstract T Sum(TVector value);
}

/// <summary>512-bit vectors (AVX-512 on x64).</summary>
internal readonly struct Width512<T> : IVectorWidth<T, Vector512<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;

    public static Vector512<T> Zero => Vector512<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Create(T value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(ref T source, nint offset) => Vector512.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> value, ref T destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add(Vector512<T> left, Vector512<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Subtract(Vector512<T> left, Vector512<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> left, Vector512<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Relu(Vector512<T> value) => Vector512.Max(value, Vector512<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> WherePositive(Vector512<T> condition, Vector512<T> value) =>
        value & Vector512.GreaterThan(condition, Vector512<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LastLanes(Vector512<T> value, nint lanes) =>
        value & Vector512.LoadUnsafe(ref LaneMask.Start, LaneMask.Offset<T>(Count - lanes)).As<byte, T>();

    /// <summary>The halves added, then summed as <see cref="Width256{T}"/> does: <see cref="Width256Pair{T}"/> sums alike.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector512<T> value) => Vector256.Sum(value.GetLower() + value.GetUpper());
}

/// <summary>
/// Two 256-bit vectors standing for one 512-bit vector: lanes 0 to n-1 in <see cref="Lower"/>, n to 2n-1 in
/// <see cref="Upper"/>.
/// </summary>
internal readonly struct Vector256Pair<T>(Vector256<T> lower, Vector256<T> upper)
    where T : unmanaged
{
    public Vector256<T> Lower { get; } = lower;

    public Vector256<T> Upper { get; } = upper;
}

/// <summary>
/// 512-bit vectors computed as pairs of 256-bit ones: every operation, the lane masks and the final sum give the bits
/// <see cref="Width512{T}"/> gives, so a kernel may take either. On AVX-512 hardware the generated layers take this one
/// for input that streams from memory, where it measured faster than 512-bit loads and stores.
/// </summary>
internal readonly struct Width256Pair<T> : IVectorWidth<T, Vector256Pair<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => 2 * Vector256<T>.Count;

    public static Vector256Pair<T> Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256Pair<T> Create(T value) => new(Vector256.Create(value), Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256Pair<T> Load(ref T source, nint offset) =>
        new(Vector256.LoadUnsafe(ref source, (nuint)offset), Vector256.LoadUnsafe(ref source, (nuint)(offset + Vector256<T>.Count)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256Pair<T> value, ref T destination, nint offset)
    {
        value.Lower.StoreUnsafe(ref destination, (nuint)offset);
        value.Upper.StoreUnsafe(ref destination, (nuint)(offset + Vector256<T>.Count));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256Pair<T> Add(Vector256Pair<T> left, Vector256Pair<T> right) => new(left.Lower + right.Lower, left.Upper + right.Upper);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256Pair<T> Subtract(Vector256Pair<T> left, Vector256Pair<T> right) => new(left.Lower - right.Lower, left.Upper - right.Upper);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256Pair<T> Multiply(Vector256Pair<T> left, Vector256Pair<T> right) => new(left.Lower * right.Lower, left.Upper * right.Upper);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256Pair<T> Relu(Vector256Pair<T> value) => new(Width256<T>.Relu(value.Lower), Width256<T>.Relu(value.Upper));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256Pair<T> WherePositive(Vector256Pair<T> condition, Vector256Pair<T> value) =>
        new(Width256<T>.WherePositive(condition.Lower, value.Lower), Width256<T>.WherePositive(condition.Upper, value.Upper));

    /// <summary>The last <paramref name="lanes"/> of the 2n lanes: up to n of them in the upper half, the rest in the lower.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256Pair<T> LastLanes(Vector256Pair<T> value, nint lanes)
    {
        nint half = Vector256<T>.Count;
        return new(Width256<T>.LastLanes(value.Lower, Math.Max(lanes - half, 0)), Width256<T>.LastLanes(value.Upper, Math.Min(lanes, half)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector256Pair<T> value) => Vector256.Sum(value.Lower + value.Upper);
}

/// <summary>256-bit vectors (AVX2 on x64).</summary>
internal readonly struct Width256<T> : IVectorWidth<T, Vector256<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector256<T>.Count;

    public static Vector256<T> Zero => Vector256<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Create(T value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(ref T source, nint offset) => Vector256.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<T> value, ref T destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> left, Vector256<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Subtract(Vector256<T> left, Vector256<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> left, Vector256<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Relu(Vector256<T> value) => Vector256.Max(value, Vector256<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> WherePositive(Vector256<T> condition, Vector256<T> value) =>
        value & Vector256.GreaterThan(condition, Vector256<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LastLanes(Vector256<T> value, nint lanes) =>
        value & Vector256.LoadUnsafe(ref LaneMask.Start, LaneMask.Offset<T>(Count - lanes)).As<byte, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector256<T> value) => Vector256.Sum(value);
}

/// <summary>128-bit vectors (SSE on x64, AdvSimd on Arm64).</summary>
internal readonly struct Width128<T> : IVectorWidth<T, Vector128<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector128<T>.Count;

    public static Vector128<T> Zero => Vector128<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Create(T value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load(ref T source, nint offset) => Vector128.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<T> value, ref T destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Add(Vector128<T> left, Vector128<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Subtract(Vector128<T> left, Vector128<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Multiply(Vector128<T> left, Vector128<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Relu(Vector128<T> value) => Vector128.Max(value, Vector128<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> WherePositive(Vector128<T> condition, Vector128<T> value) =>
        value & Vector128.GreaterThan(condition, Vector128<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LastLanes(Vector128<T> value, nint lanes) =>
        value & Vector128.LoadUnsafe(ref LaneMask.Start, LaneMask.Offset<T>(Count - lanes)).As<byte, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector128<T> value) => Vector128.Sum(value);
}

/// <summary>
/// Masks that keep a vector's last lanes, as bytes: 64 zero bytes then 64 bytes of ones, so the 16, 32 or 64 bytes
/// starting at <c>64 - skipped lanes * sizeof(T)</c> clear the first lanes and keep the rest, for any width and element
/// type. (Vector*&lt;T&gt;.Indices, which would compute them, is .NET 9 and later.)
/// </summary>
internal static class LaneMask
{
    private static ReadOnlySpan<byte> Bytes =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    ];

    /// <summary>The first byte of the table.</summary>
    public static ref byte Start => ref MemoryMarshal.GetReference(Bytes);

    /// <summary>Where the mask that clears the first <paramref name="skippedLanes"/> lanes of T starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint Offset<T>(nint skippedLanes)
        where T : unmanaged => (nuint)(64 - skippedLanes * Unsafe.SizeOf<T>());
}
