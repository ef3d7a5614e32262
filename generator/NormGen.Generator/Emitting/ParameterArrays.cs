using NormGen.Generator.Model;

namespace NormGen.Generator.Emitting;

/// <summary>
/// Writes Gamma, Beta, GammaGrad and BetaGrad, the same way for every kind: sized by a constant, or empty when the
/// layer is not affine (or, for Beta, has no shift), with docs that say which.
/// </summary>
internal static class ParameterArrays
{
    /// <param name="w">The writer, inside the class body.</param>
    /// <param name="element">float or double.</param>
    /// <param name="length">The constant that sizes them, e.g. Features or Channels.</param>
    /// <param name="per">What one value belongs to, e.g. feature or channel.</param>
    /// <param name="affine">Whether the layer has learnable parameters at all.</param>
    /// <param name="noShift">Why the layer has no Beta even when affine (RMS norm), or null when it has one.</param>
    public static void Write(SourceWriter w, ElementKind element, string length, string per, bool affine, string? noShift = null)
    {
        string t = Literals.TypeKeyword(element);
        string ones = "FeatureMath.Filled(" + length + ", " + Literals.Element(1, element) + ")";
        string zeros = "new " + t + "[" + length + "]";
        string none = "Array.Empty<" + t + ">()";
        const string notAffine = "Empty: the layer is not affine (Affine = false), so it has no learnable scale or shift.";
        bool hasShift = affine && noShift is null;
        string noShiftDoc = affine ? "Empty: " + noShift : notAffine;

        ArrayProperty(w, t, "Gamma", affine ? "Learnable scale per " + per + ", initialized to 1." : notAffine, affine ? ones : none);
        ArrayProperty(w, t, "Beta", hasShift ? "Learnable shift per " + per + ", initialized to 0." : noShiftDoc, hasShift ? zeros : none);
        ArrayProperty(w, t, "GammaGrad", affine ? "Gradient of the loss with respect to Gamma, written by Backward." : notAffine, affine ? zeros : none);
        ArrayProperty(w, t, "BetaGrad", hasShift ? "Gradient of the loss with respect to Beta, written by Backward." : noShiftDoc, hasShift ? zeros : none);
    }

    /// <summary>Writes <c>public T[] name { get; } = initializer;</c> with its summary.</summary>
    public static void ArrayProperty(SourceWriter w, string t, string name, string summary, string initializer)
    {
        w.Summary(summary);
        w.Line("public " + t + "[] " + name + " { get; } = " + initializer + ";");
        w.Line();
    }
}
