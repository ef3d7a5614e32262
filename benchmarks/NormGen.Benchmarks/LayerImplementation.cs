using System;
using System.Collections.Generic;

namespace NormGen.Benchmarks;

/// <summary>
/// An in-process implementation seen through <see cref="INormalizationLayer{T}"/>: the NormGen generated layers (plain,
/// and with <c>--variants</c> the batch renormalization and ghost batch-norm ones), and the scalar and TensorPrimitives
/// batch-norm peers. One layer per case, kept across rounds.
/// </summary>
public sealed class LayerImplementation : Implementation
{
    private const int JitWarmupCalls = 40;
    private readonly Func<BenchCase, INormalizationLayer<float>> create;
    private readonly Func<BenchCase, bool> applies;
    private readonly string notApplicable;
    private readonly Func<BenchCase, int> virtualBatchSize;
    private readonly Dictionary<string, INormalizationLayer<float>> layers = [];
    private CaseData? current;

    private LayerImplementation(
        string id,
        string label,
        string info,
        Func<BenchCase, bool> applies,
        Func<BenchCase, INormalizationLayer<float>> create,
        string notApplicable = "batch norm 1d only",
        Func<BenchCase, int>? virtualBatchSize = null)
    {
        Id = id;
        Label = label;
        Info = info;
        this.applies = applies;
        this.create = create;
        this.notApplicable = notApplicable;
        this.virtualBatchSize = virtualBatchSize ?? (_ => 0);
    }

    /// <inheritdoc/>
    public override string Id { get; }

    /// <inheritdoc/>
    public override string Label { get; }

    /// <summary>The generated layers (every kind), each call on up to <paramref name="threads"/> threads (0: every processor).</summary>
    public static LayerImplementation NormGen(int threads) => new(
        "normgen",
        threads == 1 ? "NormGen" : $"NormGen ({ThreadsText(threads)})",
        $"generated layers, called through INormalizationLayer<float>, MaxDegreeOfParallelism = {threads}",
        _ => true,
        c => WithThreads(GeneratedLayers.Create(c), threads));

    /// <summary>The generated layers on one thread, the baseline of a multi-threaded run's speedup.</summary>
    public static LayerImplementation NormGenOneThread() => new(
        "normgen-1thread", "NormGen 1 thread", "generated layers, MaxDegreeOfParallelism = 1", _ => true,
        c => WithThreads(GeneratedLayers.Create(c), 1));

    /// <summary>
    /// Batch renormalization with RenormMaxScale = 1 and RenormMaxShift = 0 (r = 1, d = 0: plain batch norm's numbers
    /// through the renorm code path), batch-norm kinds, on up to <paramref name="threads"/> threads as plain NormGen.
    /// </summary>
    public static LayerImplementation NormGenRenorm(int threads) => new(
        "normgen-renorm",
        "NormGen renorm (r_max 1, d_max 0)",
        $"generated batch-norm layers with Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0 (equals plain batch norm), MaxDegreeOfParallelism = {threads}",
        c => c.Kind.IsBatchNorm(),
        c => WithThreads(GeneratedLayers.CreateRenorm(c)!, threads),
        "batch norm only");

    /// <summary>
    /// Ghost batch norm with VirtualBatchSize = batch / 4 (four ghost batches per batch), batch-norm kinds, on up to
    /// <paramref name="threads"/> threads as plain NormGen.
    /// </summary>
    public static LayerImplementation NormGenGhost(int threads) => new(
        "normgen-ghost",
        "NormGen ghost (4 ghost batches)",
        $"generated batch-norm layers with VirtualBatchSize = batch / 4 (4 ghost batches, each with its own statistics), MaxDegreeOfParallelism = {threads}",
        c => c.Kind.IsBatchNorm(),
        c => WithThreads(GeneratedLayers.Ghost(c)!.Create(), threads),
        "batch norm only",
        c => c.Kind.IsBatchNorm() ? GeneratedLayers.Ghost(c)!.VirtualBatchSize : 0);

    private static string ThreadsText(int threads) => threads <= 0 ? "all processors" : $"{threads} threads";

    private static INormalizationLayer<float> WithThreads(INormalizationLayer<float> layer, int threads)
    {
        layer.MaxDegreeOfParallelism = threads;
        return layer;
    }

    /// <summary>The plain scalar C# batch norm (runtime shapes; 1d batch norm only).</summary>
    public static LayerImplementation Scalar() => new(
        "scalar", "scalar C#", "ScalarBatchNorm (plain loops, runtime shapes)", c => c.Kind == NormKind.BatchNorm,
        c => new ScalarBatchNorm(c.Channels));

    /// <summary>The System.Numerics.Tensors batch norm (runtime shapes; 1d batch norm only).</summary>
    public static LayerImplementation TensorPrimitives() => new(
        "tensorprimitives", "TensorPrimitives", "TensorPrimitivesBatchNorm (System.Numerics.Tensors, runtime shapes)",
        c => c.Kind == NormKind.BatchNorm, c => new TensorPrimitivesBatchNorm(c.Channels));

    /// <inheritdoc/>
    public override string? NotApplicable(BenchCase benchCase) => applies(benchCase) ? null : notApplicable;

    /// <inheritdoc/>
    public override int VirtualBatchSize(BenchCase benchCase) => virtualBatchSize(benchCase);

    /// <inheritdoc/>
    public override bool Supports(BenchCase benchCase, BenchOp op) => applies(benchCase);

    /// <inheritdoc/>
    public override string Load(CaseData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        current = data;
        if (!layers.ContainsKey(data.Case.Id))
        {
            INormalizationLayer<float> layer = Fresh(data);
            WarmUpJit(layer, data, VirtualBatchSize(data.Case));
            layers[data.Case.Id] = layer;
        }

        int virtualBatchSize = VirtualBatchSize(data.Case);
        return virtualBatchSize > 0 ? $"VirtualBatchSize = {virtualBatchSize}" : "";
    }

