using System.Collections.Generic;
using NormGen.Generator.Model;

namespace NormGen.Generator.Emitting;

/// <summary>
/// Writes a batch-norm layer: its constants and state, Forward, Backward, running statistics, exact
/// collection and folding. The O(batch) kernels come from <see cref="BatchNormColumnKernels"/> (Spatial = 1)
/// or <see cref="BatchNormSpatialKernels"/> (Spatial &gt; 1); every O(Features) step calls the runtime's FeatureMath.
/// </summary>
internal static class BatchNormEmitter
{
    /// <summary>Elements per statistics chunk: 16 Ki values (64 KiB of float) stay in L2 between the two passes.</summary>
    private const int ChunkElements = 16384;

    public static string Emit(BatchNormSpec spec)
    {
        string t = Literals.TypeKeyword(spec.Element);
        return LayerFileEmitter.Emit(
            spec.Target,
            Describe(spec),
            "global::NormGen.IBatchNormLayer<" + t + ">",
            w => new Writer(spec, w).WriteAll());
    }

    private static string ShapeText(BatchNormSpec spec) =>
        spec.Spatial == 1
            ? "(batch, " + Literals.Int(spec.Features) + ")"
            : "(batch, " + Literals.Int(spec.Features) + ", " + Literals.Int(spec.Spatial) + ")";

    private static string[] Describe(BatchNormSpec spec)
    {
        string eps = Literals.Double(spec.Epsilon);
        string over = spec.Spatial == 1 ? "n" : "n,s";
        string x = spec.Spatial == 1 ? "x[n,f]" : "x[n,f,s]";
        string n = spec.Spatial == 1 ? "N = batch" : "N = batch * " + Literals.Int(spec.Spatial);
        string gamma = spec.Affine ? "Gamma_f * " : "";
        string beta = spec.Affine ? " + Beta_f" : "";
        string activation = spec.Activation == ActivationKind.Relu ? "max(0, " : "";
        string close = spec.Activation == ActivationKind.Relu ? ")" : "";
        var lines = new List<string>
        {
            "Batch normalization of " + Literals.TypeKeyword(spec.Element) + " x with shape " + ShapeText(spec) + ", row-major" +
                (spec.Spatial == 1 ? "." : " (NCHW with H*W = " + Literals.Int(spec.Spatial) + ")."),
            "",
            "Training:  mean_f = (1/N) sum_" + over + " " + x + ",  var_f = (1/N) sum_" + over + " (" + x + " - mean_f)^2   (" + n + ", biased)",
            "           y = " + activation + gamma + "(x - mean_f) / sqrt(var_f + " + eps + ")" + beta + close,
        };

        string unbiased = spec.UnbiasedRunningVariance ? " * N/(N-1)" : "";
        switch (spec.RunningStats)
        {
            case RunningStatsKind.Exponential:
                lines.Add("           RunningMean = " + Literals.Readable(spec.Momentum) + " * RunningMean + " + Literals.Readable(1 - spec.Momentum) + " * mean   (PyTorch momentum = " + Literals.Readable(1 - spec.Momentum) + ")");
                lines.Add("           RunningVariance = " + Literals.Readable(spec.Momentum) + " * RunningVariance + " + Literals.Readable(1 - spec.Momentum) + " * var" + unbiased);
                break;
            case RunningStatsKind.Cumulative:
                lines.Add("           RunningMean, RunningVariance = equal-weight averages of every batch's mean and var" + unbiased + " (PyTorch momentum=None)");
                break;
        }

        if (spec.RunningStats == RunningStatsKind.None)
        {
            lines.Add("Inference: the same as training (no running statistics are kept; PyTorch track_running_stats=False)");
        }
        else
        {
            lines.Add("Inference: y = " + activation + gamma + "(x - RunningMean_f) / sqrt(RunningVariance_f + " + eps + ")" + beta + close);
        }

        lines.Add("Backward:  dx = " + (spec.Affine ? "Gamma * " : "") + "invstd / N * (N * dy - sum(dy) - xhat * sum(dy * xhat))" +
            (spec.Affine ? ",  GammaGrad = sum(dy * xhat),  BetaGrad = sum(dy)" : "") +
            (spec.Activation == ActivationKind.Relu ? "   (dy masked where y = 0)" : ""));
        lines.Add("");
        lines.Add("Statistics are taken of x - pivot (the batch's first sample), two passes per cache-sized chunk, chunks merged");
        lines.Add("with the Chan-Golub-LeVeque formula: x is read once from memory for statistics, and nothing cancels.");
        return lines.ToArray();
    }

