using System.Collections.Generic;
using NormGen.Generator.Model;

namespace NormGen.Generator.Emitting;

/// <summary>The public members and docs layer norm and RMS norm share: both normalize each row of (batch, Features).</summary>
internal static class RowNormDocs
{
    /// <summary>The shape in messages and docs, e.g. <c>(batch, 128)</c>.</summary>
    public static string ShapeText(int features) => "(batch, " + Literals.Int(features) + ")";

    /// <summary>Features and Epsilon, the constants of both kinds.</summary>
    public static PublicMember<TSpec>[] Constants<TSpec>(System.Func<TSpec, int> features, string epsilonSummary)
        where TSpec : LayerSpec => new[]
    {
        new PublicMember<TSpec>("Features", (w, s) => w.Constant("Values per sample, normalized together.", "int", "Features", Literals.Int(features(s)))),
        new PublicMember<TSpec>("Epsilon", (w, s) => w.Constant(epsilonSummary, "double", "Epsilon", Literals.Double(s.Epsilon))),
    };

    /// <summary>The surface of a row-wise layer: the same docs but for the Forward and Backward summaries.</summary>
    public static LayerSurface Surface(LayerSpec spec, int features, string? noShift, string[] forward, string[] backward)
    {
        string t = Literals.TypeKeyword(spec.Element);
        string sampleLength = Literals.Int(features);
        return new LayerSurface(
            t,
            "global::NormGen.INormalizationLayer<" + t + ">",
            "SampleNormCore<" + t + ">",
            "Features",
            "feature",
            spec.Affine,
            noShift,
            "True after construction. Statistics are per sample, so Forward and Backward are the same in training and inference.",
            forward,
            "x is not a positive multiple of " + sampleLength + " elements, or y differs in length.",
            backward,
            ("x is not a positive multiple of " + sampleLength + " elements, or dy or dx differs in length from x.",
             "No Forward preceded this call, or it saw a different batch size."));
    }

    /// <summary>The description lines about kernels that both kinds share, after the kind's own state lines.</summary>
    public static IEnumerable<string> Kernels()
    {
        yield return "Kernels: each row calls the runtime's SegmentKernels and RowKernels with the constant length Features. They are";
        yield return "aggressively inlined, so the JIT folds the length and the flags; the horizontal sums and tails along a row are";
        yield return "written and tested once in the runtime and shared by every row-wise kind.";
    }
}
