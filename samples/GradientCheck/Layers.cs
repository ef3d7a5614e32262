using NormGen;

namespace GradientCheckSample;

// Double-precision layers, so that finite differences are accurate to about 1e-10.

/// <summary>Batch norm over 5 features (BatchNorm1d).</summary>
[BatchNorm(Features = 5, ElementType = typeof(double))]
internal sealed partial class BatchNorm1d
{
}

/// <summary>Spatial batch norm over 3 channels of 2 x 2 pixels (BatchNorm2d, NCHW).</summary>
[BatchNorm(Features = 3, Spatial = 4, ElementType = typeof(double))]
internal sealed partial class BatchNorm2d
{
}

/// <summary>Batch norm with a fused ReLU.</summary>
[BatchNorm(Features = 5, ElementType = typeof(double), Activation = Activation.Relu)]
internal sealed partial class BatchNormRelu
{
}

/// <summary>Layer norm over 6 features.</summary>
[LayerNorm(Features = 6, ElementType = typeof(double))]
internal sealed partial class LayerNorm6
{
}

/// <summary>RMS norm over 6 features (no Beta, so its dBeta error is 0).</summary>
[RmsNorm(Features = 6, ElementType = typeof(double))]
internal sealed partial class RmsNorm6
{
}

/// <summary>Group norm: 4 channels in 2 groups, 3 positions each.</summary>
[GroupNorm(Groups = 2, Channels = 4, Spatial = 3, ElementType = typeof(double))]
internal sealed partial class GroupNorm4
{
}

/// <summary>Instance norm: 3 channels of 4 positions.</summary>
[InstanceNorm(Channels = 3, Spatial = 4, ElementType = typeof(double))]
internal sealed partial class InstanceNorm3
{
}
