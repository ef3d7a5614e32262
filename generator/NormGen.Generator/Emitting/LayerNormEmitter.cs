using System.Collections.Generic;
using NormGen.Generator.Model;

namespace NormGen.Generator.Emitting;

/// <summary>
/// Writes a layer-norm layer: per-sample statistics over the Features values of each row, per-feature Gamma and
/// Beta, an optional fused ReLU. Each row is one call to the runtime's row primitives with the constant length
/// Features: <c>SegmentKernels</c> for the statistics (and the whole row when the layer is not affine),
/// <c>RowKernels</c> for the per-feature Gamma and Beta.
/// </summary>
internal static class LayerNormEmitter
{
    public static string Emit(LayerNormSpec spec)
    {
        string t = Literals.TypeKeyword(spec.Element);
        return LayerFileEmitter.Emit(
            spec.Target,
            Describe(spec),
            "global::NormGen.INormalizationLayer<" + t + ">",
            w => new Writer(spec, w).WriteAll());
    }

    private static string[] Describe(LayerNormSpec spec)
    {
        bool relu = spec.Activation == ActivationKind.Relu;
        string f = Literals.Int(spec.Features);
        string value = (spec.Affine ? "Gamma_f * xhat[n,f] + Beta_f" : "xhat[n,f]");
        var lines = new List<string>
        {
            "Layer normalization of " + Literals.TypeKeyword(spec.Element) + " x with shape " + RowKernelsMembers.ShapeText(spec.Features) +
                ", row-major, over the " + f + " features of each sample",
            "(PyTorch nn.LayerNorm(" + f + ", eps=" + Literals.Double(spec.Epsilon) + (spec.Affine ? "" : ", elementwise_affine=False") + ")" +
                (relu ? " followed by ReLU" : "") + ", cs231n layernorm).",
            "Training and inference compute the same thing.",
            "",
            "Forward, per sample n (F = " + f + "):",
            "  mean_n = (1/F) sum_f x[n,f],  var_n = (1/F) sum_f (x[n,f] - mean_n)^2   (biased)",
            "  xhat[n,f] = (x[n,f] - mean_n) * invstd_n,  invstd_n = 1 / sqrt(var_n + " + Literals.Double(spec.Epsilon) + ")",
            "  y[n,f] = " + (relu ? "max(0, " + value + ")" : value),
            "Backward, per sample, with g = dy" + (spec.Affine ? " * Gamma" : "") + (relu ? " (dy masked to 0 where y = 0)" : "") + ":",
            "  dx = invstd_n / F * (F * g - sum_f g - xhat * sum_f (g * xhat))",
        };
        if (spec.Affine)
        {
            lines.Add("  GammaGrad_f = sum_n dy * xhat[n,f],  BetaGrad_f = sum_n dy" + (relu ? "   (the masked dy)" : ""));
        }

        lines.Add("");
        lines.Add("Numerics: each row's statistics are taken of x - pivot (the row's first value) in two passes over the row,");
        lines.Add("which is still in cache for the second, so a row with a large mean and a small spread keeps its digits.");
        lines.AddRange(RowKernelsMembers.SharedDescription(
            "State: between Forward and Backward only the mean (relative to the pivot, which Backward re-reads from x) and",
            "1/std of each sample, in arrays sized for the largest batch seen (they grow when a larger batch arrives, so",
            "steady-state calls allocate nothing)."));
        return lines.ToArray();
    }

    /// <summary>Holds the spec and the writer while the members are written.</summary>
    private sealed class Writer
    {
        private readonly LayerNormSpec _spec;
        private readonly SourceWriter _w;
        private readonly RowKernelsMembers _members;
        private readonly string _t;

        public Writer(LayerNormSpec spec, SourceWriter writer)
        {
            _spec = spec;
            _w = writer;
            _members = new RowKernelsMembers(writer, spec, spec.Features);
            _t = Literals.TypeKeyword(spec.Element);
        }

        private string Relu => _spec.Activation == ActivationKind.Relu ? "true" : "false";

        public void WriteAll()
        {
            _members.WriteConstants("Added to the variance before the square root.");
            _members.WriteParameters(hasBeta: true);
            _members.WriteState(
                "Per-sample state of the last Forward, for Backward: the mean relative to the row's first value, and 1/std.",
                "_centeredMean",
                "_inverseStd");
            WriteForward();
            WriteBackward();
            _members.WriteEnsureCapacity("_centeredMean", "_inverseStd");
        }

        private void WriteForward()
        {
            var w = _w;
            string relu = _spec.Activation == ActivationKind.Relu ? "max(0, " : "";
            string close = _spec.Activation == ActivationKind.Relu ? ")" : "";
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Normalizes each sample of x, shape " + RowKernelsMembers.ShapeText(_spec.Features) + ", into y of the same shape:");
            w.Line("/// y = " + relu + (_spec.Affine ? "Gamma * xhat + Beta" : "xhat") + close + ". The same in training and inference. y may be x itself.");
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
                w.Line(_members.ArrayRef("beta", "Beta"));
            }

