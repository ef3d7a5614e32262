using NormGen;

namespace NormGen.Tests;

// The layers the numerics tests run: every Features size the issue names, in float and double.
[BatchNorm(Features = 1)] public partial class BnF1 { }
[BatchNorm(Features = 3)] public partial class BnF3 { }
[BatchNorm(Features = 7)] public partial class BnF7 { }
[BatchNorm(Features = 8)] public partial class BnF8 { }
[BatchNorm(Features = 16)] public partial class BnF16 { }
[BatchNorm(Features = 100)] public partial class BnF100 { }
[BatchNorm(Features = 128)] public partial class BnF128 { }
[BatchNorm(Features = 1000)] public partial class BnF1000 { }
[BatchNorm(Features = 4097)] public partial class BnF4097 { }

[BatchNorm(Features = 1, ElementType = typeof(double))] public partial class BnD1 { }
[BatchNorm(Features = 3, ElementType = typeof(double))] public partial class BnD3 { }
[BatchNorm(Features = 7, ElementType = typeof(double))] public partial class BnD7 { }
[BatchNorm(Features = 8, ElementType = typeof(double))] public partial class BnD8 { }
[BatchNorm(Features = 16, ElementType = typeof(double))] public partial class BnD16 { }
[BatchNorm(Features = 100, ElementType = typeof(double))] public partial class BnD100 { }
[BatchNorm(Features = 128, ElementType = typeof(double))] public partial class BnD128 { }
[BatchNorm(Features = 1000, ElementType = typeof(double))] public partial class BnD1000 { }
[BatchNorm(Features = 4097, ElementType = typeof(double))] public partial class BnD4097 { }

[BatchNorm(Features = 5, ElementType = typeof(double), Epsilon = 1e-5)] public partial class CheckNorm { }

// Spatial batch norm (NCHW flattened to (batch, Features, Spatial)), fused ReLU, non-affine, biased running variance.
[BatchNorm(Features = 3, Spatial = 5)] public partial class BnSpatialF3x5 { }
[BatchNorm(Features = 16, Spatial = 17)] public partial class BnSpatialF16x17 { }
[BatchNorm(Features = 4, Spatial = 256, ElementType = typeof(double))] public partial class BnSpatialD4x256 { }
[BatchNorm(Features = 3, Spatial = 7, ElementType = typeof(double))] public partial class BnSpatialD3x7 { }
[BatchNorm(Features = 100, Activation = Activation.Relu)] public partial class BnReluF100 { }
[BatchNorm(Features = 21, Activation = Activation.Relu, ElementType = typeof(double))] public partial class BnReluD21 { }
[BatchNorm(Features = 6, Spatial = 9, Activation = Activation.Relu, ElementType = typeof(double))] public partial class BnSpatialReluD6x9 { }
[BatchNorm(Features = 37, Affine = false, ElementType = typeof(double))] public partial class BnNoAffineD37 { }
[BatchNorm(Features = 37, UnbiasedRunningVariance = false, Momentum = 0.7, ElementType = typeof(double))] public partial class BnBiasedD37 { }
