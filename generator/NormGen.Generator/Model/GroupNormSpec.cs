namespace NormGen.Generator.Model;

/// <summary>
/// A group-normalization layer over (batch, Channels, Spatial): per sample, each of Groups groups of
/// Channels / Groups consecutive channels is normalized over all of its values. Also serves [InstanceNorm],
/// which is the same layer with Groups == Channels (one channel per group).
/// </summary>
/// <param name="Target">Where the public members go.</param>
/// <param name="Element">float or double.</param>
/// <param name="Epsilon">Added to the variance before the square root.</param>
/// <param name="Affine">Whether the layer has learnable per-channel Gamma and Beta.</param>
/// <param name="Groups">Number of groups; divides <paramref name="Channels"/> (equal to it for instance norm).</param>
/// <param name="Channels">Channels per sample.</param>
/// <param name="Spatial">Spatial positions per channel.</param>
/// <param name="IsInstanceNorm">True when declared with [InstanceNorm]: no public Groups constant, instance-norm wording.</param>
internal sealed record GroupNormSpec(
    TargetType Target,
    ElementKind Element,
    double Epsilon,
    bool Affine,
    int Groups,
    int Channels,
    int Spatial,
    bool IsInstanceNorm)
    : LayerSpec(Target, Element, Epsilon, Affine)
{
    /// <summary>Channels normalized together: Channels / Groups.</summary>
    public int ChannelsPerGroup => Channels / Groups;

    /// <summary>Values per (sample, group), contiguous in memory: ChannelsPerGroup * Spatial.</summary>
    public int GroupLength => ChannelsPerGroup * Spatial;
}