    /// <summary>Holds the spec and the writer while the members are written.</summary>
    private sealed class Writer
    {
        private readonly BatchNormSpec _spec;
        private readonly SourceWriter _w;
        private readonly string _t;

        public Writer(BatchNormSpec spec, SourceWriter writer)
        {
            _spec = spec;
            _w = writer;
            _t = Literals.TypeKeyword(spec.Element);
        }

        private bool KeepsRunning => _spec.RunningStats != RunningStatsKind.None;

        private string Cast(string expression) => "(" + _t + ")" + expression;

        public void WriteAll()
        {
            WriteConstantsAndState();
            WriteForward();
            WriteBackward();
            WriteStatistics();
            if (KeepsRunning)
            {
                WriteRunningStatistics();
                WriteCollection();
                if (_spec.Spatial == 1)
                {
                    WriteFolding();
                }
            }
            else
            {
                WriteResetWithoutRunningStatistics();
            }

            if (_spec.Spatial == 1)
            {
                new BatchNormColumnKernels(_spec).Write(_w);
            }
            else
            {
                new BatchNormSpatialKernels(_spec).Write(_w);
            }
        }

        private void WriteConstantsAndState()
        {
            var w = _w;
            int features = _spec.Features;
            int rowsPerChunk = System.Math.Max(2, ChunkElements / (features * _spec.Spatial));
            w.Summary("Features (channels) per sample.");
            w.Line("public const int Features = " + Literals.Int(features) + ";");
            w.Line();
            w.Summary("Spatial positions per feature; 1 means x is (batch, Features).");
            w.Line("public const int Spatial = " + Literals.Int(_spec.Spatial) + ";");
            w.Line();
            w.Summary("Weight of the old running value: running = Momentum * running + (1 - Momentum) * batch.");
            w.Line("public const double Momentum = " + Literals.Double(_spec.Momentum) + ";");
            w.Line();
            w.Summary("Added to the variance before the square root.");
            w.Line("public const double Epsilon = " + Literals.Double(_spec.Epsilon) + ";");
            w.Line();
            w.Line("private const string Shape = \"" + ShapeText(_spec) + "\";");
            w.Line();
            w.Line("// Samples per statistics chunk: about " + (_spec.Element == ElementKind.Float ? "64" : "128") + " KiB of x, so the second pass over a chunk hits the cache.");
            w.Line("private const int RowsPerChunk = " + Literals.Int(rowsPerChunk) + ";");
            w.Line();
            w.Summary("The layer's name in error messages.");
            w.Line("public string Name => \"" + _spec.Target.DisplayName + "\";");
            w.Line();
            w.Summary("Elements per sample: Features * Spatial.");
            w.Line("public int SampleLength => Features * Spatial;");
            w.Line();
            w.Summary("Number of features (channels).");
            w.Line("public int FeatureCount => Features;");
            w.Line();
            w.Summary("True (after construction): Forward uses batch statistics" + (KeepsRunning ? " and updates the running statistics. False: Forward uses the running statistics." : ". No running statistics are kept, so inference uses batch statistics too."));
            w.Line("public bool Training { get; set; } = true;");
            w.Line();
            ParameterArrays.Write(w, _spec.Element, "Features", "feature", _spec.Affine);
            string ones = "FeatureMath.Filled(Features, " + Literals.Element(1, _spec.Element) + ")";
            string zeros = "new " + _t + "[Features]";
            string none = "Array.Empty<" + _t + ">()";
            ParameterArrays.ArrayProperty(w, _t, "RunningMean", KeepsRunning ? "Running mean per feature, used at inference; initialized to 0." : "Empty: RunningStats = None keeps no running statistics.", KeepsRunning ? zeros : none);
            ParameterArrays.ArrayProperty(w, _t, "RunningVariance", KeepsRunning ? "Running variance per feature, used at inference; initialized to 1." : "Empty: RunningStats = None keeps no running statistics.", KeepsRunning ? ones : none);
            w.Summary("Number of training batches whose statistics entered the running statistics.");
            w.Line("public long BatchesTracked { get; private set; }");
            w.Line();
            w.Line("// Per-feature state of the last training Forward, kept for Backward (never a copy of the batch).");
            w.Line("private readonly " + _t + "[] _pivot = " + zeros + ";");
            w.Line("private readonly " + _t + "[] _centeredMean = " + zeros + ";");
            w.Line("private readonly " + _t + "[] _inverseStd = " + zeros + ";");
            w.Line("private readonly " + _t + "[] _scale = " + zeros + ";");
            w.Line("private readonly " + _t + "[] _shift = " + zeros + ";");
            w.Line("private int _forwardBatch;");
            w.Line();
            w.Line("// Scratch for statistics and Backward.");
            w.Line("private readonly " + _t + "[] _batchM2 = " + zeros + ";");
            w.Line("private readonly " + _t + "[] _chunkMean = " + zeros + ";");
            w.Line("private readonly " + _t + "[] _chunkM2 = " + zeros + ";");
            w.Line("private readonly " + _t + "[] _sumDy = " + zeros + ";");
            w.Line("private readonly " + _t + "[] _sumDyCentered = " + zeros + ";");
            w.Line("private readonly " + _t + "[] _dyCoefficient = " + zeros + ";");
            w.Line("private readonly " + _t + "[] _xCoefficient = " + zeros + ";");
            w.Line("private readonly " + _t + "[] _bias = " + zeros + ";");
            if (KeepsRunning)
            {
                w.Line();
                w.Line("// Exact collection (BeginCollect .. EndCollect): count, mean relative to _collectPivot, and M2 of all samples seen.");
                w.Line("private readonly " + _t + "[] _collectPivot = " + zeros + ";");
                w.Line("private readonly " + _t + "[] _collectMean = " + zeros + ";");
                w.Line("private readonly " + _t + "[] _collectM2 = " + zeros + ";");
                w.Line("private long _collectCount;");
                w.Line("private long _collectBatches = -1; // -1: not collecting");
            }
        }

