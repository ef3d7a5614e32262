using NormGen;

namespace NormGen.Tests.RmsNorm;

// The layers the RMS-norm tests run: every Features size the issue names, in float and double, affine or not.
// Names: Rms{Features}{NoAffine}{F32|F64}.

[RmsNorm(Features = 1)] public partial class Rms1F32 { }
[RmsNorm(Features = 3)] public partial class Rms3F32 { }
[RmsNorm(Features = 7)] public partial class Rms7F32 { }
[RmsNorm(Features = 16)] public partial class Rms16F32 { }
[RmsNorm(Features = 100)] public partial class Rms100F32 { }
[RmsNorm(Features = 128)] public partial class Rms128F32 { }
[RmsNorm(Features = 1000)] public partial class Rms1000F32 { }
[RmsNorm(Features = 1, ElementType = typeof(double))] public partial class Rms1F64 { }
[RmsNorm(Features = 3, ElementType = typeof(double))] public partial class Rms3F64 { }
[RmsNorm(Features = 7, ElementType = typeof(double))] public partial class Rms7F64 { }
[RmsNorm(Features = 16, ElementType = typeof(double))] public partial class Rms16F64 { }
[RmsNorm(Features = 100, ElementType = typeof(double))] public partial class Rms100F64 { }
[RmsNorm(Features = 128, ElementType = typeof(double))] public partial class Rms128F64 { }
[RmsNorm(Features = 1000, ElementType = typeof(double))] public partial class Rms1000F64 { }

[RmsNorm(Features = 1, Affine = false)] public partial class Rms1NoAffineF32 { }
[RmsNorm(Features = 3, Affine = false)] public partial class Rms3NoAffineF32 { }
[RmsNorm(Features = 7, Affine = false)] public partial class Rms7NoAffineF32 { }
[RmsNorm(Features = 16, Affine = false)] public partial class Rms16NoAffineF32 { }
[RmsNorm(Features = 100, Affine = false)] public partial class Rms100NoAffineF32 { }
[RmsNorm(Features = 128, Affine = false)] public partial class Rms128NoAffineF32 { }
[RmsNorm(Features = 1000, Affine = false)] public partial class Rms1000NoAffineF32 { }
[RmsNorm(Features = 1, ElementType = typeof(double), Affine = false)] public partial class Rms1NoAffineF64 { }
[RmsNorm(Features = 3, ElementType = typeof(double), Affine = false)] public partial class Rms3NoAffineF64 { }
[RmsNorm(Features = 7, ElementType = typeof(double), Affine = false)] public partial class Rms7NoAffineF64 { }
[RmsNorm(Features = 16, ElementType = typeof(double), Affine = false)] public partial class Rms16NoAffineF64 { }
[RmsNorm(Features = 100, ElementType = typeof(double), Affine = false)] public partial class Rms100NoAffineF64 { }
[RmsNorm(Features = 128, ElementType = typeof(double), Affine = false)] public partial class Rms128NoAffineF64 { }
[RmsNorm(Features = 1000, ElementType = typeof(double), Affine = false)] public partial class Rms1000NoAffineF64 { }

// Epsilon other than the default.
[RmsNorm(Features = 5, Epsilon = 0.25, ElementType = typeof(double))] public partial class Rms5Eps025F64 { }
