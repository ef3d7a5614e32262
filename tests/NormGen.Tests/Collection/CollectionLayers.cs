using NormGen;

// The layers the collection, FeatureMoments and running-statistics mode tests run. Names start with Collect or Mode
// so they stay unique in the test assembly.
namespace NormGen.Tests.Collection;

// Exact collection, unbiased (default) and biased running variance, float and double.
[BatchNorm(Features = 7, ElementType = typeof(double))] public partial class CollectD7 { }
[BatchNorm(Features = 7, ElementType = typeof(double), UnbiasedRunningVariance = false)] public partial class CollectBiasedD7 { }
[BatchNorm(Features = 7)] public partial class CollectF7 { }
[BatchNorm(Features = 7, UnbiasedRunningVariance = false)] public partial class CollectBiasedF7 { }

// Spatial layout (batch, 3, 5).
[BatchNorm(Features = 3, Spatial = 5, ElementType = typeof(double))] public partial class CollectSpatialD3x5 { }
[BatchNorm(Features = 3, Spatial = 5)] public partial class CollectSpatialF3x5 { }

// Precision contrast: float data with mean 1e4 and standard deviation 1e-2.
[BatchNorm(Features = 4)] public partial class CollectPrecisionF4 { }

// Mode semantics.
[BatchNorm(Features = 5, ElementType = typeof(double))] public partial class ModeExpM09D5 { }
[BatchNorm(Features = 5, ElementType = typeof(double), Momentum = 0.7)] public partial class ModeExpM07D5 { }
[BatchNorm(Features = 5, ElementType = typeof(double), UnbiasedRunningVariance = false)] public partial class ModeExpBiasedM09D5 { }
[BatchNorm(Features = 5, Momentum = 0.7)] public partial class ModeExpM07F5 { }
[BatchNorm(Features = 5, ElementType = typeof(double), RunningStats = RunningStatsMode.Cumulative)] public partial class ModeCumulativeD5 { }
[BatchNorm(Features = 5, RunningStats = RunningStatsMode.Cumulative)] public partial class ModeCumulativeF5 { }
[BatchNorm(Features = 5, ElementType = typeof(double), RunningStats = RunningStatsMode.None)] public partial class ModeNoneD5 { }
[BatchNorm(Features = 3, Spatial = 4, RunningStats = RunningStatsMode.None)] public partial class ModeNoneSpatialF3x4 { }

// Batches with shifted means: exact collection against PyTorch momentum=None (Cumulative).
[BatchNorm(Features = 4, ElementType = typeof(double))] public partial class CollectDrift4 { }
[BatchNorm(Features = 4, ElementType = typeof(double), RunningStats = RunningStatsMode.Cumulative)] public partial class CollectCumulativeD4 { }
