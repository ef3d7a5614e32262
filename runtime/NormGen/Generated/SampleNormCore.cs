using System;
using System.Buffers;
using System.ComponentModel;
using System.Numerics;

namespace NormGen.Generated;

/// <summary>
/// A layer whose statistics are per sample (layer norm, RMS norm) or per (sample, group) (group and instance norm),
/// minus its kernels: the state kept from Forward for Backward, and the order of the steps. Training and inference
/// compute the same thing. The generated <c>file</c>-local class that derives from it supplies the two kernels,
/// specialized for the layer's shape.
/// </summary>
/// <remarks>
/// <para>Infrastructure for generated code, not for direct use: it may change in any release.</para>
/// <para>
/// A training Forward keeps, per statistics unit (a sample, or a (sample, group) pair), a pivot (a value of the unit, so
/// nothing cancels), the mean relative to it, and 1/std; RMS norm keeps only 1/rms in the last of them. The arrays are
/// sized for the largest batch seen and grow when a larger batch arrives, so steady-state calls allocate nothing. An
/// inference Forward (Training = false) computes the same outputs into scratch of its own and keeps nothing, so several
/// threads may run it at once; Backward needs a training Forward.
/// </para>
/// <para>
/// A call splits the batch into blocks of whole samples, about 64 Ki elements each, fixed by the batch and never by the
/// thread count, and may run them on up to MaxDegreeOfParallelism threads. Samples are independent, and Backward adds
/// the blocks' parameter gradients in block order, so results are bit-identical whatever the degree.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class SampleNormCore<T> : LayerCore<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Elements a block aims at: enough work (about 256 KB of float) to be worth a thread.</summary>
    private const int BlockElements = 1 << 16;

    // The training calls' work; an inference call takes its own thread's (see InferenceCall), so concurrent inference
    // shares nothing.
    private readonly SampleBlocks _trainingCall;
    private readonly UnitStatistics _kept = new();
    private int _forwardBatch;

    // Parameter gradients of blocks 1, 2, ... (block 0 adds into GammaGrad and BetaGrad), summed in block order.
    private T[] _blockGammaGrad = [];
    private T[] _blockBetaGrad = [];

    [ThreadStatic]
    private static SampleBlocks? t_inferenceCall;

    /// <summary>Creates the layer: Gamma = 1 and Beta = 0 when affine, Training = true.</summary>
    /// <param name="name">The layer's type name, for messages.</param>
    /// <param name="shape">The input shape as text, e.g. <c>(batch, 128)</c>.</param>
    /// <param name="sampleLength">Elements per sample.</param>
    /// <param name="parameterLength">Values per parameter array (features or channels).</param>
    /// <param name="affine">Whether the layer has learnable parameters.</param>
    /// <param name="hasShift">Whether an affine layer has Beta (RMS norm has none).</param>
    /// <param name="unitsPerSample">Statistics units per sample: 1, or the number of groups.</param>
    protected SampleNormCore(string name, string shape, int sampleLength, int parameterLength, bool affine, bool hasShift, int unitsPerSample)
        : base(name, shape, sampleLength, parameterLength, affine, hasShift)
    {
        UnitsPerSample = unitsPerSample;
        _trainingCall = new SampleBlocks();
    }

    /// <summary>Statistics units per sample: 1 for layer and RMS norm, the number of groups for group and instance norm.</summary>
    public int UnitsPerSample { get; }

    /// <summary>Samples per block: whole samples, about <see cref="BlockElements"/> elements.</summary>
    private int SamplesPerBlock => Math.Max(1, BlockElements / SampleLength);

    /// <summary>Normalizes every sample of x into y with its own statistics. y may be x itself.</summary>
    public sealed override void Forward(ReadOnlySpan<T> x, Span<T> y)
    {
        int batch = CheckForward(x, y);
        int units = batch * UnitsPerSample;
        if (!Training)
        {
            // Scratch from the shared array pool (per thread and per core): nothing of the layer's is written.
            T[] scratch = ArrayPool<T>.Shared.Rent(3 * units);
            try
            {
                Span<T> statistics = scratch.AsSpan(0, 3 * units);
                RunBlocks(t_inferenceCall ??= new SampleBlocks(), SampleBlocks.Step.Forward, batch, x, y, default, statistics);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scratch);
            }

            // Backward after an inference Forward would go back through another call's statistics: refuse it.
            _forwardBatch = 0;
            return;
        }

        EnterTrainingCall("training Forward");
        try
        {
            _kept.EnsureCapacity(units);
            RunBlocks(_trainingCall, SampleBlocks.Step.Forward, batch, x, y, default, _kept.Statistics.AsSpan(0, 3 * units));
            _forwardBatch = batch;
        }
        finally
        {
            ExitTrainingCall();
        }
    }

    /// <summary>
    /// Back-propagates dy through the last training Forward on the same x: writes dx and overwrites GammaGrad and BetaGrad.
    /// dx may be dy itself.
    /// </summary>
    public sealed override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx)
    {
        EnterTrainingCall("Backward");
        try
        {
            int batch = CheckBackward(x, dy, dx, _forwardBatch);
            int units = batch * UnitsPerSample;
            int blocks = (batch + SamplesPerBlock - 1) / SamplesPerBlock;
            if (_blockGammaGrad.Length < (blocks - 1) * GammaGrad.Length)
            {
                _blockGammaGrad = new T[(blocks - 1) * GammaGrad.Length];
                _blockBetaGrad = new T[(blocks - 1) * BetaGrad.Length];
            }

            Array.Clear(GammaGrad);
            Array.Clear(BetaGrad);
            RunBlocks(_trainingCall, SampleBlocks.Step.Backward, batch, x, dx, dy, _kept.Statistics.AsSpan(0, 3 * units));
            for (int block = 1; block < blocks; block++)
            {
                AddBlock(GammaGrad, _blockGammaGrad, block);
                AddBlock(BetaGrad, _blockBetaGrad, block);
            }
        }
        finally
        {
            ExitTrainingCall();
        }
    }

    /// <summary>
    /// Normalizes the samples of x into y; per statistics unit, writes the pivot, the mean relative to it and 1/std
    /// (RMS norm: 1/rms in <paramref name="inverseStd"/> only). y may be x itself: read each unit's pivot before writing it.
    /// <paramref name="streaming"/>: how the whole call moves its data (<see cref="LayerCore{T}.Streams"/>), for the kernels.
    /// </summary>
    protected abstract void ForwardSamples(ReadOnlySpan<T> x, Span<T> y, Span<T> pivot, Span<T> mean, Span<T> inverseStd, StreamMode streaming);

    /// <summary>
    /// Writes dx for the samples of x from the statistics Forward kept, and adds the parameter gradients of these samples
    /// to <paramref name="gammaGrad"/> and <paramref name="betaGrad"/> (empty when the layer has none). dx may be dy itself.
    /// <paramref name="streaming"/> as in <see cref="ForwardSamples"/>.
    /// </summary>
    protected abstract void BackwardSamples(
        ReadOnlySpan<T> x,
        ReadOnlySpan<T> dy,
        Span<T> dx,
        ReadOnlySpan<T> pivot,
        ReadOnlySpan<T> mean,
        ReadOnlySpan<T> inverseStd,
        Span<T> gammaGrad,
        Span<T> betaGrad,
        StreamMode streaming);

    /// <summary>
    /// Adds block <paramref name="block"/>'s gradients (kept from block 1 on) to <paramref name="total"/>, lane by lane
    /// (the same additions as one at a time): it runs on the calling thread after the blocks, once per block.
    /// </summary>
    private static void AddBlock(T[] total, T[] blocks, int block)
    {
        ReadOnlySpan<T> part = blocks.AsSpan((block - 1) * total.Length, total.Length);
        Span<T> sums = total;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= sums.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                (new Vector<T>(sums.Slice(i)) + new Vector<T>(part.Slice(i))).CopyTo(sums.Slice(i));
            }
        }

        for (; i < sums.Length; i++)
        {
            sums[i] += part[i];
        }
    }

    /// <summary>
    /// Runs one call over its blocks: on the calling thread, or on up to MaxDegreeOfParallelism threads when the batch
    /// is large enough to pay for them. <paramref name="statistics"/> holds the pivots, means and 1/std of every unit.
    /// </summary>
    private unsafe void RunBlocks(SampleBlocks call, SampleBlocks.Step step, int batch, ReadOnlySpan<T> x, Span<T> output, ReadOnlySpan<T> dy, Span<T> statistics)
    {
        int blocks = (batch + SamplesPerBlock - 1) / SamplesPerBlock;
        fixed (T* xPointer = x, outputPointer = output, dyPointer = dy, statisticsPointer = statistics)
        {
            call.Begin(this, step, batch, xPointer, outputPointer, dyPointer, statisticsPointer);
            try
            {
                bool worthThreads = blocks > 1 && (long)batch * SampleLength >= 2 * BlockElements;
                ParallelBlocks.Run(call, blocks, worthThreads ? Degree : 1);
            }
            finally
            {
                call.End();
            }
        }
    }

    /// <summary>Runs one block of a call: its samples' Forward, or their Backward with the block's gradients apart.</summary>
    private unsafe void RunBlock(SampleBlocks call, int block)
    {
        int first = block * SamplesPerBlock;
        int samples = Math.Min(SamplesPerBlock, call.Batch - first);
        int length = samples * SampleLength;
        int batchUnits = call.Batch * UnitsPerSample;
        int firstUnit = first * UnitsPerSample;
        int units = samples * UnitsPerSample;
        var x = new ReadOnlySpan<T>(call.X + (long)first * SampleLength, length);
        var output = new Span<T>(call.Output + (long)first * SampleLength, length);
        var pivot = new Span<T>(call.Statistics + firstUnit, units);
        var mean = new Span<T>(call.Statistics + batchUnits + firstUnit, units);
        var inverseStd = new Span<T>(call.Statistics + (2 * batchUnits) + firstUnit, units);
        StreamMode streaming = Streams(call.Batch);
        if (call.CurrentStep == SampleBlocks.Step.Forward)
        {
            ForwardSamples(x, output, pivot, mean, inverseStd, streaming);
            NonTemporal.FenceAfter(streaming);
            return;
        }

        Span<T> gammaGrad = GammaGrad;
        Span<T> betaGrad = BetaGrad;
        if (block > 0)
        {
            gammaGrad = _blockGammaGrad.AsSpan((block - 1) * GammaGrad.Length, GammaGrad.Length);
            betaGrad = _blockBetaGrad.AsSpan((block - 1) * BetaGrad.Length, BetaGrad.Length);
            gammaGrad.Clear();
            betaGrad.Clear();
        }

        var dy = new ReadOnlySpan<T>(call.Dy + (long)first * SampleLength, length);
        BackwardSamples(x, dy, output, pivot, mean, inverseStd, gammaGrad, betaGrad, streaming);
        NonTemporal.FenceAfter(streaming);
    }

    /// <summary>
    /// One call in progress, for the threads that run its blocks: the layer, the step, and the caller's memory, pinned by
    /// the caller for the call. The layer keeps one for its training calls; every thread has one for inference.
    /// </summary>
    private sealed unsafe class SampleBlocks : IBlockWork
    {
        public enum Step
        {
            Forward,
            Backward,
        }

        private SampleNormCore<T>? _layer;

        public Step CurrentStep { get; private set; }

        public int Batch { get; private set; }

        public T* X { get; private set; }

        /// <summary>y for Forward, dx for Backward.</summary>
        public T* Output { get; private set; }

        public T* Dy { get; private set; }

        /// <summary>Every unit's pivot, then every unit's mean, then every unit's 1/std.</summary>
        public T* Statistics { get; private set; }

        public void Begin(SampleNormCore<T> layer, Step step, int batch, T* x, T* output, T* dy, T* statistics)
        {
            _layer = layer;
            CurrentStep = step;
            Batch = batch;
            X = x;
            Output = output;
            Dy = dy;
            Statistics = statistics;
        }

        public void End()
        {
            _layer = null;
            X = Output = Dy = Statistics = null;
        }

        public void RunBlock(int block) => _layer!.RunBlock(this, block);
    }

    /// <summary>Per statistics unit: pivots, means relative to them, then 1/std; grown to the largest batch seen.</summary>
    private sealed class UnitStatistics
    {
        public T[] Statistics { get; private set; } = [];

        public void EnsureCapacity(int units)
        {
            if (Statistics.Length < 3 * units)
            {
                Statistics = new T[3 * units];
            }
        }
    }
}
