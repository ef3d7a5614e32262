using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace NormGen.Generated;

/// <summary>
/// Non-temporal ("streaming") vector stores for generated kernels whose output is too large to stay in cache. A normal
/// store first reads the cache line it writes (a read for ownership), so writing an output that goes to memory anyway
/// costs a read and a write of it; a non-temporal store writes whole lines without reading them, and does not evict
/// data the next pass needs. Such stores need addresses aligned to the vector size: kernels align their walk with
/// <see cref="ElementsToAlignment{T}"/> and <see cref="Rotate{T}"/>, and each store checks its address again (a
/// misaligned one, possible only if the garbage collector moved the output during the call, gets a normal store).
/// After the last store a kernel calls <see cref="Fence"/>, since non-temporal stores are not ordered with later ones.
/// </summary>
/// <remarks>Infrastructure for generated code, not for direct use: it may change in any release.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Streaming
{
    /// <summary>
    /// Bytes of output from which a kernel call streams it: 8 MiB, more than a core's share of the last-level cache on
    /// current x64 parts (about 1.5 to 4 MiB), so a smaller output may still be in cache when the next layer reads it.
    /// </summary>
    public const int ThresholdBytes = 8 << 20;

    /// <summary>Elements from <paramref name="destination"/> to the next address that is a multiple of <paramref name="alignment"/> bytes (a power of two); 0 when it is one.</summary>
    /// <typeparam name="T">The element type, whose size divides <paramref name="alignment"/>.</typeparam>
    /// <param name="destination">The first element of the output.</param>
    /// <param name="alignment">The vector size in bytes: 16, 32 or 64.</param>
    /// <returns>A count in [0, alignment / sizeof(T)); only a hint, since the garbage collector may move the output.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe int ElementsToAlignment<T>(ref T destination, int alignment)
        where T : unmanaged =>
        (int)((nuint)(-(nint)Unsafe.AsPointer(ref destination)) & (nuint)(alignment - 1)) / sizeof(T);

    /// <summary>
    /// Writes <paramref name="source"/> rotated left by <paramref name="start"/> into <paramref name="destination"/>:
    /// <c>destination[t] = source[(start + t) % source.Length]</c>, the per-feature coefficients of a walk that starts
    /// at feature <paramref name="start"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> is outside [0, source.Length].</exception>
    public static void Rotate<T>(ReadOnlySpan<T> source, int start, Span<T> destination)
    {
        source.Slice(start).CopyTo(destination);
        source.Slice(0, start).CopyTo(destination.Slice(source.Length - start));
    }

    /// <summary>Stores <paramref name="value"/> at <paramref name="destination"/>, past the caches when it is 16-byte aligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store<T>(Vector128<T> value, ref T destination)
        where T : unmanaged
    {
        fixed (T* address = &destination)
        {
            if (((nuint)address & 15) == 0)
            {
                value.StoreAlignedNonTemporal(address);
            }
            else
            {
                value.Store(address);
            }
        }
    }

    /// <summary>Stores <paramref name="value"/> at <paramref name="destination"/>, past the caches when it is 32-byte aligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store<T>(Vector256<T> value, ref T destination)
        where T : unmanaged
    {
        fixed (T* address = &destination)
        {
            if (((nuint)address & 31) == 0)
            {
                value.StoreAlignedNonTemporal(address);
            }
            else
            {
                value.Store(address);
            }
        }
    }

    /// <summary>Stores <paramref name="value"/> at <paramref name="destination"/>, past the caches when it is 64-byte aligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store<T>(Vector512<T> value, ref T destination)
        where T : unmanaged
    {
        fixed (T* address = &destination)
        {
            if (((nuint)address & 63) == 0)
            {
                value.StoreAlignedNonTemporal(address);
            }
            else
            {
                value.Store(address);
            }
        }
    }

    /// <summary>
    /// Stores four consecutive vectors from <paramref name="destination"/> on, past the caches when it is 16-byte
    /// aligned. One pin and one check for four stores: per store they would cost as much as the store.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store<T>(Vector128<T> first, Vector128<T> second, Vector128<T> third, Vector128<T> fourth, ref T destination)
        where T : unmanaged
    {
        fixed (T* address = &destination)
        {
            if (((nuint)address & 15) == 0)
            {
                first.StoreAlignedNonTemporal(address);
                second.StoreAlignedNonTemporal(address + Vector128<T>.Count);
                third.StoreAlignedNonTemporal(address + (2 * Vector128<T>.Count));
                fourth.StoreAlignedNonTemporal(address + (3 * Vector128<T>.Count));
            }
            else
            {
                first.Store(address);
                second.Store(address + Vector128<T>.Count);
                third.Store(address + (2 * Vector128<T>.Count));
                fourth.Store(address + (3 * Vector128<T>.Count));
            }
        }
    }

    /// <summary>Stores four consecutive vectors from <paramref name="destination"/> on, past the caches when it is 32-byte aligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store<T>(Vector256<T> first, Vector256<T> second, Vector256<T> third, Vector256<T> fourth, ref T destination)
        where T : unmanaged
    {
        fixed (T* address = &destination)
        {
            if (((nuint)address & 31) == 0)
            {
                first.StoreAlignedNonTemporal(address);
                second.StoreAlignedNonTemporal(address + Vector256<T>.Count);
                third.StoreAlignedNonTemporal(address + (2 * Vector256<T>.Count));
                fourth.StoreAlignedNonTemporal(address + (3 * Vector256<T>.Count));
            }
            else
            {
                first.Store(address);
                second.Store(address + Vector256<T>.Count);
                third.Store(address + (2 * Vector256<T>.Count));
                fourth.Store(address + (3 * Vector256<T>.Count));
            }
        }
    }

    /// <summary>Stores four consecutive vectors from <paramref name="destination"/> on, past the caches when it is 64-byte aligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store<T>(Vector512<T> first, Vector512<T> second, Vector512<T> third, Vector512<T> fourth, ref T destination)
        where T : unmanaged
    {
        fixed (T* address = &destination)
        {
            if (((nuint)address & 63) == 0)
            {
                first.StoreAlignedNonTemporal(address);
                second.StoreAlignedNonTemporal(address + Vector512<T>.Count);
                third.StoreAlignedNonTemporal(address + (2 * Vector512<T>.Count));
                fourth.StoreAlignedNonTemporal(address + (3 * Vector512<T>.Count));
            }
            else
            {
                first.Store(address);
                second.Store(address + Vector512<T>.Count);
                third.Store(address + (2 * Vector512<T>.Count));
                fourth.Store(address + (3 * Vector512<T>.Count));
            }
        }
    }

    /// <summary>Orders the non-temporal stores before every later store (x86 SFENCE; a full barrier elsewhere).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fence()
    {
        if (Sse.IsSupported)
        {
            Sse.StoreFence();
        }
        else
        {
            Interlocked.MemoryBarrier();
        }
    }
}