        private void WriteForward()
        {
            var w = _w;
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Normalizes x of shape " + ShapeText(_spec) + " into y of the same shape. Training: batch statistics" + (KeepsRunning ? ", running statistics updated." : "."));
            w.Line("/// " + (KeepsRunning ? "Inference (Training = false): running statistics." : "Inference: batch statistics as well (RunningStats = None).") + " y may be x itself.");
            w.Line("/// </summary>");
            w.Line("/// <exception cref=\"ArgumentException\">x is not a positive multiple of " + Literals.Int(_spec.Features * _spec.Spatial) + " elements, y differs in length, or a training batch has one value per feature.</exception>");
            w.Open("public void Forward(ReadOnlySpan<" + _t + "> x, Span<" + _t + "> y)");
            w.Line("int batch = ShapeGuard.BatchSize(Name, Shape, Features * Spatial, x.Length);");
            w.Line("ShapeGuard.SameLength(Name, Shape, nameof(y), x.Length, y.Length);");
            w.Line("ref " + _t + " xStart = ref MemoryMarshal.GetReference(x);");
            w.Line("ref " + _t + " yStart = ref MemoryMarshal.GetReference(y);");
            if (KeepsRunning)
            {
                w.Open("if (!Training)");
                w.Line("FeatureMath.InferenceScaleShift<" + _t + ">(Gamma, Beta, RunningVariance, " + Cast("Epsilon") + ", _scale, _shift);");
                w.Line("Normalize(ref xStart, ref yStart, batch, RunningMean, _scale, _shift);");
                w.Line("_forwardBatch = 0;");
                w.Line("return;");
                w.Close();
                w.Line();
                w.Line("// Collection allows batches of one sample: only the merged statistics need two values.");
                w.Open("if (_collectBatches < 0)");
                w.Line("ShapeGuard.MoreThanOneValuePerFeature(Name, Shape, batch, Spatial);");
                w.Close();
            }
            else
            {
                w.Line("ShapeGuard.MoreThanOneValuePerFeature(Name, Shape, batch, Spatial);");
            }

            w.Line("ComputeBatchStatistics(ref xStart, batch);");
            if (KeepsRunning)
            {
                w.Open("if (_collectBatches >= 0)");
                w.Line("CollectBatch(batch);");
                w.Close();
                w.Open("else");
                w.Line("UpdateRunningStatistics(batch);");
                w.Close();
            }

            w.Line("FeatureMath.TrainingScaleShift<" + _t + ">(Gamma, Beta, _inverseStd, _centeredMean, _scale, _shift);");
            w.Line("Normalize(ref xStart, ref yStart, batch, _pivot, _scale, _shift);");
            w.Line("_forwardBatch = batch;");
            w.Close();
        }

