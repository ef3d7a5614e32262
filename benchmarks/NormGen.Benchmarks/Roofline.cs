using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NormGen.Benchmarks;

/// <summary>
/// The memory roofline: the least memory traffic each operation needs, timed as plain Vector256 passes over the
/// case's own arrays in the same round (so the same cache state and machine load). Four kernels:
/// <list type="bullet">
/// <item><c>read_x</c>: sum of x (one read pass);</item>
/// <item><c>copy_x_y</c>: x copied into y (read and write);</item>
/// <item><c>read_x_dy</c>: sum of x and dy (two read streams);</item>
/// <item><c>x_dy_to_dx</c>: dx = x + dy (two reads, one write).</item>
/// </list>
/// A fifth, <c>memmove_x_y</c> (<see cref="Span{T}.CopyTo(Span{T})"/>, the runtime's memmove), is timed for information
/// only: it may use string instructions no computing kernel can, and is not part of any roofline time.
/// Roofline time of training Forward = read_x + copy_x_y (statistics need x before y can be written);
/// inference = copy_x_y; Backward = read_x_dy + x_dy_to_dx (the reductions, then dx); Forward+Backward = all four.
/// With <c>--normgen-threads</c> above 1, the four are timed again split over that many threads
/// (<see cref="RooflineThreads"/>): the memory's own parallel speedup, the ceiling of NormGen's.
/// </summary>
public static class Roofline
{
    /// <summary>The kernel names, as they appear in the JSON.</summary>
    public static readonly string[] Kernels = ["read_x", "copy_x_y", "read_x_dy", "x_dy_to_dx"];

    /// <summary>Kernels timed for information, beside <see cref="Kernels"/>.</summary>
    public static readonly string[] InformationKernels = ["memmove_x_y"];

    private static float sink;

    /// <summary>The last sum a read kernel computed (kept so the JIT cannot drop the loads).</summary>
    public static float LastSum => sink;

    /// <summary>The kernels whose times add up to the roofline time of <paramref name="op"/>.</summary>
    public static string[] KernelsOf(BenchOp op) => op switch
    {
        BenchOp.TrainForward => ["read_x", "copy_x_y"],
        BenchOp.Inference => ["copy_x_y"],
        BenchOp.Backward => ["read_x_dy", "x_dy_to_dx"],
        BenchOp.ForwardBackward => ["read_x", "copy_x_y", "read_x_dy", "x_dy_to_dx"],
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown operation."),
    };

    /// <summary>Times one kernel on <paramref name="data"/>'s arrays.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown kernel name.</exception>
    public static Measurement Measure(string kernel, CaseData data, TimingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(data);
        switch (kernel)
        {
            case "read_x":
                {
                    var call = new ReadCall(data.X);
                    return Timing.Measure(ref call, settings);
                }

            case "copy_x_y":
                {
                    var call = new CopyCall(data.X, data.Y);
                    return Timing.Measure(ref call, settings);
                }

            case "read_x_dy":
                {
                    var call = new ReadTwoCall(data.X, data.Dy);
                    return Timing.Measure(ref call, settings);
                }

            case "memmove_x_y":
                {
                    var call = new MemmoveCall(data.X, data.Y);
                    return Timing.Measure(ref call, settings);
                }

            case "x_dy_to_dx":
                {
                    var call = new AddCall(data.X, data.Dy, data.Dx);
                    return Timing.Measure(ref call, settings);
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Unknown roofline kernel.");
        }
    }

    /// <summary>
    /// Times one of <see cref="Kernels"/> split over <paramref name="threads"/>'s threads, each taking a contiguous
    /// slice of the arrays: what memory allows when several cores share it (the ceiling of a parallel speedup).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown kernel name.</exception>
    public static Measurement Measure(string kernel, CaseData data, TimingSettings settings, RooflineThreads threads)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(threads);
        if (Array.IndexOf(Kernels, kernel) < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Unknown roofline kernel.");
        }

        var call = new ThreadedCall(threads, kernel, data);
        return Timing.Measure(ref call, settings);
    }

    /// <summary>Runs one kernel on the slice [start, start + length) of the case's arrays.</summary>
    internal static void RunSlice(string kernel, CaseData data, int start, int length)
    {
        switch (kernel)
        {
            case "read_x":
                sink = Sum(data.X.AsSpan(start, length));
                break;
            case "copy_x_y":
                Copy(data.X.AsSpan(start, length), data.Y.AsSpan(start, length));
                break;
            case "read_x_dy":
                sink = Sum(data.X.AsSpan(start, length), data.Dy.AsSpan(start, length));
                break;
            case "x_dy_to_dx":
                Add(data.X.AsSpan(start, length), data.Dy.AsSpan(start, length), data.Dx.AsSpan(start, length));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Unknown roofline kernel.");
        }
    }

