using System.Collections.Generic;
using NormGen.Generator.Model;

namespace NormGen.Generator.Emitting;

/// <summary>
/// Writes a group-normalization layer ([GroupNorm], and [InstanceNorm] as one channel per group): constants,
/// parameters, Forward and Backward. Each (sample, group) is one contiguous run of GroupLength values, so the
/// statistics are two runtime <c>SegmentKernels</c> passes with a constant length; the scale-and-shift and the
/// backward kernels depend on how Gamma varies inside the run (see <see cref="RunLayout"/>).
/// </summary>
internal static class GroupNormEmitter
{
    /// <summary>How a group's values map to Gamma/Beta, which decides the kernels the layer calls.</summary>
    private enum RunLayout
    {
        /// <summary>No Gamma, or one channel per group: the whole group shares one scale (one kernel call per group).</summary>
        WholeGroup,

        /// <summary>Spatial = 1 with several channels per group: every value has its own Gamma (runtime GroupKernels).</summary>
        ValuePerChannel,

        /// <summary>Several channels of Spatial values each: one SegmentKernels call per channel's run.</summary>
        RunPerChannel,
    }

    public static string Emit(GroupNormSpec spec)
    {
        string t = Literals.TypeKeyword(spec.Element);
        return LayerFileEmitter.Emit(
            spec.Target,
            Describe(spec),
            "global::NormGen.INormalizationLayer<" + t + ">",
            w => new Writer(spec, w).WriteAll());
    }

    private static RunLayout LayoutOf(GroupNormSpec spec) =>
        !spec.Affine || spec.ChannelsPerGroup == 1 ? RunLayout.WholeGroup
        : spec.Spatial == 1 ? RunLayout.ValuePerChannel
        : RunLayout.RunPerChannel;

    private static string ShapeText(GroupNormSpec spec) =>
        spec.Spatial == 1
            ? "(batch, " + Literals.Int(spec.Channels) + ")"
            : "(batch, " + Literals.Int(spec.Channels) + ", " + Literals.Int(spec.Spatial) + ")";

    private static string[] Describe(GroupNormSpec spec)
    {
        string eps = Literals.Double(spec.Epsilon);
        string m = "M = " + (spec.ChannelsPerGroup == 1 || spec.Spatial == 1
            ? Literals.Int(spec.GroupLength)
            : Literals.Int(spec.ChannelsPerGroup) + " * " + Literals.Int(spec.Spatial) + " = " + Literals.Int(spec.GroupLength));
        var lines = new List<string>();
        string layout = spec.Spatial == 1 ? "." : " (NCHW with H*W = " + Literals.Int(spec.Spatial) + ").";
        if (spec.IsInstanceNorm)
        {
            lines.Add("Instance normalization of " + Literals.TypeKeyword(spec.Element) + " x with shape " + ShapeText(spec) + ", row-major" + layout);
            lines.Add("Each (sample, channel) is normalized over its " + m + " contiguous values: group norm with one channel per group");
            lines.Add("(PyTorch InstanceNorm with track_running_stats=False).");
        }
        else
        {
            lines.Add("Group normalization of " + Literals.TypeKeyword(spec.Element) + " x with shape " + ShapeText(spec) + ", row-major" + layout);
            lines.Add(Plural(spec.Groups, "group") + " of " + Plural(spec.ChannelsPerGroup, "consecutive channel") + "; each (sample, group) holds " + m +
                " contiguous values (PyTorch GroupNorm).");
        }

        string gamma = spec.Affine ? "Gamma_c * " : "";
        string beta = spec.Affine ? " + Beta_c" : "";
        lines.Add("");
        lines.Add("Forward:   mean = (1/M) sum x,  var = (1/M) sum (x - mean)^2   over the group's M values (biased)");
        lines.Add("           y = " + gamma + "(x - mean) / sqrt(var + " + eps + ")" + beta + (spec.Affine ? "   (c: the value's channel)" : ""));
        lines.Add("           The same in training and inference: no running statistics.");
        if (spec.Affine)
        {
            lines.Add("Backward:  g = dy * Gamma_c;  dx = invstd / M * (M * g - sum(g) - xhat * sum(g * xhat))   (sums over the group)");
            lines.Add("           GammaGrad_c = sum over batch and spatial of dy * xhat,  BetaGrad_c = sum of dy");
        }
        else
        {
            lines.Add("Backward:  dx = invstd / M * (M * dy - sum(dy) - xhat * sum(dy * xhat))   (sums over the group)");
        }

        lines.Add("");
        lines.Add("Statistics are taken of x - pivot (the group's first value) in two passes over the group, which stays in");
        lines.Add("cache, so nothing cancels. Forward keeps pivot, mean and 1/std per (sample, group) for Backward.");
        return lines.ToArray();
    }

