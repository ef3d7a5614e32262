using NormGen;

namespace DeployFromPyTorch;

// The five nn.BatchNorm1d(100) layers of the PyTorch net, generated for 100 float features. PyTorch's defaults
// (momentum 0.1, eps 1e-5, unbiased running_var) are NormGen's defaults (Momentum 0.9, Epsilon 1e-5).

/// <summary>net.1: batch norm after the first affine layer.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Norm1 { }

/// <summary>net.4.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Norm2 { }

/// <summary>net.7.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Norm3 { }

/// <summary>net.10.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Norm4 { }

/// <summary>net.13.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Norm5 { }