    /// <inheritdoc/>
    public override Outputs Verify(CaseData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        INormalizationLayer<float> layer = Fresh(data);
        float[] y = new float[data.X.Length];
        float[] dx = new float[data.X.Length];
        layer.Training = true;
        layer.Forward(data.X, y);
        float[] yTrain = (float[])y.Clone();
        float[]? runningMean = RunningMean(layer) is { } mean ? (float[])mean.Clone() : null;
        float[]? runningVariance = RunningVariance(layer) is { } variance ? (float[])variance.Clone() : null;

        // Backward twice: the timing repeats it, so a second call must give the same result.
        layer.Backward(data.X, data.Dy, dx);
        layer.Backward(data.X, data.Dy, dx);
        float[] dGamma = (float[])layer.GammaGrad.Clone();
        float[]? dBeta = layer.BetaGrad.Length > 0 ? (float[])layer.BetaGrad.Clone() : null;
        SetInference(layer, data);
        Array.Clear(y);
        layer.Forward(data.X, y);
        layer.Training = true;
        layers[data.Case.Id] = layer;
        return new Outputs(yTrain, runningMean, runningVariance, dx, dGamma, dBeta, y);
    }

    /// <inheritdoc/>
    public override Measurement Measure(BenchOp op, TimingSettings settings)
    {
        CaseData data = current ?? throw new BenchmarkException($"{Label}: no case loaded.");
        INormalizationLayer<float> layer = layers[data.Case.Id];
        try
        {
            switch (op)
            {
                case BenchOp.TrainForward:
                    {
                        layer.Training = true;
                        var call = new ForwardCall(layer, data.X, data.Y);
                        return Timing.Measure(ref call, settings);
                    }

                case BenchOp.Backward:
                    {
                        layer.Training = true;
                        layer.Forward(data.X, data.Y);
                        var call = new BackwardCall(layer, data.X, data.Dy, data.Dx);
                        return Timing.Measure(ref call, settings);
                    }

                case BenchOp.ForwardBackward:
                    {
                        layer.Training = true;
                        var call = new ForwardBackwardCall(layer, data.X, data.Y, data.Dy, data.Dx);
                        return Timing.Measure(ref call, settings);
                    }

                case BenchOp.Inference:
                    {
                        SetInference(layer, data);
                        var call = new ForwardCall(layer, data.X, data.Y);
                        return Timing.Measure(ref call, settings);
                    }

                default:
                    throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown operation.");
            }
        }
        finally
        {
            layer.Training = true;
        }
    }

    /// <summary>A new layer with the case's Gamma and Beta, in training mode.</summary>
    private INormalizationLayer<float> Fresh(CaseData data)
    {
        INormalizationLayer<float> layer = create(data.Case);
        if (layer.SampleLength != data.Case.SampleLength || layer.Gamma.Length != data.Case.Channels)
        {
            throw new BenchmarkException(
                $"{Label}: layer {layer.Name} has SampleLength {layer.SampleLength} and {layer.Gamma.Length} Gamma values; " +
                $"case {data.Case.Id} needs {data.Case.SampleLength} and {data.Case.Channels}.");
        }

        data.Gamma.CopyTo(layer.Gamma, 0);
        if (layer.Beta.Length > 0)
        {
            data.Beta.CopyTo(layer.Beta, 0);
        }

        layer.Training = true;
        return layer;
    }

    /// <summary>
    /// Calls every operation on a few samples so the JIT has moved the layer's methods to optimized code before the
    /// first timed round (the per-measurement warm-up then only has to warm caches). A ghost layer gets one ghost batch
    /// (a training batch must be a multiple of it).
    /// </summary>
    private static void WarmUpJit(INormalizationLayer<float> layer, CaseData data, int virtualBatchSize)
    {
        int samples = virtualBatchSize > 0 ? virtualBatchSize : Math.Min(data.Case.Batch, 8);
        int length = samples * data.Case.SampleLength;
        ReadOnlySpan<float> x = data.X.AsSpan(0, length);
        Span<float> y = data.Y.AsSpan(0, length);
        for (int i = 0; i < JitWarmupCalls; i++)
        {
            layer.Training = true;
            layer.Forward(x, y);
            layer.Backward(x, data.Dy.AsSpan(0, length), data.Dx.AsSpan(0, length));
            layer.Training = false;
            layer.Forward(x, y);
        }

        layer.Training = true;
    }

    /// <summary>Inference mode with the case's running statistics (batch norm); other kinds keep none.</summary>
    private static void SetInference(INormalizationLayer<float> layer, CaseData data)
    {
        if (RunningMean(layer) is { } mean && RunningVariance(layer) is { } variance)
        {
            data.RunningMean.CopyTo(mean, 0);
            data.RunningVariance.CopyTo(variance, 0);
        }

        layer.Training = false;
    }

    private static float[]? RunningMean(INormalizationLayer<float> layer) => layer switch
    {
        IBatchNormLayer<float> batchNorm => batchNorm.RunningMean,
        ScalarBatchNorm scalar => scalar.RunningMean,
        TensorPrimitivesBatchNorm tensorPrimitives => tensorPrimitives.RunningMean,
        _ => null,
    };

    private static float[]? RunningVariance(INormalizationLayer<float> layer) => layer switch
    {
        IBatchNormLayer<float> batchNorm => batchNorm.RunningVariance,
        ScalarBatchNorm scalar => scalar.RunningVariance,
        TensorPrimitivesBatchNorm tensorPrimitives => tensorPrimitives.RunningVariance,
        _ => null,
    };
}
