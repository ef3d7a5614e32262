using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace NormGen.Generated;

/// <summary>
/// What every generated layer has in common: its name and shape, the training flag, the learnable parameters and
/// their gradients, and the checks that open Forward and Backward. A generated layer holds one instance of its kind's
/// core, created from a <c>file</c>-local class in the generated source that supplies the kernels for the layer's exact
/// shape, and forwards its public members to it; so the user's type receives only the documented API, and nothing the
/// implementation uses can be captured by a name the user declares.
/// </summary>
/// <remarks>
/// <para>Infrastructure for generated code, not for direct use: it may change in any release.</para>
/// <para>
/// Threads: inference Forward (Training = false) changes no state, so any number of threads may run it on one layer at
/// once. Training Forward, Backward and the state-changing methods are single-threaded per layer: a second such call
/// while one is running is detected (<see cref="EnterTrainingCall"/>) and throws instead of corrupting the layer.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class LayerCore<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the parameters: Gamma = 1 and Beta = 0 when affine, empty arrays otherwise.</summary>
    /// <param name="name">The layer's type name, for messages.</param>
    /// <param name="shape">The input shape as text, e.g. <c>(batch, 128)</c>, for messages.</param>
    /// <param name="sampleLength">Elements per sample.</param>
    /// <param name="parameterLength">Values per parameter array (features or channels).</param>
    /// <param name="affine">Whether the layer has learnable parameters.</param>
    /// <param name="hasShift">Whether an affine layer has Beta (RMS norm has none).</param>
    protected LayerCore(string name, string shape, int sampleLength, int parameterLength, bool affine, bool hasShift)
    {
        Name = name;
        Shape = shape;
        SampleLength = sampleLength;
        Gamma = affine ? Filled(parameterLength, T.One) : [];
        GammaGrad = affine ? new T[parameterLength] : [];
        Beta = affine && hasShift ? new T[parameterLength] : [];
        BetaGrad = affine && hasShift ? new T[parameterLength] : [];
    }

    /// <summary>The layer's type name, used in error messages.</summary>
    public string Name { get; }

    /// <summary>The input shape as text, e.g. <c>(batch, 128)</c>.</summary>
    public string Shape { get; }

    /// <summary>Elements per sample.</summary>
    public int SampleLength { get; }

    /// <summary>True after construction: training mode.</summary>
    public bool Training { get; set; } = true;

    /// <summary>
    /// The most threads one call may use: 1 (the default) runs on the calling thread; 0 or less means every processor.
    /// Results are bit-identical whatever the value: the work is split into fixed blocks of rows, combined in order.
    /// </summary>
    public int MaxDegreeOfParallelism { get; set; } = 1;

    /// <summary>The threads a call may use now: <see cref="MaxDegreeOfParallelism"/>, with 0 or less meaning every processor.</summary>
    protected int Degree => MaxDegreeOfParallelism > 0 ? MaxDegreeOfParallelism : Environment.ProcessorCount;

    /// <summary>
    /// Bytes of input above which a call streams from memory rather than from a core's L2 (1 MiB or more on current
    /// x64 parts). Measured on an AMD EPYC with AVX-512 (float, one thread), the kernels that keep a wide row's sums in
    /// memory then run faster with 256-bit vectors than with 512-bit ones: (1024, 1024) Forward+Backward 930-1,080 us
    /// against 1,360-1,780 us, (16384, 256) inference 650-800 us against 1,450-1,520 us; at (256, 1024) and below the
    /// 512-bit ones win (80-87 us against 97-113 us training Forward). Layer and RMS norm at (4096, 1024), with the
    /// 512-bit bodies run as 256-bit pairs: training Forward 1,770-2,110 -> 1,140-1,210 us and 1,060-1,250 -> 630-730 us.
    /// </summary>
    protected internal const int StreamingBytes = 1 << 20;

    /// <summary>
    /// Bytes of output from which a call writes y (or dx) with non-temporal stores (<see cref="StreamMode.NonTemporal"/>):
    /// an output this large leaves the caches before anything reads it again, so reading each line in before
    /// overwriting it (what an ordinary store does) is wasted traffic. Measured on an AMD EPYC with a 32 MiB L3 (RMS
    /// norm, 1024 features, float, one thread): 16 MiB of output, inference 0.79-0.97 -> 0.55-0.62 ms; 8 MiB, training
    /// Forward 0.33-0.35 -> 0.28-0.32 ms; 4 MiB, 0.17 -> 0.19 ms (slower: x and y still fit in L3); 2 MiB, no change.
    /// </summary>
    protected internal const int NonTemporalBytes = 8 << 20;

    /// <summary>
    /// How a call over <paramref name="batch"/> samples moves its data: the kernels' <c>streaming</c> argument. Every
    /// mode gives the same bits (batch norm's lanes are features and never meet; the others use
    /// <see cref="Width256Pair{T}"/>, and non-temporal stores change only where a value goes), so a result never
    /// depends on the size of the call it is part of. Each call's output is as long as its input.
    /// </summary>
    protected StreamMode Streams(long batch)
    {
        long bytes = batch * SampleLength * Unsafe.SizeOf<T>();
        return bytes <= StreamingBytes ? StreamMode.Cached
            : bytes >= NonTemporalBytes && NonTemporal.IsSupported ? StreamMode.NonTemporal
            : StreamMode.Streaming;
    }

    /// <summary>Learnable scale; empty when the layer is not affine.</summary>
    public T[] Gamma { get; }

    /// <summary>Learnable shift; empty when the layer is not affine or has no shift.</summary>
    public T[] Beta { get; }

    /// <summary>Gradient of the loss with respect to <see cref="Gamma"/>, written by Backward.</summary>
    public T[] GammaGrad { get; }

    /// <summary>Gradient of the loss with respect to <see cref="Beta"/>, written by Backward.</summary>
    public T[] BetaGrad { get; }

    /// <summary>Normalizes x into y; see the generated layer's documentation.</summary>
    public abstract void Forward(ReadOnlySpan<T> x, Span<T> y);

    /// <summary>Back-propagates dy through the last Forward on the same x; see the generated layer's documentation.</summary>
    public abstract void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx);

    /// <summary>Checks the spans of Forward before anything changes and returns the batch size.</summary>
    /// <exception cref="ArgumentException">
    /// x is not a positive multiple of <see cref="SampleLength"/>, y differs in length, or y overlaps x without being x itself.
    /// </exception>
    protected int CheckForward(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
    {
        int batch = ShapeGuard.BatchSize(Name, Shape, SampleLength, x.Length);
        ShapeGuard.SameLength(Name, Shape, "y", x.Length, y.Length);
        ShapeGuard.SameOrSeparate(Name, "y", y, "x", x);
        return batch;
    }

    /// <summary>Checks the spans of Backward against the last training Forward before anything changes and returns the batch size.</summary>
    /// <exception cref="ArgumentException">
    /// x is not a positive multiple of <see cref="SampleLength"/>, dy or dx differs in length, dx overlaps dy without
    /// being dy itself, or dx overlaps x.
    /// </exception>
    /// <exception cref="InvalidOperationException"><paramref name="forwardBatch"/> is 0 (no training Forward to go back through) or differs.</exception>
    protected int CheckBackward(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> dx, int forwardBatch)
    {
        int batch = ShapeGuard.BatchSize(Name, Shape, SampleLength, x.Length);
        ShapeGuard.SameLength(Name, Shape, "dy", x.Length, dy.Length);
        ShapeGuard.SameLength(Name, Shape, "dx", x.Length, dx.Length);
        ShapeGuard.SameOrSeparate(Name, "dx", dx, "dy", dy);
        ShapeGuard.Separate(Name, "dx", dx, "x", x);
        ShapeGuard.BackwardMatchesForward(Name, forwardBatch, batch);
        return batch;
    }

    // 1 while a training call or a state change runs; see EnterTrainingCall.
    private int _trainingCall;

    /// <summary>
    /// Marks the start of a training call or a state change, and detects a second one on another thread: such calls are
    /// single-threaded per layer, and two at once would corrupt the statistics. One interlocked exchange per call.
    /// Pair with <see cref="ExitTrainingCall"/> in a finally block.
    /// </summary>
    /// <param name="operation">What is starting, for the message, e.g. "training Forward".</param>
    /// <exception cref="InvalidOperationException">Another training call or state change is running on this layer.</exception>
    protected void EnterTrainingCall(string operation)
    {
        if (Interlocked.Exchange(ref _trainingCall, 1) != 0)
        {
            throw new InvalidOperationException(
                $"{Name}: {operation} was called while another training call (Forward with Training = true, Backward, or a change of the running statistics) was running on this layer on another thread. Training calls are single-threaded per layer; only inference Forward (Training = false) may run on several threads at once.");
        }
    }

    /// <summary>Marks the end of the call <see cref="EnterTrainingCall"/> started.</summary>
    protected void ExitTrainingCall() => Volatile.Write(ref _trainingCall, 0);

    /// <summary>An array of <paramref name="length"/> copies of <paramref name="value"/>.</summary>
    protected static T[] Filled(int length, T value)
    {
        var array = new T[length];
        Array.Fill(array, value);
        return array;
    }
}
