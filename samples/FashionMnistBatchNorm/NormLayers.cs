using NormGen;

namespace FashionMnistBatchNorm;

// The only normalization code in this sample: NormGen generates each layer at compile time,
// specialized for 100 float features (forward, backward, running statistics, exact collection).

/// <summary>Batch norm after hidden layer 1.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Hidden1Norm
{
}

/// <summary>Batch norm after hidden layer 2.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Hidden2Norm
{
}

/// <summary>Batch norm after hidden layer 3.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Hidden3Norm
{
}

/// <summary>Batch norm after hidden layer 4.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Hidden4Norm
{
}

/// <summary>Batch norm after hidden layer 5.</summary>
[BatchNorm(Features = 100)]
internal sealed partial class Hidden5Norm
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
