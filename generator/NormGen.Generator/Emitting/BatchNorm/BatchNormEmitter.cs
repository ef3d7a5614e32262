using System.Collections.Generic;
using NormGen.Generator.Model;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Emitting;

/// <summary>
/// Writes a batch-norm layer: its public API (constants, running statistics, collection, folding) forwarding to the
/// runtime's <c>BatchNormCore</c>, and the file-local core that supplies the O(batch) kernels, from
/// <see cref="BatchNormColumnKernels"/> (Spatial = 1) or <see cref="BatchNormSpatialKernels"/> (Spatial &gt; 1).
/// </summary>
internal sealed class BatchNormEmitter : LayerEmitter<BatchNormSpec>
{
    public static readonly BatchNormEmitter Instance = new();

    protected override IReadOnlyList<PublicMember<BatchNormSpec>> Constants { get; } = new[]
    {
        new PublicMember<BatchNormSpec>("Features", (w, s) => w.Constant("Features (channels) per sample.", "int", "Features", Literals.Int(s.Features))),
        new PublicMember<BatchNormSpec>("Spatial", (w, s) => w.Constant("Spatial positions per feature; 1 means x is (batch, Features).", "int", "Spatial", Literals.Int(s.Spatial))),
        new PublicMember<BatchNormSpec>("Momentum", (w, s) => w.Constant(
            "Weight of the old running value: running = Momentum * running + (1 - Momentum) * batch.", "double", "Momentum", Literals.Double(s.Momentum))),
        new PublicMember<BatchNormSpec>("Epsilon", (w, s) => w.Constant("Added to the variance before the square root.", "double", "Epsilon", Literals.Double(s.Epsilon))),
        new PublicMember<BatchNormSpec>("RenormMaxScale", (w, s) =>
        {
            if (s.Renorm)
            {
                w.Constant("Batch renormalization's r_max: r is clipped to [1/RenormMaxScale, RenormMaxScale].", "double", "RenormMaxScale", Literals.Double(s.RenormMaxScale));
            }
        }),
        new PublicMember<BatchNormSpec>("RenormMaxShift", (w, s) =>
        {
            if (s.Renorm)
            {
                w.Constant("Batch renormalization's d_max: d is clipped to [-RenormMaxShift, RenormMaxShift].", "double", "RenormMaxShift", Literals.Double(s.RenormMaxShift));
            }
        }),
        new PublicMember<BatchNormSpec>("VirtualBatchSize", (w, s) =>
        {
            if (s.VirtualBatchSize > 0)
            {
                w.Constant("Samples per ghost batch: training normalizes each group of this many samples with its own statistics.", "int", "VirtualBatchSize", Literals.Int(s.VirtualBatchSize));
            }
        }),
    };

    protected override IReadOnlyList<PublicMember<BatchNormSpec>> Properties { get; } = new[]
    {
        new PublicMember<BatchNormSpec>("FeatureCount", (w, _) => w.Forwarded("Number of features (channels).", "int", "FeatureCount")),
        new PublicMember<BatchNormSpec>("RunningMean", (w, s) => w.Forwarded(
            s.KeepsRunningStatistics ? "Running mean per feature, used at inference; initialized to 0." : NoRunning, w.T + "[]", "RunningMean")),
        new PublicMember<BatchNormSpec>("RunningVariance", (w, s) => w.Forwarded(
            s.KeepsRunningStatistics ? "Running variance per feature, used at inference; initialized to 1." : NoRunning, w.T + "[]", "RunningVariance")),
        new PublicMember<BatchNormSpec>("BatchesTracked", (w, _) => w.ForwardedSettable(
            "Training batches whose statistics entered the running statistics (PyTorch num_batches_tracked); settable, e.g. to continue a ported layer.",
            "long",
            "BatchesTracked",
            ("ArgumentOutOfRangeException", "Set to a negative value; nothing changes."))),
        new PublicMember<BatchNormSpec>("IsCollecting", (w, _) => w.Forwarded("True between BeginCollect and EndCollect.", "bool", "IsCollecting")),
        new PublicMember<BatchNormSpec>("WorkerGroup", (w, s) => w.ForwardedSettable(
            WorkerGroupSummary(s),
            "global::NormGen.IWorkerGroup?",
            "WorkerGroup")),
    };