        private void WriteBackward()
        {
            var w = _w;
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Back-propagates dy through the last training Forward on the same x: writes dx" + (_spec.Affine ? " and overwrites GammaGrad and BetaGrad." : "."));
            w.Line("/// Uses the closed form dx = " + (_spec.Affine ? "Gamma * " : "") + "invstd / N * (N * dy - sum(dy) - xhat * sum(dy * xhat)). dx may be dy itself.");
            w.Line("/// </summary>");
            w.Line("/// <exception cref=\"ArgumentException\">x is not a positive multiple of " + Literals.Int(_spec.Features * _spec.Spatial) + " elements, or dy or dx differs in length from x.</exception>");
            w.Line("/// <exception cref=\"InvalidOperationException\">No training Forward preceded this call, or it saw a different batch size.</exception>");
            w.Open("public void Backward(ReadOnlySpan<" + _t + "> x, ReadOnlySpan<" + _t + "> dy, Span<" + _t + "> dx)");
            w.Line("int batch = ShapeGuard.BatchSize(Name, Shape, Features * Spatial, x.Length);");
            w.Line("ShapeGuard.SameLength(Name, Shape, nameof(dy), x.Length, dy.Length);");
            w.Line("ShapeGuard.SameLength(Name, Shape, nameof(dx), x.Length, dx.Length);");
            w.Line("ShapeGuard.BackwardMatchesForward(Name, _forwardBatch, batch);");
            w.Line("ref " + _t + " xStart = ref MemoryMarshal.GetReference(x);");
            w.Line("ref " + _t + " dyStart = ref MemoryMarshal.GetReference(dy);");
            w.Line("BackwardSums(ref xStart, ref dyStart, batch);");
            w.Line("FeatureMath.BackwardCoefficients<" + _t + ">(");
            w.Line("    _sumDy, _sumDyCentered, " + Cast("((double)batch * Spatial)") + ", Gamma, _inverseStd, _centeredMean,");
            w.Line("    GammaGrad, BetaGrad, _dyCoefficient, _xCoefficient, _bias);");
            w.Line("BackwardInput(ref xStart, ref dyStart, ref MemoryMarshal.GetReference(dx), batch);");
            w.Close();
        }

