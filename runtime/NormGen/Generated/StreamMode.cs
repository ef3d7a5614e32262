using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NormGen.Generated;

/// <summary>
/// How one call's data moves between memory and the kernels, decided once per call from its size (never per block or
/// per thread). Every mode gives the same bits: only the vector width of the loads and the kind of stores change.
/// </summary>
/// <remarks>Infrastructure for generated code, not for direct use: it may change in any release.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum StreamMode : byte
{
    /// <summary>The call's input fits in a core's cache (<see cref="LayerCore{T}.StreamingBytes"/> or less).</summary>
    Cached,

    /// <summary>The input streams from memory: on AVX-512, 512-bit kernel bodies run as pairs of 256-bit vectors.</summary>
    Streaming,

    /// <summary>
    /// As <see cref="Streaming"/>, and the output is at least <see cref="LayerCore{T}.NonTemporalBytes"/>: too large to
    /// stay in the caches, so the kernels that write a whole output (y, dx) write it with non-temporal stores, which
    /// skip reading each cache line before overwriting it.
    /// </summary>
    NonTemporal,
}

/// <summary>
/// Runs a kernel's map body with non-temporal stores: <c>vmovntps</c> needs 32-byte-aligned addresses, so a run is
/// split into a head before the first aligned element, a body of whole aligned vectors, and a tail; the head and tail
/// go through the ordinary kernel. Every element's arithmetic is the same in all three, so the bits are too. Whoever
/// runs the kernels over a block fences once after it (<see cref="FenceAfter"/>).
/// </summary>
internal static class NonTemporal
{
    /// <summary>
    /// Whether this machine has the stores: 256-bit vectors on x64 (not Arm64, and not x64 with AVX switched off).
    /// Every kernel checks it, so a NonTemporal call elsewhere stores the ordinary way.
    /// </summary>
    public static bool IsSupported => Avx.IsSupported;

    /// <summary>
    /// Splits <paramref name="length"/> elements at <paramref name="destination"/> (pinned by the caller) into
    /// <paramref name="head"/> elements before the first 32-byte boundary and a <paramref name="body"/> of whole
    /// 256-bit vectors after it; false when the body would be empty (a short run, or an address no element of which is
    /// aligned), and then the caller stores the ordinary way.
    /// </summary>
    public static unsafe bool Split<T>(T* destination, nint length, out nint head, out nint body)
        where T : unmanaged
    {
        nint lanes = Vector256<T>.Count;
        nint misalignment = (nint)((nuint)destination % 32);
        head = misalignment == 0 ? 0 : (32 - misalignment) / sizeof(T);
        body = (length - head) / lanes * lanes;
        return misalignment % sizeof(T) == 0 && body > 0;
    }

    /// <summary>
    /// Non-temporal stores are weakly ordered: a block of a call fences them once it has written all its runs, before
    /// the block scheduler hands its output to another thread (its interlocked counters order ordinary stores; this
    /// makes the streamed ones visible first). The kernels themselves do not fence: a fence per row waits for every
    /// store in flight, and measured RMS norm's inference at (4096, 1024) 2x slower. A thread always sees its own stores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fence() => Sse.StoreFence();

    /// <summary><see cref="Fence"/> after a block of a call in <paramref name="streaming"/> mode, if it wrote with non-temporal stores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void FenceAfter(StreamMode streaming)
    {
        if (streaming == StreamMode.NonTemporal && IsSupported)
        {
            Fence();
        }
    }
}

/// <summary>
/// 256-bit vectors whose stores are non-temporal and aligned: for the body that <see cref="NonTemporal.Split{T}"/>
/// finds, whose every vector starts on a 32-byte boundary of memory the caller has pinned. Everything else is
/// <see cref="Width256{T}"/>'s.
/// </summary>
internal readonly struct Width256NonTemporal<T> : IVectorWidth<T, Vector256<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Width256<T>.Count;

    public static Vector256<T> Zero => Width256<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Create(T value) => Width256<T>.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(ref T source, nint offset) => Width256<T>.Load(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(Vector256<T> value, ref T destination, nint offset) =>
        Vector256.StoreAlignedNonTemporal(value, (T*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> left, Vector256<T> right) => Width256<T>.Add(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Subtract(Vector256<T> left, Vector256<T> right) => Width256<T>.Subtract(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> left, Vector256<T> right) => Width256<T>.Multiply(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Relu(Vector256<T> value) => Width256<T>.Relu(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> WherePositive(Vector256<T> condition, Vector256<T> value) => Width256<T>.WherePositive(condition, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LastLanes(Vector256<T> value, nint lanes) => Width256<T>.LastLanes(value, lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector256<T> value) => Width256<T>.Sum(value);
}