    protected override IReadOnlyList<PublicMember<BatchNormSpec>> Methods { get; } = new[]
    {
        new PublicMember<BatchNormSpec>("ResetRunningStatistics", (w, s) => w.ForwardedMethod(
            new[] { s.KeepsRunningStatistics ? "Sets RunningMean to 0, RunningVariance to 1 and BatchesTracked to 0, and cancels any collection." : "Sets BatchesTracked to 0 (RunningStats = None keeps no running statistics)." },
            "ResetRunningStatistics",
            new (string, string)[0])),
        new PublicMember<BatchNormSpec>("BeginCollect", (w, s) => w.ForwardedMethod(
            s.KeepsRunningStatistics
                ? new[]
                {
                    "Starts exact collection: the following training Forward calls merge every batch's per-feature count, mean and M2",
                    "(Chan-Golub-LeVeque) instead of updating the running statistics; EndCollect writes the statistics of all collected",
                    "samples, as if they had been one batch. Batches may differ in size and may hold a single sample.",
                }
                : new[] { "Not available: RunningStats = None keeps no running statistics to collect into." },
            "BeginCollect",
            new (string, string)[0],
            s.KeepsRunningStatistics ? new (string, string)[0] : new[] { ("InvalidOperationException", "Always.") })),
        new PublicMember<BatchNormSpec>("EndCollect", (w, s) => w.ForwardedMethod(
            s.KeepsRunningStatistics
                ? new[]
                {
                    "Ends collection: RunningMean and RunningVariance become the mean and the " + Variance(s) + " variance of every",
                    "collected sample, and BatchesTracked the number of collected batches. Gamma, Beta and the gradients are not touched.",
                }
                : new[] { "Not available: RunningStats = None keeps no running statistics to collect into." },
            "EndCollect",
            new (string, string)[0],
            ("InvalidOperationException", s.KeepsRunningStatistics
                ? "BeginCollect was not called, or too few samples were collected; nothing changes."
                : "Always."))),
        new PublicMember<BatchNormSpec>("FoldInto", (w, s) => w.ForwardedMethod(
            new[]
            {
                "Folds this layer, in its inference form, into the preceding layer y = x W^T + b (or a convolution with " + Literals.Int(s.Features) + " output",
                "channels), so that the folded layer alone gives the same outputs (PyTorch fuse_linear_bn_eval): W[f, :] *= s_f and",
                "b[f] = (b[f] - RunningMean_f) * s_f + Beta_f, where s_f = Gamma_f / sqrt(RunningVariance_f + Epsilon).",
            },
            "FoldInto",
            new[] { (w.Span, "weight"), (w.Span, "bias") },
            FoldingExceptions(s))),
    };

    private static string[] WorkerGroupSummary(BatchNormSpec spec)
    {
        var lines = new List<string>
        {
            "The workers to synchronize training statistics with (PyTorch SyncBatchNorm), or null (default): each worker passes its",
            "shard of the batch (any size, even empty) and gets what one layer computes on the shards concatenated in rank order,",
            "y and dx for its rows, and the same running statistics, BatchesTracked and GammaGrad/BetaGrad (whole-batch sums) on",
            "every worker. Training calls are collective: every worker makes them in the same order. Inference ignores it.",
        };
        if (spec.VirtualBatchSize > 0)
        {
            lines.Add("Not available with VirtualBatchSize (ghost batches): training Forward with a group throws InvalidOperationException.");
        }

        return lines.ToArray();
    }

    private static (string, string)[] FoldingExceptions(BatchNormSpec spec)
    {
        var shape = ("ArgumentException", "weight is not (" + Literals.Int(spec.Features) + ", inputs) or bias does not hold " + Literals.Int(spec.Features) + " values; nothing changes.");
        if (spec.Activation == Activation.Relu || !spec.KeepsRunningStatistics)
        {
            string why = spec.Activation == Activation.Relu ? "a fused ReLU" : "a layer without running statistics (RunningStats = None)";
            return new[] { shape, ("InvalidOperationException", "Always: " + why + " has no linear inference form.") };
        }

        return new[] { shape };
    }

    /// <summary>
    /// Elements per statistics chunk of a spatial layer: 16 Ki values (64 KiB of float) stay in L2 between a chunk's two
    /// passes. Layers with Spatial = 1 take <see cref="BatchNormColumnKernels.RowsPerChunk"/>.
    /// </summary>
    private const int ChunkElements = 16384;

    private const string NoRunning = "Empty: RunningStats = None keeps no running statistics.";

    private static string Variance(BatchNormSpec spec) => spec.UnbiasedRunningVariance ? "unbiased" : "biased";

    internal static string ShapeText(BatchNormSpec spec) =>
        spec.Spatial == 1
            ? "(batch, " + Literals.Int(spec.Features) + ")"
            : "(batch, " + Literals.Int(spec.Features) + ", " + Literals.Int(spec.Spatial) + ")";

