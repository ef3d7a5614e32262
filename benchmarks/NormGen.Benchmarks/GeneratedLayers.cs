using System;

namespace NormGen.Benchmarks;

/// <summary>Generated layer for the shapes with 128 features. Batch size is a run-time value.</summary>
[BatchNorm(Features = 128)]
public sealed partial class Bench128
{
}

/// <summary>Generated layer for the (16384, 256) shape.</summary>
[BatchNorm(Features = 256)]
public sealed partial class Bench256
{
}

/// <summary>Generated layer for the (256, 512) shape.</summary>
[BatchNorm(Features = 512)]
public sealed partial class Bench512
{
}

/// <summary>Generated layer for the (1024, 1024) shape.</summary>
[BatchNorm(Features = 1024)]
public sealed partial class Bench1024
{
}

/// <summary>Picks the generated layer for a feature count.</summary>
public static class GeneratedLayers
{
    /// <summary>A new generated layer (Gamma 1, Beta 0, training mode) with <paramref name="features"/> features.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No layer was generated for that feature count.</exception>
    public static IBatchNormLayer<float> Create(int features) => features switch
    {
        128 => new Bench128(),
        256 => new Bench256(),
        512 => new Bench512(),
        1024 => new Bench1024(),
        _ => throw new ArgumentOutOfRangeException(nameof(features), features, "No generated layer for this feature count; add one above."),
    };
}
