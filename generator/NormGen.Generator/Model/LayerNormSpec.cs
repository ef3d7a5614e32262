using NormGen.Generator.Shared;

namespace NormGen.Generator.Model;

/// <summary>A layer-norm layer over (batch, Features): per-sample statistics over the last dimension.</summary>
/// <param name="Target">Where the public members go.</param>
/// <param name="Element">float or double.</param>
/// <param name="Epsilon">Added to the variance before the square root.</param>
/// <param name="Affine">Whether the layer has learnable per-feature Gamma and Beta.</param>
/// <param name="Features">Values normalized together per sample.</param>
/// <param name="Activation">The activation fused after the normalization.</param>
internal sealed record LayerNormSpec(
    TargetType Target,
    ElementKind Element,
    double Epsilon,
    bool Affine,
    int Features,
    Activation Activation)
    : LayerSpec(Target, Element, Epsilon, Affine);
