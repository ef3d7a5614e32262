using NormGen;

namespace FashionMnistBatchNorm;

// The batch-size experiment's answers to small batches (issue 15), generated like the plain layers. Every hidden
// layer is 100 wide, so one generated class per variant serves all five (each instance has its own Gamma, Beta and
// running statistics).

/// <summary>
/// Batch renormalization (Ioffe 2017) after a hidden layer: training corrects the batch statistics toward the running
/// ones with r clipped to [1/3, 3] and d to [-5, 5]. The paper starts from r_max = 1 and d_max = 0 (plain batch norm)
/// and relaxes them to 3 and 5 during training; NormGen's limits are compile-time constants, so this uses the final
/// values (also NormGen's defaults) from the first step. Momentum is plain batch norm's 0.9, so that renorm is the
/// only difference from <see cref="Hidden1Norm"/>.
/// </summary>
[BatchNorm(Features = 100, Renorm = true, RenormMaxScale = 3, RenormMaxShift = 5)]
internal sealed partial class HiddenRenorm
{
}

/// <summary>Ghost batch norm after a hidden layer: training normalizes each group of 10 samples with its own statistics.</summary>
[BatchNorm(Features = 100, VirtualBatchSize = 10)]
internal sealed partial class HiddenGhost10Norm
{
}

/// <summary>Ghost batch norm after a hidden layer: training normalizes each group of 5 samples with its own statistics.</summary>
[BatchNorm(Features = 100, VirtualBatchSize = 5)]
internal sealed partial class HiddenGhost5Norm
{
}