    private static string Plural(int count, string noun) => Literals.Int(count) + " " + noun + (count == 1 ? "" : "s");

    /// <summary>Holds the spec and the writer while the members are written.</summary>
    private sealed class Writer
    {
        private readonly GroupNormSpec _spec;
        private readonly SourceWriter _w;
        private readonly string _t;
        private readonly RunLayout _layout;

        public Writer(GroupNormSpec spec, SourceWriter writer)
        {
            _spec = spec;
            _w = writer;
            _t = Literals.TypeKeyword(spec.Element);
            _layout = LayoutOf(spec);
        }

        /// <summary>The constant that counts groups: instance norm has no Groups member.</summary>
        private string GroupCount => _spec.IsInstanceNorm ? "Channels" : "Groups";

        private string Sqrt => _spec.Element == ElementKind.Float ? "MathF.Sqrt" : "Math.Sqrt";

        private string Epsilon => _spec.Element == ElementKind.Float ? "(float)Epsilon" : "Epsilon";

        private string Zero => Literals.Element(0, _spec.Element);

        public void WriteAll()
        {
            WriteConstantsAndState();
            WriteForward();
            WriteBackward();
            WriteEnsureCapacity();
            WriteNormalizeGroup();
            WriteBackwardGroup();
        }

        private void WriteConstantsAndState()
        {
            var w = _w;
            if (!_spec.IsInstanceNorm)
            {
                w.Summary("Number of groups; each normalizes Channels / Groups consecutive channels together.");
                w.Line("public const int Groups = " + Literals.Int(_spec.Groups) + ";");
                w.Line();
            }

            w.Summary("Channels per sample.");
            w.Line("public const int Channels = " + Literals.Int(_spec.Channels) + ";");
            w.Line();
            w.Summary("Spatial positions per channel; 1 means x is (batch, Channels).");
            w.Line("public const int Spatial = " + Literals.Int(_spec.Spatial) + ";");
            w.Line();
            w.Summary("Added to the variance before the square root.");
            w.Line("public const double Epsilon = " + Literals.Double(_spec.Epsilon) + ";");
            w.Line();
            w.Line("// Channels normalized together, and the values of one (sample, group), contiguous in memory.");
            w.Line("private const int ChannelsPerGroup = " + Literals.Int(_spec.ChannelsPerGroup) + ";");
            w.Line("private const int GroupLength = ChannelsPerGroup * Spatial;");
            w.Line("private const string Shape = \"" + ShapeText(_spec) + "\";");
            w.Line();
            w.Summary("The layer's name in error messages.");
            w.Line("public string Name => \"" + _spec.Target.DisplayName + "\";");
            w.Line();
            w.Summary("Elements per sample: Channels * Spatial.");
            w.Line("public int SampleLength => Channels * Spatial;");
            w.Line();
            w.Summary("Kept for the interface: " + (_spec.IsInstanceNorm ? "instance" : "group") + " normalization computes the same in training and inference (no running statistics).");
            w.Line("public bool Training { get; set; } = true;");
            w.Line();
            ParameterArrays.Write(w, _spec.Element, "Channels", "channel", _spec.Affine);
            w.Line("// Per (sample, group) statistics of the last Forward, kept for Backward: mean = pivot + centered mean.");
            w.Line("// Sized for the largest batch seen, so steady-state calls allocate nothing.");
            w.Line("private " + _t + "[] _pivot = Array.Empty<" + _t + ">();");
            w.Line("private " + _t + "[] _centeredMean = Array.Empty<" + _t + ">();");
            w.Line("private " + _t + "[] _inverseStd = Array.Empty<" + _t + ">();");
            w.Line("private int _forwardBatch;");
        }