    /// <summary>Sum of <paramref name="x"/>: four independent accumulators, so the loop is bound by loads, not by add latency.</summary>
    public static float Sum(ReadOnlySpan<float> x)
    {
        ref float p = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length;
        nuint w = (nuint)Vector256<float>.Count;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        nuint i = 0;
        for (; i + 4 * w <= n; i += 4 * w)
        {
            a0 += Vector256.LoadUnsafe(ref p, i);
            a1 += Vector256.LoadUnsafe(ref p, i + w);
            a2 += Vector256.LoadUnsafe(ref p, i + 2 * w);
            a3 += Vector256.LoadUnsafe(ref p, i + 3 * w);
        }

        float tail = 0;
        for (; i < n; i++)
        {
            tail += Unsafe.Add(ref p, i);
        }

        return Vector256.Sum((a0 + a1) + (a2 + a3)) + tail;
    }

    /// <summary>Sum of <paramref name="x"/> and <paramref name="dy"/> (equal lengths), read in one pass.</summary>
    public static float Sum(ReadOnlySpan<float> x, ReadOnlySpan<float> dy)
    {
        ref float p = ref MemoryMarshal.GetReference(x);
        ref float q = ref MemoryMarshal.GetReference(dy);
        nuint n = (nuint)Math.Min(x.Length, dy.Length);
        nuint w = (nuint)Vector256<float>.Count;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        nuint i = 0;
        for (; i + 2 * w <= n; i += 2 * w)
        {
            a0 += Vector256.LoadUnsafe(ref p, i);
            a1 += Vector256.LoadUnsafe(ref q, i);
            a2 += Vector256.LoadUnsafe(ref p, i + w);
            a3 += Vector256.LoadUnsafe(ref q, i + w);
        }

        float tail = 0;
        for (; i < n; i++)
        {
            tail += Unsafe.Add(ref p, i) + Unsafe.Add(ref q, i);
        }

        return Vector256.Sum((a0 + a1) + (a2 + a3)) + tail;
    }

    /// <summary>Copies <paramref name="x"/> into <paramref name="y"/> (equal lengths) with Vector256 loads and stores.</summary>
    public static void Copy(ReadOnlySpan<float> x, Span<float> y)
    {
        ref float p = ref MemoryMarshal.GetReference(x);
        ref float r = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)Math.Min(x.Length, y.Length);
        nuint w = (nuint)Vector256<float>.Count;
        nuint i = 0;
        for (; i + 4 * w <= n; i += 4 * w)
        {
            Vector256<float> a = Vector256.LoadUnsafe(ref p, i);
            Vector256<float> b = Vector256.LoadUnsafe(ref p, i + w);
            Vector256<float> c = Vector256.LoadUnsafe(ref p, i + 2 * w);
            Vector256<float> d = Vector256.LoadUnsafe(ref p, i + 3 * w);
            a.StoreUnsafe(ref r, i);
            b.StoreUnsafe(ref r, i + w);
            c.StoreUnsafe(ref r, i + 2 * w);
            d.StoreUnsafe(ref r, i + 3 * w);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref r, i) = Unsafe.Add(ref p, i);
        }
    }

    /// <summary>dx = x + dy (equal lengths) with Vector256 loads and stores.</summary>
    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        ref float p = ref MemoryMarshal.GetReference(x);
        ref float q = ref MemoryMarshal.GetReference(dy);
        ref float r = ref MemoryMarshal.GetReference(dx);
        nuint n = (nuint)Math.Min(Math.Min(x.Length, dy.Length), dx.Length);
        nuint w = (nuint)Vector256<float>.Count;
        nuint i = 0;
        for (; i + 2 * w <= n; i += 2 * w)
        {
            (Vector256.LoadUnsafe(ref p, i) + Vector256.LoadUnsafe(ref q, i)).StoreUnsafe(ref r, i);
            (Vector256.LoadUnsafe(ref p, i + w) + Vector256.LoadUnsafe(ref q, i + w)).StoreUnsafe(ref r, i + w);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref r, i) = Unsafe.Add(ref p, i) + Unsafe.Add(ref q, i);
        }
    }

    // The sums go to a static field so the JIT cannot drop the loads.
    private readonly struct ReadCall(float[] x) : IBenchCall
    {
        public void Invoke() => sink = Sum(x);
    }

    private readonly struct ReadTwoCall(float[] x, float[] dy) : IBenchCall
    {
        public void Invoke() => sink = Sum(x, dy);
    }

    private readonly struct CopyCall(float[] x, float[] y) : IBenchCall
    {
        public void Invoke() => Copy(x, y);
    }

    private readonly struct MemmoveCall(float[] x, float[] y) : IBenchCall
    {
        public void Invoke() => x.AsSpan().CopyTo(y);
    }

    private readonly struct AddCall(float[] x, float[] dy, float[] dx) : IBenchCall
    {
        public void Invoke() => Add(x, dy, dx);
    }

    private readonly struct ThreadedCall(RooflineThreads threads, string kernel, CaseData data) : IBenchCall
    {
        public void Invoke() => threads.Run(kernel, data);
    }
}
