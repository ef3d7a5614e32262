using System;
using System.Buffers;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NormGen.Generated;

/// <summary>
/// Batch norm's normalize with non-temporal stores, for a call whose output is too large for the caches
/// (<see cref="StreamMode.NonTemporal"/>). The generated kernels walk the rows with a feature's coefficients in
/// registers; non-temporal stores need 32-byte-aligned addresses, which a row of 1d batch norm starts on only by
/// chance, so this kernel takes the rows as one run of memory instead: a head up to the first aligned element, a
/// body of aligned vectors that runs across row ends, and a tail. A vector that starts at feature f takes its
/// coefficients from copies of center, scale and shift laid twice end to end, so features f to f + lanes - 1 never
/// wrap. Every element is <c>(x - center) * scale + shift</c> (then max with 0 under the ReLU), as in the generated
/// kernels, so the bits are the same.
/// </summary>
/// <remarks>Infrastructure for generated code, not for direct use: it may change in any release.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class FeatureKernels
{
    /// <summary>
    /// <c>y = (x - center) * scale + shift</c> per feature over whole rows of <c>center.Length</c> features, y written
    /// with non-temporal stores; y may be x itself. Returns false, with nothing written, where the stores cannot run
    /// (no AVX, rows narrower than a vector, or no aligned body), and then the caller normalizes the ordinary way.
    /// </summary>
    public static unsafe bool NormalizeNonTemporal<T>(
        ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> center, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int features = center.Length;
        nint lanes = Vector256<T>.Count;
        if (!NonTemporal.IsSupported || features < lanes)
        {
            return false;
        }

        fixed (T* destination = y)
        {
            if (!NonTemporal.Split(destination, y.Length, out nint head, out nint body))
            {
                return false;
            }

            T[] doubled = ArrayPool<T>.Shared.Rent(6 * features);
            try
            {
                Span<T> center2 = doubled.AsSpan(0, 2 * features), scale2 = doubled.AsSpan(2 * features, 2 * features);
                Span<T> shift2 = doubled.AsSpan(4 * features, 2 * features);
                Twice(center, center2);
                Twice(scale, scale2);
                Twice(shift, shift2);

                ref T xStart = ref MemoryMarshal.GetReference(x);
                ScalarNormalize(ref xStart, destination, 0, head, center, scale, shift, relu);
                ref T c = ref MemoryMarshal.GetReference(center2);
                ref T s = ref MemoryMarshal.GetReference(scale2);
                ref T b = ref MemoryMarshal.GetReference(shift2);
                nint feature = head % features;
                for (nint i = head; i < head + body; i += lanes)
                {
                    Vector256<T> value = (Vector256.LoadUnsafe(ref xStart, (nuint)i) - Vector256.LoadUnsafe(ref c, (nuint)feature))
                        * Vector256.LoadUnsafe(ref s, (nuint)feature) + Vector256.LoadUnsafe(ref b, (nuint)feature);
                    Vector256.StoreAlignedNonTemporal(relu ? Vector256.Max(value, Vector256<T>.Zero) : value, destination + i);
                    feature += lanes;
                    if (feature >= features)
                    {
                        feature -= features;
                    }
                }

                ScalarNormalize(ref xStart, destination, head + body, y.Length, center, scale, shift, relu);
                NonTemporal.Fence();
                return true;
            }
            finally
            {
                ArrayPool<T>.Shared.Return(doubled);
            }
        }
    }

    private static void Twice<T>(ReadOnlySpan<T> values, Span<T> twice)
    {
        values.CopyTo(twice);
        values.CopyTo(twice.Slice(values.Length));
    }

    /// <summary>Elements [start, end) of the run, one at a time, as the generated scalar kernel computes them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void ScalarNormalize<T>(
        ref T x, T* y, nint start, nint end, ReadOnlySpan<T> center, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (nint i = start; i < end; i++)
        {
            int f = (int)(i % center.Length);
            T value = (Unsafe.Add(ref x, i) - center[f]) * scale[f] + shift[f];
            y[i] = relu ? T.Max(value, T.Zero) : value;
        }
    }
}