    protected override LayerSurface Surface(BatchNormSpec spec)
    {
        string t = Literals.TypeKeyword(spec.Element);
        string shape = ShapeText(spec);
        string sampleLength = Literals.Int(spec.Features * spec.Spatial);
        return new LayerSurface(
            t,
            "global::NormGen.IBatchNormLayer<" + t + ">",
            "BatchNormCore<" + t + ">",
            "Features * Spatial",
            "feature",
            spec.Affine,
            NoShift: null,
            "True (after construction): Forward uses batch statistics" + (spec.KeepsRunningStatistics
                ? " and updates the running statistics. False: Forward uses the running statistics."
                : ". No running statistics are kept, so inference uses batch statistics too."),
            new[]
            {
                "Normalizes x of shape " + shape + " into y of the same shape. Training: batch statistics" + (spec.KeepsRunningStatistics ? ", running statistics updated." : "."),
                (spec.KeepsRunningStatistics ? "Inference (Training = false): running statistics." : "Inference: batch statistics as well (RunningStats = None).") + " y may be x itself.",
            },
            "x is not a positive multiple of " + sampleLength + " elements, y differs in length or overlaps x without being x, a training batch has one value per feature" +
                (spec.VirtualBatchSize > 0 ? " or is not a multiple of VirtualBatchSize" : "") + ", or a training batch holds NaN or infinity; nothing changes.",
            new[]
            {
                "Back-propagates dy through the last training Forward on the same x: writes dx" + (spec.Affine ? " and overwrites GammaGrad and BetaGrad." : "."),
                "Uses the closed form dx = " + (spec.Affine ? "Gamma * " : "") + "invstd / N * (N * dy - sum(dy) - xhat * sum(dy * xhat)). dx may be dy itself.",
            },
            ("x is not a positive multiple of " + sampleLength + " elements, or dy or dx differs in length from x.",
             "No training Forward preceded this call, or it saw a different batch size."));
    }

    protected override IEnumerable<string> Describe(BatchNormSpec spec)
    {
        string eps = Literals.Double(spec.Epsilon);
        string over = spec.Spatial == 1 ? "n" : "n,s";
        string x = spec.Spatial == 1 ? "x[n,f]" : "x[n,f,s]";
        string n = spec.Spatial == 1 ? "N = batch" : "N = batch * " + Literals.Int(spec.Spatial);
        string gamma = spec.Affine ? "Gamma_f * " : "";
        string beta = spec.Affine ? " + Beta_f" : "";
        bool relu = spec.Activation == Activation.Relu;
        string open = relu ? "max(0, " : "";
        string close = relu ? ")" : "";
        yield return "Batch normalization of " + Literals.TypeKeyword(spec.Element) + " x with shape " + ShapeText(spec) + ", row-major" +
            (spec.Spatial == 1 ? "." : " (NCHW with H*W = " + Literals.Int(spec.Spatial) + ").");
        yield return "";
        if (spec.VirtualBatchSize > 0)
        {
            n = spec.Spatial == 1 ? "N = " + Literals.Int(spec.VirtualBatchSize) : "N = " + Literals.Int(spec.VirtualBatchSize) + " * " + Literals.Int(spec.Spatial);
            yield return "Training, per ghost batch of " + Literals.Int(spec.VirtualBatchSize) + " consecutive samples (the batch must be a multiple of it):";
        }

        yield return "Training:  mean_f = (1/N) sum_" + over + " " + x + ",  var_f = (1/N) sum_" + over + " (" + x + " - mean_f)^2   (" + n + ", biased)";
        if (spec.Renorm)
        {
            yield return "           sigma_B = sqrt(var_f + " + eps + "),  sigma = sqrt(RunningVariance_f + " + eps + ")   (running statistics before this batch)";
            yield return "           r = clip(sigma_B / sigma, 1/" + Literals.Readable(spec.RenormMaxScale) + ", " + Literals.Readable(spec.RenormMaxScale) + "),  d = clip((mean_f - RunningMean_f) / sigma, -" +
                Literals.Readable(spec.RenormMaxShift) + ", " + Literals.Readable(spec.RenormMaxShift) + ")   (batch renormalization; constants for Backward)";
            yield return "           y = " + open + gamma + "((x - mean_f) / sigma_B * r + d)" + beta + close;
        }
        else
        {
            yield return "           y = " + open + gamma + "(x - mean_f) / sqrt(var_f + " + eps + ")" + beta + close;
        }

        if (spec.VirtualBatchSize > 0)
        {
            yield return "           The running statistics take, once per call, the mean over the ghost batches of mean_f and of var_f" + (spec.UnbiasedRunningVariance ? " * N/(N-1)" : "") + ".";
        }
        string unbiased = spec.UnbiasedRunningVariance ? " * N/(N-1)" : "";
        switch (spec.RunningStats)
        {
            case RunningStatsMode.Exponential:
                yield return "           RunningMean = " + Literals.Readable(spec.Momentum) + " * RunningMean + " + Literals.Readable(1 - spec.Momentum) + " * mean   (PyTorch momentum = " + Literals.Readable(1 - spec.Momentum) + ")";
                yield return "           RunningVariance = " + Literals.Readable(spec.Momentum) + " * RunningVariance + " + Literals.Readable(1 - spec.Momentum) + " * var" + unbiased;
                break;
            case RunningStatsMode.Cumulative:
                yield return "           RunningMean, RunningVariance = equal-weight averages of every batch's mean and var" + unbiased + " (PyTorch momentum=None)";
                break;
        }

        yield return spec.KeepsRunningStatistics
            ? "Inference: y = " + open + gamma + "(x - RunningMean_f) / sqrt(RunningVariance_f + " + eps + ")" + beta + close
            : "Inference: the same as training (no running statistics are kept; PyTorch track_running_stats=False)";
        string perGroup = spec.VirtualBatchSize > 0 ? " per ghost batch (gradients summed over them)" : "";
        yield return spec.Renorm
            ? "Backward:  dx = r * " + (spec.Affine ? "Gamma * " : "") + "invstd / N * (N * dy - sum(dy) - xhat * sum(dy * xhat))" +
                (spec.Affine ? ",  GammaGrad = sum(dy * (xhat * r + d)),  BetaGrad = sum(dy)" : "") + (relu ? "   (dy masked where y = 0)" : "")
            : "Backward:  dx = " + (spec.Affine ? "Gamma * " : "") + "invstd / N * (N * dy - sum(dy) - xhat * sum(dy * xhat))" +
                (spec.Affine ? ",  GammaGrad = sum(dy * xhat),  BetaGrad = sum(dy)" : "") + (relu ? "   (dy masked where y = 0)" : "") + perGroup;
        yield return "";
        yield return "Statistics are taken of x - pivot (the batch's first sample), two passes per cache-sized chunk, chunks merged";
        yield return "with the Chan-Golub-LeVeque formula: x is read once from memory for statistics, and nothing cancels.";
    }

