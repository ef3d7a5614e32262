using NormGen;

namespace FashionMnistBatchNorm;

// The only normalization code in this sample: NormGen generates each layer at compile time,
// specialized for 100 float features (forward, backward, running statistics, exact collection).

/// <summary>
/// The exact-collection methods that NormGen generates on every batch-norm layer (with running statistics).
/// Declaring this interface on the partial classes lets the trainer call them without knowing the five types.
/// </summary>
internal interface IExactStatistics
{
    /// <summary>From now on, training Forward calls merge their batch statistics exactly instead of updating the running averages.</summary>
    void BeginCollect();

    /// <summary>RunningMean and RunningVariance become the statistics of everything collected since BeginCollect.</summary>
    void EndCollect();
}

/// <summary>Batch norm after hidden layer 1.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Hidden1Norm : IExactStatistics
{
}

/// <summary>Batch norm after hidden layer 2.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Hidden2Norm : IExactStatistics
{
}

/// <summary>Batch norm after hidden layer 3.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Hidden3Norm : IExactStatistics
{
}

/// <summary>Batch norm after hidden layer 4.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Hidden4Norm : IExactStatistics
{
}

/// <summary>Batch norm after hidden layer 5.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Hidden5Norm : IExactStatistics
{
}

/// <summary>Layer norm after hidden layer 1 (batch-size experiment).</summary>
[LayerNorm(Features = 100)]
internal sealed partial class Hidden1LayerNorm
{
}

/// <summary>Layer norm after hidden layer 2.</summary>
[LayerNorm(Features = 100)]
internal sealed partial class Hidden2LayerNorm
{
}

/// <summary>Layer norm after hidden layer 3.</summary>
[LayerNorm(Features = 100)]
internal sealed partial class Hidden3LayerNorm
{
}

/// <summary>Layer norm after hidden layer 4.</summary>
[LayerNorm(Features = 100)]
internal sealed partial class Hidden4LayerNorm
{
}

/// <summary>Layer norm after hidden layer 5.</summary>
[LayerNorm(Features = 100)]
internal sealed partial class Hidden5LayerNorm
{
}
