using System.Collections.Generic;
using NormGen.Generator.Model;

namespace NormGen.Generator.Emitting;

/// <summary>
/// Writes an RMS-norm layer: each row is divided by its root mean square and scaled by a per-feature Gamma
/// (no Beta). Each row is one call to the runtime's row primitives with the constant length Features:
/// <c>SegmentKernels</c> for the sum of squares (and the whole row when the layer is not affine),
/// <c>RowKernels</c> for the per-feature Gamma.
/// </summary>
internal static class RmsNormEmitter
{
    public static string Emit(RmsNormSpec spec)
    {
        string t = Literals.TypeKeyword(spec.Element);
        return LayerFileEmitter.Emit(
            spec.Target,
            Describe(spec),
            "global::NormGen.INormalizationLayer<" + t + ">",
            w => new Writer(spec, w).WriteAll());
    }

    private static string[] Describe(RmsNormSpec spec)
    {
        string f = Literals.Int(spec.Features);
        var lines = new List<string>
        {
            "RMS normalization of " + Literals.TypeKeyword(spec.Element) + " x with shape " + RowKernelsMembers.ShapeText(spec.Features) +
                ", row-major, over the " + f + " features of each sample",
            "(PyTorch nn.RMSNorm(" + f + ", eps=" + Literals.Double(spec.Epsilon) + (spec.Affine ? "" : ", elementwise_affine=False") +
                ")). No mean is subtracted and there is no Beta.",
            "Training and inference compute the same thing.",
            "",
            "Forward, per sample n (F = " + f + "):",
            "  invrms_n = 1 / sqrt((1/F) sum_f x[n,f]^2 + " + Literals.Double(spec.Epsilon) + "),  xhat[n,f] = x[n,f] * invrms_n",
            "  y[n,f] = " + (spec.Affine ? "Gamma_f * xhat[n,f]" : "xhat[n,f]"),
            "Backward, per sample, with g = dy" + (spec.Affine ? " * Gamma" : "") + ":",
            "  dx = invrms_n * (g - xhat * (1/F) sum_f (g * xhat))",
        };
        if (spec.Affine)
        {
            lines.Add("  GammaGrad_f = sum_n dy * xhat[n,f]");
        }

        lines.Add("");
        lines.Add("Numerics: the sum of squares has no cancellation (every term is positive), so one pass suffices.");
        lines.AddRange(RowKernelsMembers.SharedDescription(
            "State: between Forward and Backward only 1/rms of each sample, in arrays sized for the largest batch seen",
            "(they grow when a larger batch arrives, so steady-state calls allocate nothing)."));
        return lines.ToArray();
    }

    /// <summary>Holds the spec and the writer while the members are written.</summary>
    private sealed class Writer
    {
        private readonly RmsNormSpec _spec;
        private readonly SourceWriter _w;
        private readonly RowKernelsMembers _members;
        private readonly string _t;

        public Writer(RmsNormSpec spec, SourceWriter writer)
        {
            _spec = spec;
            _w = writer;
            _members = new RowKernelsMembers(writer, spec, spec.Features);
            _t = Literals.TypeKeyword(spec.Element);
        }

        public void WriteAll()
        {
            _members.WriteConstants("Added to the mean square before the square root.");
            _members.WriteParameters(hasBeta: false);
            _members.WriteState("Per-sample state of the last Forward, for Backward: 1 / rms of each sample.", "_inverseRms");
            WriteForward();
            WriteBackward();
            _members.WriteEnsureCapacity("_inverseRms");
        }