        private void WriteForward()
        {
            var w = _w;
            string per = _spec.IsInstanceNorm ? "channel" : "group";
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Normalizes x of shape " + ShapeText(_spec) + " into y of the same shape, per sample and " + per + ".");
            w.Line("/// Training and inference compute the same thing. y may be x itself.");
            w.Line("/// </summary>");
            w.Line("/// <exception cref=\"ArgumentException\">x is not a positive multiple of " + Literals.Int(_spec.Channels * _spec.Spatial) + " elements, or y differs in length; nothing changes.</exception>");
            w.Open("public void Forward(ReadOnlySpan<" + _t + "> x, Span<" + _t + "> y)");
            w.Line("int batch = ShapeGuard.BatchSize(Name, Shape, Channels * Spatial, x.Length);");
            w.Line("ShapeGuard.SameLength(Name, Shape, nameof(y), x.Length, y.Length);");
            w.Line("EnsureCapacity(batch);");
            w.Line("ref " + _t + " xStart = ref MemoryMarshal.GetReference(x);");
            w.Line("ref " + _t + " yStart = ref MemoryMarshal.GetReference(y);");
            w.Open("for (int n = 0; n < batch; n++)");
            w.Open("for (int g = 0; g < " + GroupCount + "; g++)");
            w.Line("nint start = (nint)n * (Channels * Spatial) + g * GroupLength;");
            w.Line("ref " + _t + " group = ref Unsafe.Add(ref xStart, start);");
            w.Line("// Two passes over the group (still in cache), relative to its first value.");
            w.Line(_t + " pivot = group;");
            w.Line(_t + " mean = SegmentKernels.SumOfDifferences(ref group, GroupLength, pivot) / GroupLength;");
            w.Line(_t + " m2 = SegmentKernels.SumOfSquaredDeviations(ref group, GroupLength, pivot, mean);");
            w.Line(_t + " inverseStd = 1 / " + Sqrt + "(m2 / GroupLength + " + Epsilon + ");");
            w.Line("int i = n * " + GroupCount + " + g;");
            w.Line("_pivot[i] = pivot;");
            w.Line("_centeredMean[i] = mean;");
            w.Line("_inverseStd[i] = inverseStd;");
            w.Line("NormalizeGroup(ref group, ref Unsafe.Add(ref yStart, start), g, pivot, mean, inverseStd);");
            w.Close();
            w.Close();
            w.Line();
            w.Line("_forwardBatch = batch;");
            w.Close();
        }

        private void WriteBackward()
        {
            var w = _w;
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Back-propagates dy through the last Forward (training or inference: both compute the same) on the same x:");
            w.Line("/// writes dx" + (_spec.Affine ? " and overwrites GammaGrad and BetaGrad" : "") + ". dx may be dy itself.");
            w.Line("/// </summary>");
            w.Line("/// <exception cref=\"ArgumentException\">x is not a positive multiple of " + Literals.Int(_spec.Channels * _spec.Spatial) + " elements, or dy or dx differs in length from x; nothing changes.</exception>");
            w.Line("/// <exception cref=\"InvalidOperationException\">No Forward preceded this call, or it saw a different batch size; nothing changes.</exception>");
            w.Open("public void Backward(ReadOnlySpan<" + _t + "> x, ReadOnlySpan<" + _t + "> dy, Span<" + _t + "> dx)");
            w.Line("int batch = ShapeGuard.BatchSize(Name, Shape, Channels * Spatial, x.Length);");
            w.Line("ShapeGuard.SameLength(Name, Shape, nameof(dy), x.Length, dy.Length);");
            w.Line("ShapeGuard.SameLength(Name, Shape, nameof(dx), x.Length, dx.Length);");
            w.Line("ShapeGuard.BackwardMatchesForward(Name, _forwardBatch, batch);");
            if (_spec.Affine)
            {
                w.Line("Array.Clear(GammaGrad);");
                w.Line("Array.Clear(BetaGrad);");
            }

            w.Line("ref " + _t + " xStart = ref MemoryMarshal.GetReference(x);");
            w.Line("ref " + _t + " dyStart = ref MemoryMarshal.GetReference(dy);");
            w.Line("ref " + _t + " dxStart = ref MemoryMarshal.GetReference(dx);");
            w.Open("for (int n = 0; n < batch; n++)");
            w.Open("for (int g = 0; g < " + GroupCount + "; g++)");
            w.Line("nint start = (nint)n * (Channels * Spatial) + g * GroupLength;");
            w.Line("int i = n * " + GroupCount + " + g;");
            w.Line("BackwardGroup(");
            w.Line("    ref Unsafe.Add(ref xStart, start), ref Unsafe.Add(ref dyStart, start), ref Unsafe.Add(ref dxStart, start),");
            w.Line("    g, _pivot[i], _centeredMean[i], _inverseStd[i]);");
            w.Close();
            w.Close();
            w.Close();
        }

