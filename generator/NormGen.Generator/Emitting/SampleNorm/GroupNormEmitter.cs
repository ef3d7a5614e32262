using System;
using System.Collections.Generic;
using System.Linq;
using NormGen.Generator.Model;

namespace NormGen.Generator.Emitting;

/// <summary>
/// Writes a group-normalization layer ([GroupNorm], and [InstanceNorm] as one channel per group). Each (sample, group)
/// is one contiguous run of GroupLength values, so the statistics are two runtime <c>SegmentKernels</c> passes with a
/// constant length; the scale-and-shift and the backward kernels depend on how Gamma varies inside the run (see
/// <see cref="RunLayout"/>).
/// </summary>
internal sealed class GroupNormEmitter : LayerEmitter<GroupNormSpec>
{
    public static readonly GroupNormEmitter GroupNorm = new(instanceNorm: false);

    public static readonly GroupNormEmitter InstanceNorm = new(instanceNorm: true);

    private GroupNormEmitter(bool instanceNorm)
    {
        var constants = new List<PublicMember<GroupNormSpec>>();
        if (!instanceNorm)
        {
            constants.Add(new PublicMember<GroupNormSpec>("Groups", (w, s) => w.Constant(
                "Number of groups; each normalizes Channels / Groups consecutive channels together.", "int", "Groups", Literals.Int(s.Groups))));
        }

        constants.Add(new PublicMember<GroupNormSpec>("Channels", (w, s) => w.Constant("Channels per sample.", "int", "Channels", Literals.Int(s.Channels))));
        constants.Add(new PublicMember<GroupNormSpec>("Spatial", (w, s) => w.Constant(
            "Spatial positions per channel; 1 means x is (batch, Channels).", "int", "Spatial", Literals.Int(s.Spatial))));
        constants.Add(new PublicMember<GroupNormSpec>("Epsilon", (w, s) => w.Constant(
            "Added to the variance before the square root.", "double", "Epsilon", Literals.Double(s.Epsilon))));
        Constants = constants;
    }

    /// <summary>How a group's values map to Gamma/Beta, which decides the kernels the layer calls.</summary>
    private enum RunLayout
    {
        /// <summary>No Gamma, or one channel per group: the whole group shares one scale (one kernel call per group).</summary>
        WholeGroup,

        /// <summary>Spatial = 1 with several channels per group: every value has its own Gamma (runtime RowKernels, as a layer-norm row).</summary>
        ValuePerChannel,

        /// <summary>Several channels of Spatial values each: one SegmentKernels call per channel's run.</summary>
        RunPerChannel,
    }

    protected override IReadOnlyList<PublicMember<GroupNormSpec>> Constants { get; }

    protected override IReadOnlyList<PublicMember<GroupNormSpec>> Properties { get; } = Array.Empty<PublicMember<GroupNormSpec>>();

    protected override IReadOnlyList<PublicMember<GroupNormSpec>> Methods { get; } = Array.Empty<PublicMember<GroupNormSpec>>();

    private static RunLayout LayoutOf(GroupNormSpec spec) =>
        !spec.Affine || spec.ChannelsPerGroup == 1 ? RunLayout.WholeGroup
        : spec.Spatial == 1 ? RunLayout.ValuePerChannel
        : RunLayout.RunPerChannel;

    private static string ShapeText(GroupNormSpec spec) =>
        spec.Spatial == 1
            ? "(batch, " + Literals.Int(spec.Channels) + ")"
            : "(batch, " + Literals.Int(spec.Channels) + ", " + Literals.Int(spec.Spatial) + ")";

