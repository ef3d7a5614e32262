using NormGen;

namespace NormGen.Tests.SmallBatch;

// The layers of renorm.json and ghostbatch.json (made by tests/NormGen.Tests/Fixtures/make_small_batch_fixtures.py):
// each case's "attribute" key, verbatim; the class name is the case name in PascalCase.

[BatchNorm(Features = 6, Renorm = true)] public partial class RenormF6N6DefaultF32 { }
[BatchNorm(Features = 6, Renorm = true, ElementType = typeof(double))] public partial class RenormF6N6DefaultF64 { }
[BatchNorm(Features = 3, Spatial = 5, Renorm = true, RunningStats = RunningStatsMode.Cumulative, UnbiasedRunningVariance = false)] public partial class RenormC3S5N3DefaultCumulativeBiasedF32 { }
[BatchNorm(Features = 3, Spatial = 5, Renorm = true, RunningStats = RunningStatsMode.Cumulative, UnbiasedRunningVariance = false, ElementType = typeof(double))] public partial class RenormC3S5N3DefaultCumulativeBiasedF64 { }
[BatchNorm(Features = 6, Renorm = true, RenormMaxScale = 1.5, RenormMaxShift = 0.5, Momentum = 0.7, Epsilon = 1e-3)] public partial class RenormF6N6ClipM07Eps1e3F32 { }
[BatchNorm(Features = 6, Renorm = true, RenormMaxScale = 1.5, RenormMaxShift = 0.5, Momentum = 0.7, Epsilon = 1e-3, ElementType = typeof(double))] public partial class RenormF6N6ClipM07Eps1e3F64 { }
[BatchNorm(Features = 6, Renorm = true, RenormMaxScale = 1.5, RenormMaxShift = 0.5, RunningStats = RunningStatsMode.Cumulative, UnbiasedRunningVariance = false)] public partial class RenormF6N6ClipCumulativeBiasedF32 { }
[BatchNorm(Features = 6, Renorm = true, RenormMaxScale = 1.5, RenormMaxShift = 0.5, RunningStats = RunningStatsMode.Cumulative, UnbiasedRunningVariance = false, ElementType = typeof(double))] public partial class RenormF6N6ClipCumulativeBiasedF64 { }
[BatchNorm(Features = 3, Spatial = 5, Renorm = true, RenormMaxScale = 1.5, RenormMaxShift = 0.5, UnbiasedRunningVariance = false)] public partial class RenormC3S5N3ClipBiasedF32 { }
[BatchNorm(Features = 3, Spatial = 5, Renorm = true, RenormMaxScale = 1.5, RenormMaxShift = 0.5, UnbiasedRunningVariance = false, ElementType = typeof(double))] public partial class RenormC3S5N3ClipBiasedF64 { }
[BatchNorm(Features = 3, Spatial = 5, Renorm = true, RenormMaxScale = 1.5, RenormMaxShift = 0.5, RunningStats = RunningStatsMode.Cumulative)] public partial class RenormC3S5N3ClipCumulativeF32 { }
[BatchNorm(Features = 3, Spatial = 5, Renorm = true, RenormMaxScale = 1.5, RenormMaxShift = 0.5, RunningStats = RunningStatsMode.Cumulative, ElementType = typeof(double))] public partial class RenormC3S5N3ClipCumulativeF64 { }
[BatchNorm(Features = 6, Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0)] public partial class RenormF6N6IdentityF32 { }
[BatchNorm(Features = 6, Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0, ElementType = typeof(double))] public partial class RenormF6N6IdentityF64 { }
[BatchNorm(Features = 3, Spatial = 5, Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0, RunningStats = RunningStatsMode.Cumulative, UnbiasedRunningVariance = false, Epsilon = 1e-3)] public partial class RenormC3S5N3IdentityCumulativeBiasedEps1e3F32 { }
[BatchNorm(Features = 3, Spatial = 5, Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0, RunningStats = RunningStatsMode.Cumulative, UnbiasedRunningVariance = false, Epsilon = 1e-3, ElementType = typeof(double))] public partial class RenormC3S5N3IdentityCumulativeBiasedEps1e3F64 { }

[BatchNorm(Features = 6, VirtualBatchSize = 2)] public partial class GhostF6N10V2F32 { }
[BatchNorm(Features = 6, VirtualBatchSize = 2, ElementType = typeof(double))] public partial class GhostF6N10V2F64 { }
[BatchNorm(Features = 6, VirtualBatchSize = 5, RunningStats = RunningStatsMode.Cumulative)] public partial class GhostF6N20V5CumulativeF32 { }
[BatchNorm(Features = 6, VirtualBatchSize = 5, RunningStats = RunningStatsMode.Cumulative, ElementType = typeof(double))] public partial class GhostF6N20V5CumulativeF64 { }
[BatchNorm(Features = 3, Spatial = 4, VirtualBatchSize = 5, UnbiasedRunningVariance = false, Momentum = 0.7, Epsilon = 1e-3)] public partial class GhostC3S4N10V5BiasedM07Eps1e3F32 { }
[BatchNorm(Features = 3, Spatial = 4, VirtualBatchSize = 5, UnbiasedRunningVariance = false, Momentum = 0.7, Epsilon = 1e-3, ElementType = typeof(double))] public partial class GhostC3S4N10V5BiasedM07Eps1e3F64 { }
[BatchNorm(Features = 3, Spatial = 4, VirtualBatchSize = 2, RunningStats = RunningStatsMode.Cumulative, UnbiasedRunningVariance = false)] public partial class GhostC3S4N10V2CumulativeBiasedF32 { }
[BatchNorm(Features = 3, Spatial = 4, VirtualBatchSize = 2, RunningStats = RunningStatsMode.Cumulative, UnbiasedRunningVariance = false, ElementType = typeof(double))] public partial class GhostC3S4N10V2CumulativeBiasedF64 { }
