using System.Collections.Generic;

namespace NormGen.Generator.Emitting;

/// <summary>
/// The public members every kind declares the same way, forwarding to the layer's core: the name, the sample length,
/// the training flag, the parameter arrays, Forward and Backward. Their docs come from the kind's <see cref="LayerSurface"/>.
/// </summary>
internal static class CommonMembers
{
    /// <summary>Written after the kind's constants.</summary>
    public static IReadOnlyList<PublicMember<LayerSurface>> Properties { get; } = new[]
    {
        new PublicMember<LayerSurface>("Name", (w, _) => w.Forwarded("The layer's name in error messages.", "string", "Name")),
        new PublicMember<LayerSurface>("SampleLength", (w, s) => w.Forwarded("Elements per sample: " + s.SampleLength + ".", "int", "SampleLength")),
        new PublicMember<LayerSurface>("Training", (w, s) => w.ForwardedSettable(s.Training, "bool", "Training")),
        new PublicMember<LayerSurface>("MaxDegreeOfParallelism", (w, _) => w.ForwardedSettable(
            "The most threads one call may use: 1 (default) runs on the calling thread, 0 or less every processor; results are bit-identical whatever the value.",
            "int",
            "MaxDegreeOfParallelism")),
        new PublicMember<LayerSurface>("Gamma", (w, s) => w.Forwarded(
            s.Affine ? "Learnable scale per " + s.ParameterNoun + ", initialized to 1." : NotAffine, w.T + "[]", "Gamma")),
        new PublicMember<LayerSurface>("Beta", (w, s) => w.Forwarded(
            HasShift(s) ? "Learnable shift per " + s.ParameterNoun + ", initialized to 0." : NoShift(s), w.T + "[]", "Beta")),
        new PublicMember<LayerSurface>("GammaGrad", (w, s) => w.Forwarded(
            s.Affine ? "Gradient of the loss with respect to Gamma, written by Backward." : NotAffine, w.T + "[]", "GammaGrad")),
        new PublicMember<LayerSurface>("BetaGrad", (w, s) => w.Forwarded(
            HasShift(s) ? "Gradient of the loss with respect to Beta, written by Backward." : NoShift(s), w.T + "[]", "BetaGrad")),
    };

    /// <summary>Written after the kind's properties.</summary>
    public static IReadOnlyList<PublicMember<LayerSurface>> Methods { get; } = new[]
    {
        new PublicMember<LayerSurface>("Forward", (w, s) => w.ForwardedMethod(
            s.Forward, "Forward", new[] { (w.ReadOnlySpan, "x"), (w.Span, "y") }, ("ArgumentException", s.ForwardThrows))),
        new PublicMember<LayerSurface>("Backward", (w, s) => w.ForwardedMethod(
            s.Backward,
            "Backward",
            new[] { (w.ReadOnlySpan, "x"), (w.ReadOnlySpan, "dy"), (w.Span, "dx") },
            ("ArgumentException", s.BackwardThrows.Argument),
            ("InvalidOperationException", s.BackwardThrows.InvalidOperation))),
    };

    private const string NotAffine = "Empty: the layer is not affine (Affine = false), so it has no learnable scale or shift.";

    private static bool HasShift(LayerSurface s) => s.Affine && s.NoShift is null;

    private static string NoShift(LayerSurface s) => s.Affine ? "Empty: " + s.NoShift : NotAffine;
}
