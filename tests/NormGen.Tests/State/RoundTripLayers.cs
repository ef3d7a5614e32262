namespace NormGen.Tests.State;

// Kinds and element types the fixture layers do not cover, so round trips reach every kind in float and double.

[BatchNorm(Features = 3, Spatial = 5, Momentum = 0.8, ElementType = typeof(double))]
public partial class RoundTripBn2dF64 { }

[BatchNorm(Features = 5, RunningStats = RunningStatsMode.None, Affine = false)]
public partial class RoundTripBnBareF32 { }

[InstanceNorm(Channels = 3, Spatial = 4, ElementType = typeof(double))]
public partial class RoundTripInF64 { }

[LayerNorm(Features = 9, Affine = false)]
public partial class RoundTripLnNoAffineF32 { }

[BatchNorm(Features = 3)]
public partial class SmallBn { }
