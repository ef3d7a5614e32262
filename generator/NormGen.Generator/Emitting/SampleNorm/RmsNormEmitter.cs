using System;
using System.Collections.Generic;
using NormGen.Generator.Model;

namespace NormGen.Generator.Emitting;

/// <summary>
/// Writes an RMS-norm layer: each row is divided by its root mean square and scaled by a per-feature Gamma (no Beta).
/// Each row is one call to the runtime's row primitives with the constant length Features: <c>SegmentKernels</c> for
/// the sum of squares (and the whole row when the layer is not affine), <c>RowKernels</c> for the per-feature Gamma.
/// </summary>
internal sealed class RmsNormEmitter : LayerEmitter<RmsNormSpec>
{
    public static readonly RmsNormEmitter Instance = new();

    protected override IReadOnlyList<PublicMember<RmsNormSpec>> Constants { get; } =
        RowNormDocs.Constants<RmsNormSpec>(s => s.Features, "Added to the mean square before the square root.");

    protected override IReadOnlyList<PublicMember<RmsNormSpec>> Properties { get; } = Array.Empty<PublicMember<RmsNormSpec>>();

    protected override IReadOnlyList<PublicMember<RmsNormSpec>> Methods { get; } = Array.Empty<PublicMember<RmsNormSpec>>();

    protected override LayerSurface Surface(RmsNormSpec spec) => RowNormDocs.Surface(
        spec,
        spec.Features,
        "RMS normalization has no shift.",
        new[]
        {
            "Normalizes each sample of x, shape " + RowNormDocs.ShapeText(spec.Features) + ", into y of the same shape:",
            "y = x / sqrt(mean(x^2) + Epsilon)" + (spec.Affine ? " * Gamma" : "") + ". The same in training and inference. y may be x itself.",
        },
        new[]
        {
            "Back-propagates dy through the last Forward on the same x: writes dx" + (spec.Affine ? " and overwrites GammaGrad" : "") + ".",
            "Per sample, dx = invrms * (g - xhat * mean(g * xhat)) with g = dy" + (spec.Affine ? " * Gamma" : "") + ". dx may be dy itself.",
        });

    protected override IEnumerable<string> Describe(RmsNormSpec spec)
    {
        string f = Literals.Int(spec.Features);
        yield return "RMS normalization of " + Literals.TypeKeyword(spec.Element) + " x with shape " + RowNormDocs.ShapeText(spec.Features) +
            ", row-major, over the " + f + " features of each sample";
        yield return "(PyTorch nn.RMSNorm(" + f + ", eps=" + Literals.Double(spec.Epsilon) + (spec.Affine ? "" : ", elementwise_affine=False") +
            ")). No mean is subtracted and there is no Beta.";
        yield return "Training and inference compute the same thing.";
        yield return "";
        yield return "Forward, per sample n (F = " + f + "):";
        yield return "  invrms_n = 1 / sqrt((1/F) sum_f x[n,f]^2 + " + Literals.Double(spec.Epsilon) + "),  xhat[n,f] = x[n,f] * invrms_n";
        yield return "  y[n,f] = " + (spec.Affine ? "Gamma_f * xhat[n,f]" : "xhat[n,f]");
        yield return "Backward, per sample, with g = dy" + (spec.Affine ? " * Gamma" : "") + ":";
        yield return "  dx = invrms_n * (g - xhat * (1/F) sum_f (g * xhat))";
        if (spec.Affine)
        {
            yield return "  GammaGrad_f = sum_n dy * xhat[n,f]";
        }

        yield return "";
        yield return "Numerics: the sum of squares has no cancellation (every term is positive), so one pass suffices.";
        yield return "State: between Forward and Backward only 1/rms of each sample, in arrays sized for the largest batch seen";
        yield return "(they grow when a larger batch arrives, so steady-state calls allocate nothing).";
        foreach (string line in RowNormDocs.Kernels())
        {
            yield return line;
        }
    }

    protected override void WriteCore(SourceWriter w, RmsNormSpec spec, string coreName)
    {
        string t = Literals.TypeKeyword(spec.Element);
        w.Line("private const int Features = " + Literals.Int(spec.Features) + ";");
        w.Line("private const double Epsilon = " + Literals.Double(spec.Epsilon) + ";");
        w.Line();
        SampleNormCoreWriter.Constructor(w, spec, coreName, RowNormDocs.ShapeText(spec.Features), "Features", "Features", hasShift: false, "1");

        SampleNormCoreWriter.OpenForward(w, t);
        if (spec.Affine)
        {
            w.Line(SampleNormCoreWriter.ArrayRef(t, "gamma", "Gamma"));
        }

        w.Open("for (int n = 0; n < inverseStd.Length; n++)");
        w.Line(SampleNormCoreWriter.RowRef(t, "xRow", "xStart", "Features"));
        w.Line(SampleNormCoreWriter.RowRef(t, "yRow", "yStart", "Features"));
        w.Line(t + " squares = SegmentKernels.SumOfSquares(ref xRow, Features, streaming);");
        w.Line(t + " inverseRms = " + SampleNormCoreWriter.InverseSqrt(spec.Element, "(double)squares / Features") + ";");
        w.Line("inverseStd[n] = inverseRms;");
        if (spec.Affine)
        {
            w.Line("RowKernels.ScaleNormalize(ref xRow, ref yRow, ref gamma, Features, inverseRms, streaming);");
        }
        else
        {
            w.Line("SegmentKernels.ScaleShift(ref xRow, ref yRow, Features, center: 0, scale: inverseRms, shift: 0, relu: false, streaming);");
        }

        w.Close();
        w.Close();

        SampleNormCoreWriter.OpenBackward(w, t);
        if (spec.Affine)
        {
            w.Line(SampleNormCoreWriter.ArrayRef(t, "gamma", "Gamma"));
            w.Line(SampleNormCoreWriter.SpanRef(t, "gammaGradStart", "gammaGrad"));
        }

        w.Open("for (int n = 0; n < inverseStd.Length; n++)");
        w.Line(SampleNormCoreWriter.RowRef(t, "xRow", "xStart", "Features"));
        w.Line(SampleNormCoreWriter.RowRef(t, "dyRow", "dyStart", "Features"));
        w.Line(SampleNormCoreWriter.RowRef(t, "dxRow", "dxStart", "Features"));
        w.Line(t + " inverseRms = inverseStd[n];");
        if (spec.Affine)
        {
            w.Line(t + " sumGXhat = RowKernels.ScaleBackwardSums(ref xRow, ref dyRow, ref gamma, ref gammaGradStart, Features, inverseRms, streaming);");
            w.Line("RowKernels.ScaleBackwardInput(ref xRow, ref dyRow, ref dxRow, ref gamma, Features, inverseRms, xhatCoefficient: -sumGXhat / Features, streaming);");
        }
        else
        {
            w.Line("// g = dy and xhat = x * invrms: dx = invrms * (dy - sum(dy * xhat) / F * xhat), linear in dy and x.");
            w.Line("SegmentKernels.BackwardSums(ref xRow, ref dyRow, Features, pivot: 0, relu: false, scale: 0, shift: 0, streaming, out " + t + " sumDyX);");
            w.Line(t + " sumGXhat = inverseRms * sumDyX;");
            w.Line("SegmentKernels.BackwardInput(");
            w.Line("    ref xRow, ref dyRow, ref dxRow, Features, pivot: 0, relu: false, scale: 0, shift: 0,");
            w.Line("    dyCoefficient: inverseRms, xCoefficient: -inverseRms * inverseRms * sumGXhat / Features, bias: 0, streaming);");
        }

        w.Close();
        w.Close();
    }
}