    protected override void WriteCore(SourceWriter w, BatchNormSpec spec, string coreName)
    {
        w.Line("private const int Features = " + Literals.Int(spec.Features) + ";");
        w.Line("private const int Spatial = " + Literals.Int(spec.Spatial) + ";");
        w.Line();
        if (spec.Spatial == 1)
        {
            w.Line(BatchNormColumnKernels.ChunkComment(spec));
            w.Line("private const int RowsPerChunk = " + Literals.Int(BatchNormColumnKernels.RowsPerChunk(spec)) + ";");
        }
        else
        {
            w.Line("// Samples per statistics chunk: about " + (spec.Element == ElementKind.Float ? "64" : "128") + " KiB of x, so the second pass over a chunk hits the cache.");
            w.Line("private const int RowsPerChunk = " + Literals.Int(System.Math.Max(2, ChunkElements / (spec.Features * spec.Spatial))) + ";");
        }

        w.Line();
        w.Line("public " + coreName + "()");
        w.Line("    : base(");
        w.Line("        name: \"" + spec.Target.DisplayName + "\",");
        w.Line("        features: Features,");
        w.Line("        spatial: Spatial,");
        w.Line("        rowsPerChunk: RowsPerChunk,");
        w.Line("        momentum: " + Literals.Double(spec.Momentum) + ",");
        w.Line("        epsilon: " + Literals.Double(spec.Epsilon) + ",");
        w.Line("        unbiasedRunningVariance: " + Literals.Bool(spec.UnbiasedRunningVariance) + ",");
        w.Line("        runningStats: RunningStatsMode." + spec.RunningStats + ",");
        w.Line("        affine: " + Literals.Bool(spec.Affine) + ",");
        w.Line("        activation: Activation." + spec.Activation + ",");
        w.Line("        renorm: " + Literals.Bool(spec.Renorm) + ",");
        w.Line("        renormMaxScale: " + Literals.Double(spec.RenormMaxScale) + ",");
        w.Line("        renormMaxShift: " + Literals.Double(spec.RenormMaxShift) + ",");
        w.Line("        virtualBatchSize: " + Literals.Int(spec.VirtualBatchSize) + ")");
        w.Line("{");
        w.Line("}");
        if (spec.Spatial == 1)
        {
            new BatchNormColumnKernels(spec).Write(w);
        }
        else
        {
            new BatchNormSpatialKernels(spec).Write(w);
        }
    }
}
