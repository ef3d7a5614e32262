using NormGen;

namespace NormGen.Tests;

// Layers for the code paths of the Spatial = 1 kernels (generator: BatchNormColumnKernels). With 256-bit vectors a row
// of at most 4 vectors keeps its sums in registers; a wider one keeps them in memory, and an overlapping tail vector
// keeps its own in registers. With AVX2 off (IsaCheck) the same widths take the 128-bit plans.
[BatchNorm(Features = 32)] public partial class BnColumnF32 { }     // 4 vectors of 256 bits: registers (128 bits: 8, memory)
[BatchNorm(Features = 36)] public partial class BnColumnF36 { }     // 4 vectors + tail: memory, tail in registers
[BatchNorm(Features = 40)] public partial class BnColumnF40 { }     // 5 vectors, no tail: memory
[BatchNorm(Features = 16, ElementType = typeof(double))] public partial class BnColumnD16 { }   // 4 vectors of 256 bits: registers
[BatchNorm(Features = 18, ElementType = typeof(double))] public partial class BnColumnD18 { }   // 4 + tail: memory, tail in registers
[BatchNorm(Features = 20, Activation = Activation.Relu)] public partial class BnColumnReluF20 { } // 2 + tail: registers (128 bits: 5, memory)
[BatchNorm(Features = 44, Activation = Activation.Relu)] public partial class BnColumnReluF44 { } // 5 + tail: memory, with the mask

// With 512-bit vectors a row wider than 8 vectors is normalized in column strips (8 vectors per strip for Normalize,
// 4 for BackwardInput), the last strip holding the remaining vectors and the overlapping tail.
[BatchNorm(Features = 136)] public partial class BnStripF136 { }   // 8 + tail: no loop, one last strip of 8 + tail
[BatchNorm(Features = 144)] public partial class BnStripF144 { }   // 9: a loop of one strip, a last strip of 1 vector
[BatchNorm(Features = 256)] public partial class BnStripF256 { }   // 16: strips in a loop only
[BatchNorm(Features = 72, ElementType = typeof(double))] public partial class BnStripD72 { }   // 9 of 8 doubles
[BatchNorm(Features = 200, Activation = Activation.Relu)] public partial class BnStripReluF200 { } // 12 + tail, with the mask

// 2,000 rows of 200 floats (1.6 MB) stream and take the 256-bit row kernels; one ghost batch of 1,000 (800 KB) alone
// takes the 512-bit strips.
[BatchNorm(Features = 200, Activation = Activation.Relu, VirtualBatchSize = 1000)] public partial class BnStripGhostReluF200 { }

// Ghost batches of 150 rows of 1000 floats: a 300-row call (1.2 MB) streams, one ghost batch alone (600 KB) does not.
[BatchNorm(Features = 1000, VirtualBatchSize = 150)] public partial class BnColumnGhostF1000 { }