        private void WriteStatistics()
        {
            var w = _w;
            w.Line();
            w.Summary("Batch mean (as _pivot + _centeredMean), M2 (_batchM2) and inverse standard deviation (_inverseStd) per feature.");
            w.Open("private void ComputeBatchStatistics(ref " + _t + " x, int batch)");
            if (_spec.Spatial == 1)
            {
                w.Line("MemoryMarshal.CreateReadOnlySpan(ref x, Features).CopyTo(_pivot);");
            }
            else
            {
                w.Open("for (int c = 0; c < Features; c++)");
                w.Line("_pivot[c] = Unsafe.Add(ref x, c * Spatial);");
                w.Close();
            }

            w.Open("for (int start = 0; start < batch; start += RowsPerChunk)");
            w.Line("int rows = Math.Min(RowsPerChunk, batch - start);");
            w.Line("ChunkMoments(ref Unsafe.Add(ref x, (nint)start * (Features * Spatial)), rows);");
            w.Open("if (start == 0)");
            w.Line("_chunkMean.CopyTo(_centeredMean.AsSpan());");
            w.Line("_chunkM2.CopyTo(_batchM2.AsSpan());");
            w.Close();
            w.Open("else");
            w.Line("double total = start + rows;");
            w.Line("Moments.MergeUnchecked<" + _t + ">(_centeredMean, _batchM2, _chunkMean, _chunkM2, " + Cast("(rows / total)") + ", " + Cast("(start / total * rows * Spatial)") + ");");
            w.Close();
            w.Close();
            w.Line("FeatureMath.InverseStd<" + _t + ">(_batchM2, " + Cast("(1.0 / ((double)batch * Spatial))") + ", " + Cast("Epsilon") + ", _inverseStd);");
            w.Close();
        }

        private void WriteRunningStatistics()
        {
            var w = _w;
            w.Line();
            w.Summary(_spec.RunningStats == RunningStatsKind.Exponential
                ? "running = Momentum * running + (1 - Momentum) * batch, with the " + (_spec.UnbiasedRunningVariance ? "unbiased" : "biased") + " batch variance."
                : "running = equal-weight average over all batches since the last reset, with the " + (_spec.UnbiasedRunningVariance ? "unbiased" : "biased") + " batch variance.");
            w.Open("private void UpdateRunningStatistics(int batch)");
            w.Line("long count = (long)batch * Spatial;");
            w.Line("BatchesTracked++;");
            if (_spec.RunningStats == RunningStatsKind.Exponential)
            {
                w.Line(_t + " keep = " + Cast("Momentum") + ", take = " + Cast("(1 - Momentum)") + ";");
            }
            else
            {
                w.Line(_t + " take = " + Cast("(1.0 / BatchesTracked)") + ", keep = 1 - take;");
            }

            w.Line(_t + " varianceFactor = " + Cast(_spec.UnbiasedRunningVariance ? "(1.0 / (count - 1))" : "(1.0 / count)") + ";");
            w.Line("FeatureMath.UpdateRunning<" + _t + ">(RunningMean, RunningVariance, _pivot, _centeredMean, _batchM2, keep, take, varianceFactor);");
            w.Close();

            w.Line();
            w.Summary("Sets RunningMean to 0, RunningVariance to 1 and BatchesTracked to 0, and cancels any collection.");
            w.Open("public void ResetRunningStatistics()");
            w.Line("Array.Clear(RunningMean);");
            w.Line("Array.Fill(RunningVariance, " + Literals.Element(1, _spec.Element) + ");");
            w.Line("BatchesTracked = 0;");
            w.Line("_collectBatches = -1;");
            w.Close();
        }

