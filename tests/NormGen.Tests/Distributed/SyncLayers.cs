using NormGen;

namespace NormGen.Tests.Distributed;

// The layers the synchronized batch-norm tests run, each both on one whole batch and on workers' shards.
[BatchNorm(Features = 7, ElementType = typeof(double))] public partial class SyncD7 { }
[BatchNorm(Features = 13)] public partial class SyncF13 { }
[BatchNorm(Features = 3, Spatial = 5, ElementType = typeof(double))] public partial class SyncSpatialD3x5 { }
[BatchNorm(Features = 4, Spatial = 9)] public partial class SyncSpatialF4x9 { }
[BatchNorm(Features = 6, Renorm = true, RenormMaxScale = 1.5, RenormMaxShift = 0.5, ElementType = typeof(double))] public partial class SyncRenormD6 { }
[BatchNorm(Features = 5, Renorm = true)] public partial class SyncRenormF5 { }
[BatchNorm(Features = 9, Activation = Activation.Relu, RunningStats = RunningStatsMode.Cumulative, ElementType = typeof(double))] public partial class SyncReluCumulativeD9 { }
[BatchNorm(Features = 8, RunningStats = RunningStatsMode.None, UnbiasedRunningVariance = false, ElementType = typeof(double))] public partial class SyncNoRunningD8 { }
[BatchNorm(Features = 100, ElementType = typeof(double))] public partial class SyncD100 { }
[BatchNorm(Features = 4, VirtualBatchSize = 2)] public partial class SyncGhostF4 { }
