using System;

namespace NormGen.Benchmarks;

// The NormGen layers under test, one per (kind, shape without the batch). Batch size is a run-time value.
// Declared as a user would, with default options (Momentum 0.9, Epsilon 1e-5, affine).

/// <summary>Batch norm, 128 features: (32, 128), (64, 128), (65536, 128).</summary>
[BatchNorm(Features = 128)]
public sealed partial class Bn128
{
}

/// <summary>Batch norm, 256 features: (16384, 256).</summary>
[BatchNorm(Features = 256)]
public sealed partial class Bn256
{
}

/// <summary>Batch norm, 512 features: (256, 512).</summary>
[BatchNorm(Features = 512)]
public sealed partial class Bn512
{
}

/// <summary>Batch norm, 1000 features: (1000, 1000), the ragged width next to 1024.</summary>
[BatchNorm(Features = 1000)]
public sealed partial class Bn1000
{
}

/// <summary>Batch norm, 1024 features: (1024, 1024).</summary>
[BatchNorm(Features = 1024)]
public sealed partial class Bn1024
{
}

/// <summary>Spatial batch norm, 64 channels of 28 x 28: (32, 64, 784).</summary>
[BatchNorm(Features = 64, Spatial = 784)]
public sealed partial class Bn64x784
{
}

/// <summary>Layer norm, 768 features.</summary>
[LayerNorm(Features = 768)]
public sealed partial class Ln768
{
}

/// <summary>Layer norm, 1024 features.</summary>
[LayerNorm(Features = 1024)]
public sealed partial class Ln1024
{
}

/// <summary>Layer norm, 4096 features.</summary>
[LayerNorm(Features = 4096)]
public sealed partial class Ln4096
{
}

/// <summary>RMS norm, 768 features.</summary>
[RmsNorm(Features = 768)]
public sealed partial class Rms768
{
}

/// <summary>RMS norm, 1024 features.</summary>
[RmsNorm(Features = 1024)]
public sealed partial class Rms1024
{
}

/// <summary>RMS norm, 4096 features.</summary>
[RmsNorm(Features = 4096)]
public sealed partial class Rms4096
{
}

/// <summary>Group norm, 32 groups of 64 channels, 32 x 32 positions.</summary>
[GroupNorm(Groups = 32, Channels = 64, Spatial = 1024)]
public sealed partial class Gn32x64x1024
{
}

/// <summary>Picks the generated layer for a case.</summary>
public static class GeneratedLayers
{
    /// <summary>A new generated layer for <paramref name="benchCase"/> (Gamma 1, Beta 0, training mode).</summary>
    /// <exception cref="ArgumentOutOfRangeException">No layer is declared above for that kind and shape.</exception>
    public static INormalizationLayer<float> Create(BenchCase benchCase)
    {
        ArgumentNullException.ThrowIfNull(benchCase);
        return (benchCase.Kind, benchCase.Channels, benchCase.Spatial, benchCase.Groups) switch
        {
            (NormKind.BatchNorm, 128, 1, _) => new Bn128(),
            (NormKind.BatchNorm, 256, 1, _) => new Bn256(),
            (NormKind.BatchNorm, 512, 1, _) => new Bn512(),
            (NormKind.BatchNorm, 1000, 1, _) => new Bn1000(),
            (NormKind.BatchNorm, 1024, 1, _) => new Bn1024(),
            (NormKind.BatchNormSpatial, 64, 784, _) => new Bn64x784(),
            (NormKind.LayerNorm, 768, 1, _) => new Ln768(),
            (NormKind.LayerNorm, 1024, 1, _) => new Ln1024(),
            (NormKind.LayerNorm, 4096, 1, _) => new Ln4096(),
            (NormKind.RmsNorm, 768, 1, _) => new Rms768(),
            (NormKind.RmsNorm, 1024, 1, _) => new Rms1024(),
            (NormKind.RmsNorm, 4096, 1, _) => new Rms4096(),
            (NormKind.GroupNorm, 64, 1024, 32) => new Gn32x64x1024(),
            _ => throw new ArgumentOutOfRangeException(
                nameof(benchCase), benchCase.Id, "No generated layer for this case; declare one in GeneratedLayers.cs."),
        };
    }
}
