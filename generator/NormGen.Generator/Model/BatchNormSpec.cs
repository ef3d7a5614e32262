using NormGen.Generator.Shared;

namespace NormGen.Generator.Model;

/// <summary>A batch-norm layer over row-major (batch, Features, Spatial) input.</summary>
/// <param name="Target">Where the public members go.</param>
/// <param name="Element">float or double.</param>
/// <param name="Epsilon">Added to the variance before the square root.</param>
/// <param name="Affine">Whether the layer has learnable per-feature Gamma and Beta.</param>
/// <param name="Features">Features (channels) per sample.</param>
/// <param name="Spatial">Positions per feature; 1 for (batch, Features) input.</param>
/// <param name="Momentum">Weight of the old running value.</param>
/// <param name="UnbiasedRunningVariance">Whether running variances get the N/(N-1) factor.</param>
/// <param name="RunningStats">How running statistics are kept.</param>
/// <param name="Activation">The activation fused after the normalization.</param>
/// <param name="Renorm">Whether training uses batch renormalization.</param>
/// <param name="RenormMaxScale">r_max of batch renormalization.</param>
/// <param name="RenormMaxShift">d_max of batch renormalization.</param>
/// <param name="VirtualBatchSize">Samples per ghost batch, 0 for none.</param>
internal sealed record BatchNormSpec(
    TargetType Target,
    ElementKind Element,
    double Epsilon,
    bool Affine,
    int Features,
    int Spatial,
    double Momentum,
    bool UnbiasedRunningVariance,
    RunningStatsMode RunningStats,
    Activation Activation,
    bool Renorm = false,
    double RenormMaxScale = 3,
    double RenormMaxShift = 5,
    int VirtualBatchSize = 0)
    : LayerSpec(Target, Element, Epsilon, Affine)
{
    /// <summary>Whether the layer keeps running statistics (anything but RunningStats = None).</summary>
    public bool KeepsRunningStatistics => RunningStats != RunningStatsMode.None;
}
