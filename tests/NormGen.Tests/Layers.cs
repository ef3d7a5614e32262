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