        private void WriteEnsureCapacity()
        {
            var w = _w;
            w.Line();
            w.Summary("Grows the per-(sample, group) statistics to hold a batch; a batch no larger than one seen before reuses them.");
            w.Open("private void EnsureCapacity(int batch)");
            w.Line("int needed = batch * " + GroupCount + ";");
            w.Open("if (_pivot.Length < needed)");
            w.Line("_pivot = new " + _t + "[needed];");
            w.Line("_centeredMean = new " + _t + "[needed];");
            w.Line("_inverseStd = new " + _t + "[needed];");
            w.Close();
            w.Close();
        }

        private void WriteNormalizeGroup()
        {
            var w = _w;
            string signature = "private void NormalizeGroup(ref " + _t + " x, ref " + _t + " y, int g, " + _t + " pivot, " + _t + " mean, " + _t + " inverseStd)";
            w.Line();
            switch (_layout)
            {
                case RunLayout.WholeGroup:
                    w.Summary(_spec.Affine
                        ? "y = (x - pivot - mean) * inverseStd * Gamma_g + Beta_g over the group's GroupLength values (one channel per group)."
                        : "y = (x - pivot - mean) * inverseStd over the group's GroupLength values.");
                    w.Open(signature);
                    w.Line(_t + " scale = " + (_spec.Affine ? "Gamma[g] * inverseStd" : "inverseStd") + ";");
                    w.Line("SegmentKernels.ScaleShift(ref x, ref y, GroupLength, pivot, scale, " + (_spec.Affine ? "Beta[g] - mean * scale" : "-mean * scale") + ", relu: false);");
                    w.Close();
                    break;
                case RunLayout.ValuePerChannel:
                    w.Summary("y_c = (x_c - pivot - mean) * inverseStd * Gamma_c + Beta_c over the group's channels (one value each: Spatial = 1).");
                    w.Open(signature);
                    w.Line("int first = g * ChannelsPerGroup;");
                    w.Line("GroupKernels.AffineNormalize(ref x, ref y, ref Gamma[first], ref Beta[first], GroupLength, pivot, mean, inverseStd);");
                    w.Close();
                    break;
                default:
                    w.Summary("y = (x - pivot - mean) * inverseStd * Gamma_c + Beta_c, one run of Spatial values per channel c of the group.");
                    w.Open(signature);
                    w.Open("for (int k = 0; k < ChannelsPerGroup; k++)");
                    w.Line("int c = g * ChannelsPerGroup + k;");
                    w.Line(_t + " scale = Gamma[c] * inverseStd;");
                    w.Line("SegmentKernels.ScaleShift(ref Unsafe.Add(ref x, k * Spatial), ref Unsafe.Add(ref y, k * Spatial), Spatial, pivot, scale, Beta[c] - mean * scale, relu: false);");
                    w.Close();
                    w.Close();
                    break;
            }
        }

