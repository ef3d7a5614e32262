using NormGen;

namespace NormGen.Tests.LayerNorm;

// The layers the layer-norm tests run: every Features size the issue names, in float and double, affine or not,
// with or without a fused ReLU. Names: Ln{Features}{Relu}{NoAffine}{F32|F64}.

[LayerNorm(Features = 1)] public partial class Ln1F32 { }
[LayerNorm(Features = 3)] public partial class Ln3F32 { }
[LayerNorm(Features = 7)] public partial class Ln7F32 { }
[LayerNorm(Features = 16)] public partial class Ln16F32 { }
[LayerNorm(Features = 100)] public partial class Ln100F32 { }
[LayerNorm(Features = 128)] public partial class Ln128F32 { }
[LayerNorm(Features = 1000)] public partial class Ln1000F32 { }
[LayerNorm(Features = 1, ElementType = typeof(double))] public partial class Ln1F64 { }
[LayerNorm(Features = 3, ElementType = typeof(double))] public partial class Ln3F64 { }
[LayerNorm(Features = 7, ElementType = typeof(double))] public partial class Ln7F64 { }
[LayerNorm(Features = 16, ElementType = typeof(double))] public partial class Ln16F64 { }
[LayerNorm(Features = 100, ElementType = typeof(double))] public partial class Ln100F64 { }
[LayerNorm(Features = 128, ElementType = typeof(double))] public partial class Ln128F64 { }
[LayerNorm(Features = 1000, ElementType = typeof(double))] public partial class Ln1000F64 { }

[LayerNorm(Features = 1, Affine = false)] public partial class Ln1NoAffineF32 { }
[LayerNorm(Features = 3, Affine = false)] public partial class Ln3NoAffineF32 { }
[LayerNorm(Features = 7, Affine = false)] public partial class Ln7NoAffineF32 { }
[LayerNorm(Features = 16, Affine = false)] public partial class Ln16NoAffineF32 { }
[LayerNorm(Features = 100, Affine = false)] public partial class Ln100NoAffineF32 { }
[LayerNorm(Features = 128, Affine = false)] public partial class Ln128NoAffineF32 { }
[LayerNorm(Features = 1000, Affine = false)] public partial class Ln1000NoAffineF32 { }
[LayerNorm(Features = 1, ElementType = typeof(double), Affine = false)] public partial class Ln1NoAffineF64 { }
[LayerNorm(Features = 3, ElementType = typeof(double), Affine = false)] public partial class Ln3NoAffineF64 { }
[LayerNorm(Features = 7, ElementType = typeof(double), Affine = false)] public partial class Ln7NoAffineF64 { }
[LayerNorm(Features = 16, ElementType = typeof(double), Affine = false)] public partial class Ln16NoAffineF64 { }
[LayerNorm(Features = 100, ElementType = typeof(double), Affine = false)] public partial class Ln100NoAffineF64 { }
[LayerNorm(Features = 128, ElementType = typeof(double), Affine = false)] public partial class Ln128NoAffineF64 { }
[LayerNorm(Features = 1000, ElementType = typeof(double), Affine = false)] public partial class Ln1000NoAffineF64 { }

[LayerNorm(Features = 1, Activation = Activation.Relu)] public partial class Ln1ReluF32 { }
[LayerNorm(Features = 3, Activation = Activation.Relu)] public partial class Ln3ReluF32 { }
[LayerNorm(Features = 7, Activation = Activation.Relu)] public partial class Ln7ReluF32 { }
[LayerNorm(Features = 16, Activation = Activation.Relu)] public partial class Ln16ReluF32 { }
[LayerNorm(Features = 100, Activation = Activation.Relu)] public partial class Ln100ReluF32 { }
[LayerNorm(Features = 128, Activation = Activation.Relu)] public partial class Ln128ReluF32 { }
[LayerNorm(Features = 1000, Activation = Activation.Relu)] public partial class Ln1000ReluF32 { }
[LayerNorm(Features = 1, ElementType = typeof(double), Activation = Activation.Relu)] public partial class Ln1ReluF64 { }
[LayerNorm(Features = 3, ElementType = typeof(double), Activation = Activation.Relu)] public partial class Ln3ReluF64 { }
[LayerNorm(Features = 7, ElementType = typeof(double), Activation = Activation.Relu)] public partial class Ln7ReluF64 { }
[LayerNorm(Features = 16, ElementType = typeof(double), Activation = Activation.Relu)] public partial class Ln16ReluF64 { }
[LayerNorm(Features = 100, ElementType = typeof(double), Activation = Activation.Relu)] public partial class Ln100ReluF64 { }
[LayerNorm(Features = 128, ElementType = typeof(double), Activation = Activation.Relu)] public partial class Ln128ReluF64 { }
[LayerNorm(Features = 1000, ElementType = typeof(double), Activation = Activation.Relu)] public partial class Ln1000ReluF64 { }

[LayerNorm(Features = 1, Affine = false, Activation = Activation.Relu)] public partial class Ln1ReluNoAffineF32 { }
[LayerNorm(Features = 3, Affine = false, Activation = Activation.Relu)] public partial class Ln3ReluNoAffineF32 { }
[LayerNorm(Features = 7, Affine = false, Activation = Activation.Relu)] public partial class Ln7ReluNoAffineF32 { }
[LayerNorm(Features = 16, Affine = false, Activation = Activation.Relu)] public partial class Ln16ReluNoAffineF32 { }
[LayerNorm(Features = 100, Affine = false, Activation = Activation.Relu)] public partial class Ln100ReluNoAffineF32 { }
[LayerNorm(Features = 128, Affine = false, Activation = Activation.Relu)] public partial class Ln128ReluNoAffineF32 { }
[LayerNorm(Features = 1000, Affine = false, Activation = Activation.Relu)] public partial class Ln1000ReluNoAffineF32 { }
[LayerNorm(Features = 1, ElementType = typeof(double), Affine = false, Activation = Activation.Relu)] public partial class Ln1ReluNoAffineF64 { }
[LayerNorm(Features = 3, ElementType = typeof(double), Affine = false, Activation = Activation.Relu)] public partial class Ln3ReluNoAffineF64 { }
[LayerNorm(Features = 7, ElementType = typeof(double), Affine = false, Activation = Activation.Relu)] public partial class Ln7ReluNoAffineF64 { }
[LayerNorm(Features = 16, ElementType = typeof(double), Affine = false, Activation = Activation.Relu)] public partial class Ln16ReluNoAffineF64 { }
[LayerNorm(Features = 100, ElementType = typeof(double), Affine = false, Activation = Activation.Relu)] public partial class Ln100ReluNoAffineF64 { }
[LayerNorm(Features = 128, ElementType = typeof(double), Affine = false, Activation = Activation.Relu)] public partial class Ln128ReluNoAffineF64 { }
[LayerNorm(Features = 1000, ElementType = typeof(double), Affine = false, Activation = Activation.Relu)] public partial class Ln1000ReluNoAffineF64 { }

// Epsilon other than the default, for the parser-to-generated-code path.
[LayerNorm(Features = 5, Epsilon = 0.25, ElementType = typeof(double))] public partial class Ln5Eps025F64 { }
