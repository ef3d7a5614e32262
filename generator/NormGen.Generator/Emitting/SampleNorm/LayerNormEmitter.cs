using System;
using System.Collections.Generic;
using NormGen.Generator.Model;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Emitting;

/// <summary>
/// Writes a layer-norm layer: per-sample statistics over the Features values of each row, per-feature Gamma and Beta,
/// an optional fused ReLU. Each row is one call to the runtime's row primitives with the constant length Features:
/// <c>SegmentKernels</c> for the statistics (and the whole row when the layer is not affine), <c>RowKernels</c> for the
/// per-feature Gamma and Beta.
/// </summary>
internal sealed class LayerNormEmitter : LayerEmitter<LayerNormSpec>
{
    public static readonly LayerNormEmitter Instance = new();

    protected override IReadOnlyList<PublicMember<LayerNormSpec>> Constants { get; } =
        RowNormDocs.Constants<LayerNormSpec>(s => s.Features, "Added to the variance before the square root.");

    protected override IReadOnlyList<PublicMember<LayerNormSpec>> Properties { get; } = Array.Empty<PublicMember<LayerNormSpec>>();

    protected override IReadOnlyList<PublicMember<LayerNormSpec>> Methods { get; } = Array.Empty<PublicMember<LayerNormSpec>>();

    private static bool IsRelu(LayerNormSpec spec) => spec.Activation == Activation.Relu;

    protected override LayerSurface Surface(LayerNormSpec spec)
    {
        string open = IsRelu(spec) ? "max(0, " : "";
        string close = IsRelu(spec) ? ")" : "";
        return RowNormDocs.Surface(
            spec,
            spec.Features,
            noShift: null,
            new[]
            {
                "Normalizes each sample of x, shape " + RowNormDocs.ShapeText(spec.Features) + ", into y of the same shape:",
                "y = " + open + (spec.Affine ? "Gamma * xhat + Beta" : "xhat") + close + ". The same in training and inference. y may be x itself.",
            },
            new[]
            {
                "Back-propagates dy through the last Forward on the same x: writes dx" + (spec.Affine ? " and overwrites GammaGrad and BetaGrad" : "") + ".",
                "Per sample, dx = invstd / F * (F * g - sum(g) - xhat * sum(g * xhat)) with g = dy" + (spec.Affine ? " * Gamma" : "") +
                    (IsRelu(spec) ? ", dy masked where y = 0" : "") + ". dx may be dy itself.",
            });
    }

    protected override IEnumerable<string> Describe(LayerNormSpec spec)
    {
        bool relu = IsRelu(spec);
        string f = Literals.Int(spec.Features);
        string value = spec.Affine ? "Gamma_f * xhat[n,f] + Beta_f" : "xhat[n,f]";
        yield return "Layer normalization of " + Literals.TypeKeyword(spec.Element) + " x with shape " + RowNormDocs.ShapeText(spec.Features) +
            ", row-major, over the " + f + " features of each sample";
        yield return "(PyTorch nn.LayerNorm(" + f + ", eps=" + Literals.Double(spec.Epsilon) + (spec.Affine ? "" : ", elementwise_affine=False") + ")" +
            (relu ? " followed by ReLU" : "") + ", cs231n layernorm).";
        yield return "Training and inference compute the same thing.";
        yield return "";
        yield return "Forward, per sample n (F = " + f + "):";
        yield return "  mean_n = (1/F) sum_f x[n,f],  var_n = (1/F) sum_f (x[n,f] - mean_n)^2   (biased)";
        yield return "  xhat[n,f] = (x[n,f] - mean_n) * invstd_n,  invstd_n = 1 / sqrt(var_n + " + Literals.Double(spec.Epsilon) + ")";
        yield return "  y[n,f] = " + (relu ? "max(0, " + value + ")" : value);
        yield return "Backward, per sample, with g = dy" + (spec.Affine ? " * Gamma" : "") + (relu ? " (dy masked to 0 where y = 0)" : "") + ":";
        yield return "  dx = invstd_n / F * (F * g - sum_f g - xhat * sum_f (g * xhat))";
        if (spec.Affine)
        {
            yield return "  GammaGrad_f = sum_n dy * xhat[n,f],  BetaGrad_f = sum_n dy" + (relu ? "   (the masked dy)" : "");
        }

        yield return "";
        yield return "Numerics: each row's statistics are taken of x - pivot (the row's first value) in two passes over the row,";
        yield return "which is still in cache for the second, so a row with a large mean and a small spread keeps its digits.";
        yield return "State: between Forward and Backward only the pivot, the mean relative to it and 1/std of each sample, in arrays";
        yield return "sized for the largest batch seen (they grow when a larger batch arrives, so steady-state calls allocate nothing).";
        foreach (string line in RowNormDocs.Kernels())
        {
            yield return line;
        }
    }

