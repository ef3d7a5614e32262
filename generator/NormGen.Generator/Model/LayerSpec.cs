namespace NormGen.Generator.Model;

/// <summary>The element type of a layer's spans and parameters.</summary>
internal enum ElementKind
{
    Float,
    Double,
}

/// <summary>Mirrors NormGen.RunningStatsMode (the runtime enum; values must match).</summary>
internal enum RunningStatsKind
{
    Exponential = 0,
    Cumulative = 1,
    None = 2,
}

/// <summary>Mirrors NormGen.Activation (the runtime enum; values must match).</summary>
internal enum ActivationKind
{
    None = 0,
    Relu = 1,
}

/// <summary>
/// What every layer kind has in common. A kind adds its own sealed record with its shape and options;
/// specs hold only strings, numbers, enums and equatable arrays, so the pipeline caches them.
/// </summary>
/// <param name="Target">Where the members go.</param>
/// <param name="Element">float or double.</param>
/// <param name="Epsilon">Added to the variance before the square root.</param>
/// <param name="Affine">Whether the layer has learnable Gamma (and Beta).</param>
internal abstract record LayerSpec(TargetType Target, ElementKind Element, double Epsilon, bool Affine);

/// <summary>A batch-norm layer over (batch, Features, Spatial).</summary>
internal sealed record BatchNormSpec(
    TargetType Target,
    ElementKind Element,
    double Epsilon,
    bool Affine,
    int Features,
    int Spatial,
    double Momentum,
    bool UnbiasedRunningVariance,
    RunningStatsKind RunningStats,
    ActivationKind Activation)
    : LayerSpec(Target, Element, Epsilon, Affine);
