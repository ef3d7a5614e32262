namespace NormGen.Generator.Model;

/// <summary>The element type of a layer's spans and parameters.</summary>
internal enum ElementKind
{
    Float,
    Double,
}

/// <summary>
/// What every layer kind has in common. A kind adds its own sealed record with its shape and options; specs hold only
/// strings, numbers, enums and equatable arrays, so the incremental pipeline caches them.
/// </summary>
/// <param name="Target">Where the public members go.</param>
/// <param name="Element">float or double.</param>
/// <param name="Epsilon">Added to the variance (or mean square) before the square root.</param>
/// <param name="Affine">Whether the layer has learnable Gamma (and Beta).</param>
internal abstract record LayerSpec(TargetType Target, ElementKind Element, double Epsilon, bool Affine);