    protected override LayerSurface Surface(GroupNormSpec spec)
    {
        string t = Literals.TypeKeyword(spec.Element);
        string sampleLength = Literals.Int(spec.Channels * spec.Spatial);
        string per = spec.IsInstanceNorm ? "channel" : "group";
        return new LayerSurface(
            t,
            "global::NormGen.INormalizationLayer<" + t + ">",
            "SampleNormCore<" + t + ">",
            "Channels * Spatial",
            "channel",
            spec.Affine,
            NoShift: null,
            "Kept for the interface: " + (spec.IsInstanceNorm ? "instance" : "group") + " normalization computes the same in training and inference (no running statistics).",
            new[]
            {
                "Normalizes x of shape " + ShapeText(spec) + " into y of the same shape, per sample and " + per + ".",
                "Training and inference compute the same thing. y may be x itself.",
            },
            "x is not a positive multiple of " + sampleLength + " elements, or y differs in length; nothing changes.",
            new[]
            {
                "Back-propagates dy through the last Forward (training or inference: both compute the same) on the same x:",
                "writes dx" + (spec.Affine ? " and overwrites GammaGrad and BetaGrad" : "") + ". dx may be dy itself.",
            },
            ("x is not a positive multiple of " + sampleLength + " elements, or dy or dx differs in length from x; nothing changes.",
             "No Forward preceded this call, or it saw a different batch size; nothing changes."));
    }