        private void WriteResetWithoutRunningStatistics()
        {
            _w.Line();
            _w.Summary("Nothing to reset: RunningStats = None keeps no running statistics.");
            _w.Open("public void ResetRunningStatistics()");
            _w.Line("BatchesTracked = 0;");
            _w.Close();
            _w.Line();
            _w.Summary("Always false: RunningStats = None keeps no running statistics to collect into.");
            _w.Line("public bool IsCollecting => false;");
            _w.Line();
            _w.Summary("Not available: RunningStats = None keeps no running statistics to collect into.");
            _w.Line("/// <exception cref=\"InvalidOperationException\">Always.</exception>");
            _w.Line("public void BeginCollect() => throw NoRunningStatistics();");
            _w.Line();
            _w.Summary("Not available: RunningStats = None keeps no running statistics to collect into.");
            _w.Line("/// <exception cref=\"InvalidOperationException\">Always.</exception>");
            _w.Line("public void EndCollect() => throw NoRunningStatistics();");
            _w.Line();
            _w.Line("private InvalidOperationException NoRunningStatistics() =>");
            _w.Line("    new($\"{Name}: the layer keeps no running statistics (RunningStats = None), so there is nothing to collect into; declare it with RunningStats = RunningStatsMode.Exponential or Cumulative.\");");
        }

        private void WriteCollection()
        {
            var w = _w;
            w.Line();
            w.Summary("True between BeginCollect and EndCollect.");
            w.Line("public bool IsCollecting => _collectBatches >= 0;");
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Starts exact collection: the following training Forward calls merge every batch's per-feature count, mean and M2");
            w.Line("/// (Chan-Golub-LeVeque) instead of updating the running statistics; EndCollect writes the statistics of all collected");
            w.Line("/// samples, as if they had been one batch. Batches may differ in size and may hold a single sample.");
            w.Line("/// </summary>");
            w.Open("public void BeginCollect()");
            w.Line("_collectCount = 0;");
            w.Line("_collectBatches = 0;");
            w.Close();
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Ends collection: RunningMean and RunningVariance become the mean and the " + (_spec.UnbiasedRunningVariance ? "unbiased" : "biased") + " variance of every");
            w.Line("/// collected sample, and BatchesTracked the number of collected batches. Gamma, Beta and the gradients are not touched.");
            w.Line("/// </summary>");
            w.Line("/// <exception cref=\"InvalidOperationException\">BeginCollect was not called, or too few samples were collected; nothing changes.</exception>");
            w.Open("public void EndCollect()");
            w.Open("if (_collectBatches < 0)");
            w.Line("throw new InvalidOperationException($\"{Name}: EndCollect without BeginCollect.\");");
            w.Close();
            string minimum = _spec.UnbiasedRunningVariance ? "2" : "1";
            w.Open("if (_collectCount < " + minimum + ")");
            w.Line("throw new InvalidOperationException($\"{Name}: EndCollect needs at least " + minimum + " collected values per feature for the " + (_spec.UnbiasedRunningVariance ? "unbiased" : "biased") + " variance; got {_collectCount}. Run training Forward calls between BeginCollect and EndCollect.\");");
            w.Close();
            w.Line(_t + " varianceFactor = " + Cast(_spec.UnbiasedRunningVariance ? "(1.0 / (_collectCount - 1))" : "(1.0 / _collectCount)") + ";");
            w.Open("for (int f = 0; f < Features; f++)");
            w.Line("RunningMean[f] = _collectPivot[f] + _collectMean[f];");
            w.Line("RunningVariance[f] = _collectM2[f] * varianceFactor;");
            w.Close();
            w.Line("BatchesTracked = _collectBatches;");
            w.Line("_collectBatches = -1;");
            w.Close();
            w.Line();
            w.Summary("Merges this batch's statistics into the collection, relative to the first batch's pivot so nothing cancels.");
            w.Open("private void CollectBatch(int batch)");
            w.Line("long count = (long)batch * Spatial;");
            w.Open("if (_collectCount == 0)");
            w.Line("_pivot.CopyTo(_collectPivot.AsSpan());");
            w.Line("_centeredMean.CopyTo(_collectMean.AsSpan());");
            w.Line("_batchM2.CopyTo(_collectM2.AsSpan());");
            w.Close();
            w.Open("else");
            w.Line("// The batch mean relative to the collection pivot: both differences are small and exact or nearly so.");
            w.Open("for (int f = 0; f < Features; f++)");
            w.Line("_chunkMean[f] = (_pivot[f] - _collectPivot[f]) + _centeredMean[f];");
            w.Close();
            w.Line("double total = (double)_collectCount + count;");
            w.Line("Moments.MergeUnchecked<" + _t + ">(_collectMean, _collectM2, _chunkMean, _batchM2, " + Cast("(count / total)") + ", " + Cast("(_collectCount / total * count)") + ");");
            w.Close();
            w.Line("_collectCount += count;");
            w.Line("_collectBatches++;");
            w.Close();
        }

