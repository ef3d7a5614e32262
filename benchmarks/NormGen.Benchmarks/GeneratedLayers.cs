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

// The small-batch variants (--variants), beside plain batch norm at the same shapes. Renorm with r_max = 1 and
// d_max = 0 clips r to 1 and d to 0 (computed per feature like any other limits), so it equals plain batch norm and
// verifies against the same reference. Ghost batch norm splits every batch of the catalog into 4 ghost batches:
// VirtualBatchSize = batch / 4, one layer per (features, virtual batch size).

/// <summary>Batch renormalization, 128 features, r = 1, d = 0: (32, 128), (64, 128), (65536, 128).</summary>
[BatchNorm(Features = 128, Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0)]
public sealed partial class Bn128Renorm
{
}

/// <summary>Batch renormalization, 256 features, r = 1, d = 0: (16384, 256).</summary>
[BatchNorm(Features = 256, Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0)]
public sealed partial class Bn256Renorm
{
}

/// <summary>Batch renormalization, 512 features, r = 1, d = 0: (256, 512).</summary>
[BatchNorm(Features = 512, Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0)]
public sealed partial class Bn512Renorm
{
}

/// <summary>Batch renormalization, 1000 features, r = 1, d = 0: (1000, 1000).</summary>
[BatchNorm(Features = 1000, Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0)]
public sealed partial class Bn1000Renorm
{
}

/// <summary>Batch renormalization, 1024 features, r = 1, d = 0: (1024, 1024).</summary>
[BatchNorm(Features = 1024, Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0)]
public sealed partial class Bn1024Renorm
{
}

/// <summary>Spatial batch renormalization, 64 channels of 28 x 28, r = 1, d = 0: (32, 64, 784).</summary>
[BatchNorm(Features = 64, Spatial = 784, Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0)]
public sealed partial class Bn64x784Renorm
{
}

/// <summary>Ghost batch norm, 128 features, ghost batches of 8: (32, 128).</summary>
[BatchNorm(Features = 128, VirtualBatchSize = 8)]
public sealed partial class Bn128Ghost8
{
}

/// <summary>Ghost batch norm, 128 features, ghost batches of 16: (64, 128).</summary>
[BatchNorm(Features = 128, VirtualBatchSize = 16)]
public sealed partial class Bn128Ghost16
{
}

/// <summary>Ghost batch norm, 128 features, ghost batches of 16384: (65536, 128).</summary>
[BatchNorm(Features = 128, VirtualBatchSize = 16384)]
public sealed partial class Bn128Ghost16384
{
}

/// <summary>Ghost batch norm, 256 features, ghost batches of 4096: (16384, 256).</summary>
[BatchNorm(Features = 256, VirtualBatchSize = 4096)]
public sealed partial class Bn256Ghost4096
{
}

/// <summary>Ghost batch norm, 512 features, ghost batches of 64: (256, 512).</summary>
[BatchNorm(Features = 512, VirtualBatchSize = 64)]
public sealed partial class Bn512Ghost64
{
}

/// <summary>Ghost batch norm, 1000 features, ghost batches of 250: (1000, 1000).</summary>
[BatchNorm(Features = 1000, VirtualBatchSize = 250)]
public sealed partial class Bn1000Ghost250
{
}

/// <summary>Ghost batch norm, 1024 features, ghost batches of 256: (1024, 1024).</summary>
[BatchNorm(Features = 1024, VirtualBatchSize = 256)]
public sealed partial class Bn1024Ghost256
{
}

/// <summary>Spatial ghost batch norm, 64 channels of 28 x 28, ghost batches of 8: (32, 64, 784).</summary>
[BatchNorm(Features = 64, Spatial = 784, VirtualBatchSize = 8)]
public sealed partial class Bn64x784Ghost8
{
}

/// <summary>A ghost batch-norm layer of a case: its virtual batch size (from the layer's constant) and a factory.</summary>
/// <param name="VirtualBatchSize">Samples per ghost batch.</param>
/// <param name="Create">Makes a new layer (Gamma 1, Beta 0, training mode).</param>
public sealed record GhostLayer(int VirtualBatchSize, Func<INormalizationLayer<float>> Create);

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

    /// <summary>
    /// A new batch-renormalization layer for a batch-norm case, with RenormMaxScale = 1 and RenormMaxShift = 0 (so
    /// plain batch norm's numbers), or null for the other kinds.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A batch-norm case with no renorm layer declared above.</exception>
    public static INormalizationLayer<float>? CreateRenorm(BenchCase benchCase)
    {
        ArgumentNullException.ThrowIfNull(benchCase);
        return (benchCase.Kind, benchCase.Channels, benchCase.Spatial) switch
        {
            (NormKind.BatchNorm, 128, 1) => new Bn128Renorm(),
            (NormKind.BatchNorm, 256, 1) => new Bn256Renorm(),
            (NormKind.BatchNorm, 512, 1) => new Bn512Renorm(),
            (NormKind.BatchNorm, 1000, 1) => new Bn1000Renorm(),
            (NormKind.BatchNorm, 1024, 1) => new Bn1024Renorm(),
            (NormKind.BatchNormSpatial, 64, 784) => new Bn64x784Renorm(),
            _ when benchCase.Kind.IsBatchNorm() => throw new ArgumentOutOfRangeException(
                nameof(benchCase), benchCase.Id, "No renorm layer for this batch-norm case; declare one in GeneratedLayers.cs."),
            _ => null,
        };
    }

    /// <summary>The ghost batch-norm layer of a batch-norm case (4 ghost batches per batch), or null for the other kinds.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A batch-norm case with no ghost layer declared above.</exception>
    public static GhostLayer? Ghost(BenchCase benchCase)
    {
        ArgumentNullException.ThrowIfNull(benchCase);
        return (benchCase.Kind, benchCase.Channels, benchCase.Spatial, benchCase.Batch) switch
        {
            (NormKind.BatchNorm, 128, 1, 32) => new(Bn128Ghost8.VirtualBatchSize, () => new Bn128Ghost8()),
            (NormKind.BatchNorm, 128, 1, 64) => new(Bn128Ghost16.VirtualBatchSize, () => new Bn128Ghost16()),
            (NormKind.BatchNorm, 128, 1, 65536) => new(Bn128Ghost16384.VirtualBatchSize, () => new Bn128Ghost16384()),
            (NormKind.BatchNorm, 256, 1, 16384) => new(Bn256Ghost4096.VirtualBatchSize, () => new Bn256Ghost4096()),
            (NormKind.BatchNorm, 512, 1, 256) => new(Bn512Ghost64.VirtualBatchSize, () => new Bn512Ghost64()),
            (NormKind.BatchNorm, 1000, 1, 1000) => new(Bn1000Ghost250.VirtualBatchSize, () => new Bn1000Ghost250()),
            (NormKind.BatchNorm, 1024, 1, 1024) => new(Bn1024Ghost256.VirtualBatchSize, () => new Bn1024Ghost256()),
            (NormKind.BatchNormSpatial, 64, 784, 32) => new(Bn64x784Ghost8.VirtualBatchSize, () => new Bn64x784Ghost8()),
            _ when benchCase.Kind.IsBatchNorm() => throw new ArgumentOutOfRangeException(
                nameof(benchCase), benchCase.Id, "No ghost layer for this batch-norm case; declare one in GeneratedLayers.cs."),
            _ => null,
        };
    }
}