    protected override IEnumerable<string> Describe(GroupNormSpec spec)
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
        return lines;
    }

    private static string Plural(int count, string noun) => Literals.Int(count) + " " + noun + (count == 1 ? "" : "s");

    protected override void WriteCore(SourceWriter w, GroupNormSpec spec, string coreName)
    {
        string t = Literals.TypeKeyword(spec.Element);
        string sqrt = spec.Element == ElementKind.Float ? "MathF.Sqrt" : "Math.Sqrt";
        string epsilon = spec.Element == ElementKind.Float ? "(float)Epsilon" : "Epsilon";
        w.Line("private const int Groups = " + Literals.Int(spec.Groups) + ";");
        w.Line("private const int Channels = " + Literals.Int(spec.Channels) + ";");
        w.Line("private const int Spatial = " + Literals.Int(spec.Spatial) + ";");
        w.Line("private const double Epsilon = " + Literals.Double(spec.Epsilon) + ";");
        w.Line();
        w.Line("// Channels normalized together, and the values of one (sample, group), contiguous in memory.");
        w.Line("private const int ChannelsPerGroup = " + Literals.Int(spec.ChannelsPerGroup) + ";");
        w.Line("private const int GroupLength = ChannelsPerGroup * Spatial;");
        w.Line();
        SampleNormCoreWriter.Constructor(w, spec, coreName, ShapeText(spec), "Channels * Spatial", "Channels", hasShift: true, "Groups");

        SampleNormCoreWriter.OpenForward(w, t);
        w.Open("for (int n = 0; n < pivot.Length / Groups; n++)");
        w.Open("for (int g = 0; g < Groups; g++)");
        w.Line("nint start = (nint)n * (Channels * Spatial) + g * GroupLength;");
        w.Line("ref " + t + " group = ref Unsafe.Add(ref xStart, start);");
        w.Line("// Two passes over the group (still in cache), relative to its first value.");
        w.Line(t + " groupPivot = group;");
        w.Line(t + " m2 = SegmentKernels.Moments(ref group, GroupLength, groupPivot, streaming, out " + t + " groupMean);");
        w.Line(t + " groupInverseStd = 1 / " + sqrt + "(m2 / GroupLength + " + epsilon + ");");
        w.Line("int i = n * Groups + g;");
        w.Line("pivot[i] = groupPivot;");
        w.Line("mean[i] = groupMean;");
        w.Line("inverseStd[i] = groupInverseStd;");
        w.Line("NormalizeGroup(ref group, ref Unsafe.Add(ref yStart, start), g, groupPivot, groupMean, groupInverseStd, streaming);");
        w.Close();
        w.Close();
        w.Close();

        SampleNormCoreWriter.OpenBackward(w, t);
        w.Open("for (int n = 0; n < pivot.Length / Groups; n++)");
        w.Open("for (int g = 0; g < Groups; g++)");
        w.Line("nint start = (nint)n * (Channels * Spatial) + g * GroupLength;");
        w.Line("int i = n * Groups + g;");
        w.Line("BackwardGroup(");
        w.Line("    ref Unsafe.Add(ref xStart, start), ref Unsafe.Add(ref dyStart, start), ref Unsafe.Add(ref dxStart, start),");
        w.Line("    g, pivot[i], mean[i], inverseStd[i], gammaGrad, betaGrad, streaming);");
        w.Close();
        w.Close();
        w.Close();

        WriteNormalizeGroup(w, spec);
        WriteBackwardGroup(w, spec);
    }

    private void WriteNormalizeGroup(SourceWriter w, GroupNormSpec spec)
    {
        string t = Literals.TypeKeyword(spec.Element);
        string signature = "private void NormalizeGroup(ref " + t + " x, ref " + t + " y, int g, " + t + " pivot, " + t + " mean, " + t + " inverseStd, StreamMode streaming)";
        w.Line();
        switch (LayoutOf(spec))
        {
            case RunLayout.WholeGroup:
                w.Summary(spec.Affine
                    ? "y = (x - pivot - mean) * inverseStd * Gamma_g + Beta_g over the group's GroupLength values (one channel per group)."
                    : "y = (x - pivot - mean) * inverseStd over the group's GroupLength values.");
                w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                w.Open(signature);
                w.Line(t + " scale = " + (spec.Affine ? "Gamma[g] * inverseStd" : "inverseStd") + ";");
                w.Line("SegmentKernels.ScaleShift(ref x, ref y, GroupLength, pivot, scale, " + (spec.Affine ? "Beta[g] - mean * scale" : "-mean * scale") + ", relu: false, streaming);");
                w.Close();
                break;
            case RunLayout.ValuePerChannel:
                w.Summary("y_c = (x_c - pivot - mean) * inverseStd * Gamma_c + Beta_c over the group's channels (one value each: Spatial = 1).");
                w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                w.Open(signature);
                w.Line("int first = g * ChannelsPerGroup;");
                w.Line("RowKernels.AffineNormalize(ref x, ref y, ref Gamma[first], ref Beta[first], GroupLength, pivot, mean, inverseStd, relu: false, streaming);");
                w.Close();
                break;
            default:
                w.Summary("y = (x - pivot - mean) * inverseStd * Gamma_c + Beta_c, one run of Spatial values per channel c of the group.");
                w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                w.Open(signature);
                w.Open("for (int k = 0; k < ChannelsPerGroup; k++)");
                w.Line("int c = g * ChannelsPerGroup + k;");
                w.Line(t + " scale = Gamma[c] * inverseStd;");
                w.Line("SegmentKernels.ScaleShift(ref Unsafe.Add(ref x, k * Spatial), ref Unsafe.Add(ref y, k * Spatial), Spatial, pivot, scale, Beta[c] - mean * scale, relu: false, streaming);");
                w.Close();
                w.Close();
                break;
        }
    }

    private void WriteBackwardGroup(SourceWriter w, GroupNormSpec spec)
    {
        string t = Literals.TypeKeyword(spec.Element);
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// One group's backward pass: the sums of g = dy" + (spec.Affine ? " * Gamma_c" : "") + " and g * (x - pivot)" + (spec.Affine ? ", the parameter gradients," : ",") + " then");
        w.Line("/// dx = invstd / M * (M * g - sum(g) - xhat * sum(g * xhat)) as dx = a * dy + xCoefficient * (x - pivot) + bias.");
        w.Line("/// </summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        w.Open("private void BackwardGroup(ref " + t + " x, ref " + t + " dy, ref " + t + " dx, int g, " + t + " pivot, " + t + " mean, " + t + " inverseStd, Span<" + t + "> gammaGrad, Span<" + t + "> betaGrad, StreamMode streaming)");
        string zero = Literals.Element(0, spec.Element);
        switch (LayoutOf(spec))
        {
            case RunLayout.WholeGroup when !spec.Affine:
                w.Line(t + " sumG = SegmentKernels.BackwardSums(ref x, ref dy, GroupLength, pivot, relu: false, " + zero + ", " + zero + ", streaming, out " + t + " sumGCentered);");
                WriteCoefficients(w, t);
                w.Line("SegmentKernels.BackwardInput(ref x, ref dy, ref dx, GroupLength, pivot, relu: false, " + zero + ", " + zero + ", inverseStd, xCoefficient, bias, streaming);");
                break;
            case RunLayout.WholeGroup:
                w.Line(t + " sumDy = SegmentKernels.BackwardSums(ref x, ref dy, GroupLength, pivot, relu: false, " + zero + ", " + zero + ", streaming, out " + t + " sumDyCentered);");
                w.Line("gammaGrad[g] += inverseStd * (sumDyCentered - mean * sumDy);");
                w.Line("betaGrad[g] += sumDy;");
                w.Line(t + " a = Gamma[g] * inverseStd;");
                w.Line("// sum(g * xhat) with g = dy * Gamma_g and xhat = (x - pivot - mean) * inverseStd.");
                w.Line(t + " sumGXhat = a * (sumDyCentered - mean * sumDy);");
                w.Line(t + " xCoefficient = -inverseStd * inverseStd * sumGXhat / GroupLength;");
                w.Line("// -a * mean(dy) rather than -inverseStd * mean(g): a group of one value then gets dx = 0 exactly.");
                w.Line(t + " bias = -a * sumDy / GroupLength - xCoefficient * mean;");
                w.Line("SegmentKernels.BackwardInput(ref x, ref dy, ref dx, GroupLength, pivot, relu: false, " + zero + ", " + zero + ", a, xCoefficient, bias, streaming);");
                break;
            case RunLayout.ValuePerChannel:
                w.Line("int first = g * ChannelsPerGroup;");
                w.Line(t + " sumG = RowKernels.AffineBackwardSums(");
                w.Line("    ref x, ref dy, ref Gamma[first], ref Beta[first], ref gammaGrad[first], ref betaGrad[first], GroupLength, pivot, mean, inverseStd, relu: false, streaming, out " + t + " sumGXhat);");
                w.Line("// dx = invstd * (g - sum(g * xhat) / M * xhat - sum(g) / M), as in layer norm over the group's values.");
                w.Line("RowKernels.AffineBackwardInput(");
                w.Line("    ref x, ref dy, ref dx, ref Gamma[first], ref Beta[first], GroupLength, pivot, mean, inverseStd, relu: false,");
                w.Line("    xhatCoefficient: -sumGXhat / GroupLength, bias: -sumG / GroupLength, streaming);");
                break;
            default:
                w.Line(t + " sumG = " + zero + ", sumGCentered = " + zero + ";");
                w.Open("for (int k = 0; k < ChannelsPerGroup; k++)");
                w.Line("int c = g * ChannelsPerGroup + k;");
                w.Line(t + " sumDy = SegmentKernels.BackwardSums(");
                w.Line("    ref Unsafe.Add(ref x, k * Spatial), ref Unsafe.Add(ref dy, k * Spatial), Spatial, pivot, relu: false, " + zero + ", " + zero + ", streaming, out " + t + " sumDyCentered);");
                w.Line("gammaGrad[c] += inverseStd * (sumDyCentered - mean * sumDy);");
                w.Line("betaGrad[c] += sumDy;");
                w.Line("sumG += Gamma[c] * sumDy;");
                w.Line("sumGCentered += Gamma[c] * sumDyCentered;");
                w.Close();
                w.Line();
                WriteCoefficients(w, t);
                w.Open("for (int k = 0; k < ChannelsPerGroup; k++)");
                w.Line("int c = g * ChannelsPerGroup + k;");
                w.Line("SegmentKernels.BackwardInput(");
                w.Line("    ref Unsafe.Add(ref x, k * Spatial), ref Unsafe.Add(ref dy, k * Spatial), ref Unsafe.Add(ref dx, k * Spatial),");
                w.Line("    Spatial, pivot, relu: false, " + zero + ", " + zero + ", Gamma[c] * inverseStd, xCoefficient, bias, streaming);");
                w.Close();
                break;
        }

        w.Close();
    }

    /// <summary>xCoefficient and bias of dx = a * dy + xCoefficient * (x - pivot) + bias, from sumG and sumGCentered.</summary>
    private static void WriteCoefficients(SourceWriter w, string t)
    {
        w.Line("// sum(g * xhat) = inverseStd * (sum(g * (x - pivot)) - mean * sum(g)), with xhat = (x - pivot - mean) * inverseStd.");
        w.Line(t + " sumGXhat = inverseStd * (sumGCentered - mean * sumG);");
        w.Line(t + " xCoefficient = -inverseStd * inverseStd * sumGXhat / GroupLength;");
        w.Line(t + " bias = -inverseStd * sumG / GroupLength - xCoefficient * mean;");
    }
}
