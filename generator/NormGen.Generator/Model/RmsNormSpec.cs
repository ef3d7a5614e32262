namespace NormGen.Generator.Model;

/// <summary>An RMS-norm layer over (batch, Features): <c>y = x / sqrt(mean(x^2) + Epsilon) * Gamma</c> per sample.</summary>
/// <param name="Target">Where the public members go.</param>
/// <param name="Element">float or double.</param>
/// <param name="Epsilon">Added to the mean square before the square root.</param>
/// <param name="Affine">Whether the layer has a learnable per-feature Gamma (it never has a Beta).</param>
/// <param name="Features">Values normalized together per sample.</param>
internal sealed record RmsNormSpec(
    TargetType Target,
    ElementKind Element,
    double Epsilon,
    bool Affine,
    int Features)
    : LayerSpec(Target, Element, Epsilon, Affine);