        private void WriteForward()
        {
            var w = _w;
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Normalizes each sample of x, shape " + RowKernelsMembers.ShapeText(_spec.Features) + ", into y of the same shape:");
            w.Line("/// y = x / sqrt(mean(x^2) + Epsilon)" + (_spec.Affine ? " * Gamma" : "") + ". The same in training and inference. y may be x itself.");
            w.Line("/// </summary>");
            w.Line("/// <exception cref=\"ArgumentException\">x is not a positive multiple of " + Literals.Int(_spec.Features) + " elements, or y differs in length.</exception>");
            w.Open("public void Forward(ReadOnlySpan<" + _t + "> x, Span<" + _t + "> y)");
            _members.WriteForwardChecks();
            w.Line("EnsureCapacity(batch);");
            w.Line(_members.SpanRef("xStart", "x"));
            w.Line(_members.SpanRef("yStart", "y"));
            if (_spec.Affine)
            {
                w.Line(_members.ArrayRef("gamma", "Gamma"));
            }

            w.Open("for (int n = 0; n < batch; n++)");
            w.Line(_members.RowRef("xRow", "xStart"));
            w.Line(_members.RowRef("yRow", "yStart"));
            w.Line("// The squared deviations about 0 are the squares.");
            w.Line(_t + " squares = SegmentKernels.SumOfSquaredDeviations(ref xRow, Features, pivot: 0, mean: 0);");
            w.Line(_t + " inverseRms = " + _members.InverseSqrt("(double)squares / Features") + ";");
            w.Line("_inverseRms[n] = inverseRms;");
            if (_spec.Affine)
            {
                w.Line("RowKernels.ScaleNormalize(ref xRow, ref yRow, ref gamma, Features, inverseRms);");
            }
            else
            {
                w.Line("SegmentKernels.ScaleShift(ref xRow, ref yRow, Features, center: 0, scale: inverseRms, shift: 0, relu: false);");
            }

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
            w.Line("/// Back-propagates dy through the last Forward on the same x: writes dx" + (_spec.Affine ? " and overwrites GammaGrad" : "") + ".");
            w.Line("/// Per sample, dx = invrms * (g - xhat * mean(g * xhat)) with g = dy" + (_spec.Affine ? " * Gamma" : "") + ". dx may be dy itself.");
            w.Line("/// </summary>");
            w.Line("/// <exception cref=\"ArgumentException\">x is not a positive multiple of " + Literals.Int(_spec.Features) + " elements, or dy or dx differs in length from x.</exception>");
            w.Line("/// <exception cref=\"InvalidOperationException\">No Forward preceded this call, or it saw a different batch size.</exception>");
            w.Open("public void Backward(ReadOnlySpan<" + _t + "> x, ReadOnlySpan<" + _t + "> dy, Span<" + _t + "> dx)");
            _members.WriteBackwardChecks();
            w.Line(_members.SpanRef("xStart", "x"));
            w.Line(_members.SpanRef("dyStart", "dy"));
            w.Line(_members.SpanRef("dxStart", "dx"));
            if (_spec.Affine)
            {
                w.Line("Array.Clear(GammaGrad);");
                w.Line(_members.ArrayRef("gamma", "Gamma"));
                w.Line(_members.ArrayRef("gammaGrad", "GammaGrad"));
            }

            w.Open("for (int n = 0; n < batch; n++)");
            w.Line(_members.RowRef("xRow", "xStart"));
            w.Line(_members.RowRef("dyRow", "dyStart"));
            w.Line(_members.RowRef("dxRow", "dxStart"));
            w.Line(_t + " inverseRms = _inverseRms[n];");
            if (_spec.Affine)
            {
                w.Line(_t + " sumGXhat = RowKernels.ScaleBackwardSums(ref xRow, ref dyRow, ref gamma, ref gammaGrad, Features, inverseRms);");
                w.Line("RowKernels.ScaleBackwardInput(ref xRow, ref dyRow, ref dxRow, ref gamma, Features, inverseRms, xhatCoefficient: -sumGXhat / Features);");
            }
            else
            {
                w.Line("// g = dy and xhat = x * invrms: dx = invrms * (dy - sum(dy * xhat) / F * xhat), linear in dy and x.");
                w.Line("SegmentKernels.BackwardSums(ref xRow, ref dyRow, Features, pivot: 0, relu: false, scale: 0, shift: 0, out " + _t + " sumDyX);");
                w.Line(_t + " sumGXhat = inverseRms * sumDyX;");
                w.Line("SegmentKernels.BackwardInput(");
                w.Line("    ref xRow, ref dyRow, ref dxRow, Features, pivot: 0, relu: false, scale: 0, shift: 0,");
                w.Line("    dyCoefficient: inverseRms, xCoefficient: -inverseRms * inverseRms * sumGXhat / Features, bias: 0);");
            }

            w.Close();
            w.Close();
        }
    }
}