        private void WriteFolding()
        {
            var w = _w;
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Folds this layer, in its inference form, into the preceding fully connected layer y = x W^T + b, so that the folded");
            w.Line("/// layer alone gives the same outputs (PyTorch fuse_linear_bn_eval): W[f, :] *= s_f and b[f] = (b[f] - RunningMean_f) * s_f + Beta_f,");
            w.Line("/// where s_f = Gamma_f / sqrt(RunningVariance_f + Epsilon).");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"weight\">Row-major (Features, inputs) weights; scaled in place.</param>");
            w.Line("/// <param name=\"bias\">Features biases; rewritten in place.</param>");
            w.Line("/// <exception cref=\"ArgumentException\">weight is not (" + Literals.Int(_spec.Features) + ", inputs) or bias does not hold " + Literals.Int(_spec.Features) + " values; nothing changes.</exception>");
            if (_spec.Activation == ActivationKind.Relu)
            {
                w.Line("/// <exception cref=\"InvalidOperationException\">Always: a fused ReLU cannot be folded into a linear layer.</exception>");
            }

            w.Open("public void FoldInto(Span<" + _t + "> weight, Span<" + _t + "> bias)");
            if (_spec.Activation == ActivationKind.Relu)
            {
                w.Line("throw new InvalidOperationException($\"{Name}: cannot fold a layer with a fused ReLU into a linear layer; apply max(0, .) after the folded layer instead, or declare the layer without Activation.\");");
                w.Close();
                return;
            }

            w.Open("if (weight.Length == 0 || weight.Length % Features != 0)");
            w.Line("throw new ArgumentException($\"{Name}: weight must have shape (" + Literals.Int(_spec.Features) + ", inputs), a positive multiple of " + Literals.Int(_spec.Features) + " elements; got weight.Length = {weight.Length}.\", nameof(weight));");
            w.Close();
            w.Open("if (bias.Length != Features)");
            w.Line("throw new ArgumentException($\"{Name}: bias must have shape (" + Literals.Int(_spec.Features) + "); got bias.Length = {bias.Length}.\", nameof(bias));");
            w.Close();
            w.Line("int inputs = weight.Length / Features;");
            w.Open("for (int f = 0; f < Features; f++)");
            w.Line(_t + " scale = " + (_spec.Affine ? "Gamma[f] / " : "1 / ") + (_spec.Element == ElementKind.Float ? "MathF" : "Math") + ".Sqrt(RunningVariance[f] + " + Cast("Epsilon") + ");");
            w.Line("Span<" + _t + "> row = weight.Slice(f * inputs, inputs);");
            w.Open("for (int i = 0; i < row.Length; i++)");
            w.Line("row[i] *= scale;");
            w.Close();
            w.Line("bias[f] = (bias[f] - RunningMean[f]) * scale" + (_spec.Affine ? " + Beta[f]" : "") + ";");
            w.Close();
            w.Close();
        }
    }
}