            w.Open("for (int n = 0; n < batch; n++)");
            w.Line(_members.RowRef("xRow", "xStart"));
            w.Line(_members.RowRef("yRow", "yStart"));
            w.Line("// Two passes over x - pivot; the pivot is read before y, which may be x, is written.");
            w.Line(_t + " pivot = xRow;");
            w.Line(_t + " mean = SegmentKernels.SumOfDifferences(ref xRow, Features, pivot) / Features;");
            w.Line(_t + " m2 = SegmentKernels.SumOfSquaredDeviations(ref xRow, Features, pivot, mean);");
            w.Line(_t + " inverseStd = " + _members.InverseSqrt("(double)m2 / Features") + ";");
            w.Line("_centeredMean[n] = mean;");
            w.Line("_inverseStd[n] = inverseStd;");
            if (_spec.Affine)
            {
                w.Line("RowKernels.AffineNormalize(ref xRow, ref yRow, ref gamma, ref beta, Features, pivot, mean, inverseStd, relu: " + Relu + ");");
            }
            else
            {
                w.Line("SegmentKernels.ScaleShift(ref xRow, ref yRow, Features, center: pivot, scale: inverseStd, shift: -mean * inverseStd, relu: " + Relu + ");");
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
            w.Line("/// Back-propagates dy through the last Forward on the same x: writes dx" + (_spec.Affine ? " and overwrites GammaGrad and BetaGrad" : "") + ".");
            w.Line("/// Per sample, dx = invstd / F * (F * g - sum(g) - xhat * sum(g * xhat)) with g = dy" + (_spec.Affine ? " * Gamma" : "") +
                (_spec.Activation == ActivationKind.Relu ? ", dy masked where y = 0" : "") + ". dx may be dy itself.");
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
                w.Line("Array.Clear(BetaGrad);");
                w.Line(_members.ArrayRef("gamma", "Gamma"));
                w.Line(_members.ArrayRef("beta", "Beta"));
                w.Line(_members.ArrayRef("gammaGrad", "GammaGrad"));
                w.Line(_members.ArrayRef("betaGrad", "BetaGrad"));
            }

            w.Open("for (int n = 0; n < batch; n++)");
            w.Line(_members.RowRef("xRow", "xStart"));
            w.Line(_members.RowRef("dyRow", "dyStart"));
            w.Line(_members.RowRef("dxRow", "dxStart"));
            w.Line(_t + " pivot = xRow, mean = _centeredMean[n], inverseStd = _inverseStd[n];");
            if (_spec.Affine)
            {
                w.Line(_t + " sumG = RowKernels.AffineBackwardSums(");
                w.Line("    ref xRow, ref dyRow, ref gamma, ref beta, ref gammaGrad, ref betaGrad, Features, pivot, mean, inverseStd, relu: " + Relu + ", out " + _t + " sumGXhat);");
                w.Line("// dx = invstd * (g - sum(g * xhat) / F * xhat - sum(g) / F)");
                w.Line("RowKernels.AffineBackwardInput(");
                w.Line("    ref xRow, ref dyRow, ref dxRow, ref gamma, ref beta, Features, pivot, mean, inverseStd, relu: " + Relu + ",");
                w.Line("    xhatCoefficient: -sumGXhat / Features, bias: -sumG / Features);");
            }
            else
            {
                w.Line("// g = dy" + (_spec.Activation == ActivationKind.Relu ? " masked by the ReLU" : "") + "; xhat = (x - pivot) * inverseStd + shift.");
                w.Line(_t + " shift = -mean * inverseStd;");
                w.Line(_t + " sumG = SegmentKernels.BackwardSums(ref xRow, ref dyRow, Features, pivot, relu: " + Relu + ", scale: inverseStd, shift: shift, out " + _t + " sumGCentered);");
                w.Line(_t + " sumGXhat = inverseStd * sumGCentered + shift * sumG;");
                w.Line("// dx = invstd * (g - sum(g * xhat) / F * xhat - sum(g) / F), with xhat expanded in x - pivot.");
                w.Line(_t + " xhatCoefficient = -inverseStd * sumGXhat / Features;");
                w.Line("SegmentKernels.BackwardInput(");
                w.Line("    ref xRow, ref dyRow, ref dxRow, Features, pivot, relu: " + Relu + ", scale: inverseStd, shift: shift,");
                w.Line("    dyCoefficient: inverseStd, xCoefficient: xhatCoefficient * inverseStd, bias: xhatCoefficient * shift - inverseStd * sumG / Features);");
            }

            w.Close();
            w.Close();
        }
    }
}