        private void WriteBackwardGroup()
        {
            var w = _w;
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// One group's backward pass: the sums of g = dy" + (_spec.Affine ? " * Gamma_c" : "") + " and g * (x - pivot)" + (_spec.Affine ? ", the parameter gradients," : ",") + " then");
            w.Line("/// dx = invstd / M * (M * g - sum(g) - xhat * sum(g * xhat)) as dx = a * dy + xCoefficient * (x - pivot) + bias.");
            w.Line("/// </summary>");
            w.Open("private void BackwardGroup(ref " + _t + " x, ref " + _t + " dy, ref " + _t + " dx, int g, " + _t + " pivot, " + _t + " mean, " + _t + " inverseStd)");
            string zero = Zero;
            switch (_layout)
            {
                case RunLayout.WholeGroup when !_spec.Affine:
                    w.Line(_t + " sumG = SegmentKernels.BackwardSums(ref x, ref dy, GroupLength, pivot, relu: false, " + zero + ", " + zero + ", out " + _t + " sumGCentered);");
                    WriteCoefficients();
                    w.Line("SegmentKernels.BackwardInput(ref x, ref dy, ref dx, GroupLength, pivot, relu: false, " + zero + ", " + zero + ", inverseStd, xCoefficient, bias);");
                    break;
                case RunLayout.WholeGroup:
                    w.Line(_t + " sumDy = SegmentKernels.BackwardSums(ref x, ref dy, GroupLength, pivot, relu: false, " + zero + ", " + zero + ", out " + _t + " sumDyCentered);");
                    w.Line("GammaGrad[g] += inverseStd * (sumDyCentered - mean * sumDy);");
                    w.Line("BetaGrad[g] += sumDy;");
                    w.Line(_t + " a = Gamma[g] * inverseStd;");
                    w.Line("// sum(g * xhat) with g = dy * Gamma_g and xhat = (x - pivot - mean) * inverseStd.");
                    w.Line(_t + " sumGXhat = a * (sumDyCentered - mean * sumDy);");
                    w.Line(_t + " xCoefficient = -inverseStd * inverseStd * sumGXhat / GroupLength;");
                    w.Line("// -a * mean(dy) rather than -inverseStd * mean(g): a group of one value then gets dx = 0 exactly.");
                    w.Line(_t + " bias = -a * sumDy / GroupLength - xCoefficient * mean;");
                    w.Line("SegmentKernels.BackwardInput(ref x, ref dy, ref dx, GroupLength, pivot, relu: false, " + zero + ", " + zero + ", a, xCoefficient, bias);");
                    break;
                case RunLayout.ValuePerChannel:
                    w.Line("int first = g * ChannelsPerGroup;");
                    w.Line(_t + " sumG = GroupKernels.AffineBackwardSums(");
                    w.Line("    ref x, ref dy, ref Gamma[first], ref GammaGrad[first], ref BetaGrad[first], GroupLength, pivot, mean, inverseStd, out " + _t + " sumGCentered);");
                    WriteCoefficients();
                    w.Line("GroupKernels.AffineBackwardInput(ref x, ref dy, ref dx, ref Gamma[first], GroupLength, pivot, inverseStd, xCoefficient, bias);");
                    break;
                default:
                    w.Line(_t + " sumG = " + zero + ", sumGCentered = " + zero + ";");
                    w.Open("for (int k = 0; k < ChannelsPerGroup; k++)");
                    w.Line("int c = g * ChannelsPerGroup + k;");
                    w.Line(_t + " sumDy = SegmentKernels.BackwardSums(");
                    w.Line("    ref Unsafe.Add(ref x, k * Spatial), ref Unsafe.Add(ref dy, k * Spatial), Spatial, pivot, relu: false, " + zero + ", " + zero + ", out " + _t + " sumDyCentered);");
                    w.Line("GammaGrad[c] += inverseStd * (sumDyCentered - mean * sumDy);");
                    w.Line("BetaGrad[c] += sumDy;");
                    w.Line("sumG += Gamma[c] * sumDy;");
                    w.Line("sumGCentered += Gamma[c] * sumDyCentered;");
                    w.Close();
                    w.Line();
                    WriteCoefficients();
                    w.Open("for (int k = 0; k < ChannelsPerGroup; k++)");
                    w.Line("int c = g * ChannelsPerGroup + k;");
                    w.Line("SegmentKernels.BackwardInput(");
                    w.Line("    ref Unsafe.Add(ref x, k * Spatial), ref Unsafe.Add(ref dy, k * Spatial), ref Unsafe.Add(ref dx, k * Spatial),");
                    w.Line("    Spatial, pivot, relu: false, " + zero + ", " + zero + ", Gamma[c] * inverseStd, xCoefficient, bias);");
                    w.Close();
                    break;
            }

            w.Close();
        }

        /// <summary>xCoefficient and bias of dx = a * dy + xCoefficient * (x - pivot) + bias, from sumG and sumGCentered.</summary>
        private void WriteCoefficients()
        {
            var w = _w;
            w.Line("// sum(g * xhat) = inverseStd * (sum(g * (x - pivot)) - mean * sum(g)), with xhat = (x - pivot - mean) * inverseStd.");
            w.Line(_t + " sumGXhat = inverseStd * (sumGCentered - mean * sumG);");
            w.Line(_t + " xCoefficient = -inverseStd * inverseStd * sumGXhat / GroupLength;");
            w.Line(_t + " bias = -inverseStd * sumG / GroupLength - xCoefficient * mean;");
        }
    }
}