    protected override void WriteCore(SourceWriter w, LayerNormSpec spec, string coreName)
    {
        string t = Literals.TypeKeyword(spec.Element);
        string relu = Literals.Bool(IsRelu(spec));
        w.Line("private const int Features = " + Literals.Int(spec.Features) + ";");
        w.Line("private const double Epsilon = " + Literals.Double(spec.Epsilon) + ";");
        w.Line();
        SampleNormCoreWriter.Constructor(w, spec, coreName, RowNormDocs.ShapeText(spec.Features), "Features", "Features", hasShift: true, "1");

        SampleNormCoreWriter.OpenForward(w, t);
        if (spec.Affine)
        {
            w.Line(SampleNormCoreWriter.ArrayRef(t, "gamma", "Gamma"));
            w.Line(SampleNormCoreWriter.ArrayRef(t, "beta", "Beta"));
        }

        w.Open("for (int n = 0; n < pivot.Length; n++)");
        w.Line(SampleNormCoreWriter.RowRef(t, "xRow", "xStart", "Features"));
        w.Line(SampleNormCoreWriter.RowRef(t, "yRow", "yStart", "Features"));
        w.Line("// Two passes over x - pivot, the second from cache; the pivot is read before y, which may be x, is written.");
        w.Line(t + " rowPivot = xRow;");
        w.Line(t + " m2 = SegmentKernels.Moments(ref xRow, Features, rowPivot, streaming, out " + t + " rowMean);");
        w.Line(t + " rowInverseStd = " + SampleNormCoreWriter.InverseSqrt(spec.Element, "(double)m2 / Features") + ";");
        w.Line("pivot[n] = rowPivot;");
        w.Line("mean[n] = rowMean;");
        w.Line("inverseStd[n] = rowInverseStd;");
        if (spec.Affine)
        {
            w.Line("RowKernels.AffineNormalize(ref xRow, ref yRow, ref gamma, ref beta, Features, rowPivot, rowMean, rowInverseStd, relu: " + relu + ", streaming);");
        }
        else
        {
            w.Line("SegmentKernels.ScaleShift(ref xRow, ref yRow, Features, center: rowPivot, scale: rowInverseStd, shift: -rowMean * rowInverseStd, relu: " + relu + ", streaming);");
        }

        w.Close();
        w.Close();

        SampleNormCoreWriter.OpenBackward(w, t);
        if (spec.Affine)
        {
            w.Line(SampleNormCoreWriter.ArrayRef(t, "gamma", "Gamma"));
            w.Line(SampleNormCoreWriter.ArrayRef(t, "beta", "Beta"));
            w.Line(SampleNormCoreWriter.SpanRef(t, "gammaGradStart", "gammaGrad"));
            w.Line(SampleNormCoreWriter.SpanRef(t, "betaGradStart", "betaGrad"));
        }

        w.Open("for (int n = 0; n < pivot.Length; n++)");
        w.Line(SampleNormCoreWriter.RowRef(t, "xRow", "xStart", "Features"));
        w.Line(SampleNormCoreWriter.RowRef(t, "dyRow", "dyStart", "Features"));
        w.Line(SampleNormCoreWriter.RowRef(t, "dxRow", "dxStart", "Features"));
        w.Line(t + " rowPivot = pivot[n], rowMean = mean[n], rowInverseStd = inverseStd[n];");
        if (spec.Affine)
        {
            w.Line(t + " sumG = RowKernels.AffineBackwardSums(");
            w.Line("    ref xRow, ref dyRow, ref gamma, ref beta, ref gammaGradStart, ref betaGradStart, Features, rowPivot, rowMean, rowInverseStd, relu: " + relu + ", streaming, out " + t + " sumGXhat);");
            w.Line("// dx = invstd * (g - sum(g * xhat) / F * xhat - sum(g) / F)");
            w.Line("RowKernels.AffineBackwardInput(");
            w.Line("    ref xRow, ref dyRow, ref dxRow, ref gamma, ref beta, Features, rowPivot, rowMean, rowInverseStd, relu: " + relu + ",");
            w.Line("    xhatCoefficient: -sumGXhat / Features, bias: -sumG / Features, streaming);");
        }
        else
        {
            w.Line("// g = dy" + (IsRelu(spec) ? " masked by the ReLU" : "") + "; xhat = (x - pivot) * inverseStd + shift.");
            w.Line(t + " shift = -rowMean * rowInverseStd;");
            w.Line(t + " sumG = SegmentKernels.BackwardSums(ref xRow, ref dyRow, Features, rowPivot, relu: " + relu + ", scale: rowInverseStd, shift: shift, streaming, out " + t + " sumGCentered);");
            w.Line(t + " sumGXhat = rowInverseStd * sumGCentered + shift * sumG;");
            w.Line("// dx = invstd * (g - sum(g * xhat) / F * xhat - sum(g) / F), with xhat expanded in x - pivot.");
            w.Line(t + " xhatCoefficient = -rowInverseStd * sumGXhat / Features;");
            w.Line("SegmentKernels.BackwardInput(");
            w.Line("    ref xRow, ref dyRow, ref dxRow, Features, rowPivot, relu: " + relu + ", scale: rowInverseStd, shift: shift,");
            w.Line("    dyCoefficient: rowInverseStd, xCoefficient: xhatCoefficient * rowInverseStd, bias: xhatCoefficient * shift - rowInverseStd * sumG / Features, streaming);");
        }

        w.Close();
        w.Close();
    }
}
