using System;

namespace NormGen.Benchmarks;

/// <summary>The normalization kinds the benchmark measures.</summary>
public enum NormKind
{
    /// <summary>Batch norm over (batch, features): statistics per feature over the batch.</summary>
    BatchNorm,

    /// <summary>Spatial batch norm over (batch, channels, spatial): statistics per channel over batch and positions.</summary>
    BatchNormSpatial,

    /// <summary>Layer norm over (batch, features): statistics per sample over its features.</summary>
    LayerNorm,

    /// <summary>RMS norm over (batch, features): root mean square per sample, scale only.</summary>
    RmsNorm,

    /// <summary>Group norm over (batch, channels, spatial): statistics per sample and group of channels.</summary>
    GroupNorm,
}

/// <summary>Names of <see cref="NormKind"/> values as they appear on the command line, in the JSON and in the workers.</summary>
public static class NormKinds
{
    /// <summary>Every kind, in report order.</summary>
    public static readonly NormKind[] All =
        [NormKind.BatchNorm, NormKind.BatchNormSpatial, NormKind.LayerNorm, NormKind.RmsNorm, NormKind.GroupNorm];

    /// <summary>The protocol name: batchnorm, batchnorm-spatial, layernorm, rmsnorm or groupnorm.</summary>
    public static string Id(this NormKind kind) => kind switch
    {
        NormKind.BatchNorm => "batchnorm",
        NormKind.BatchNormSpatial => "batchnorm-spatial",
        NormKind.LayerNorm => "layernorm",
        NormKind.RmsNorm => "rmsnorm",
        NormKind.GroupNorm => "groupnorm",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown normalization kind."),
    };

    /// <summary>The name in reports, e.g. "BatchNorm spatial".</summary>
    public static string Title(this NormKind kind) => kind switch
    {
        NormKind.BatchNorm => "BatchNorm",
        NormKind.BatchNormSpatial => "BatchNorm spatial",
        NormKind.LayerNorm => "LayerNorm",
        NormKind.RmsNorm => "RMSNorm",
        NormKind.GroupNorm => "GroupNorm",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown normalization kind."),
    };

    /// <summary>True for the batch-norm kinds, which keep running statistics and differ between training and inference.</summary>
    public static bool IsBatchNorm(this NormKind kind) => kind is NormKind.BatchNorm or NormKind.BatchNormSpatial;

    /// <summary>Parses a protocol name or a short alias (bn, bn2d, ln, rms, gn).</summary>
    /// <exception cref="FormatException">The text names no kind.</exception>
    public static NormKind Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "batchnorm" or "bn" or "bn1d" => NormKind.BatchNorm,
        "batchnorm-spatial" or "bn2d" or "spatial" => NormKind.BatchNormSpatial,
        "layernorm" or "ln" => NormKind.LayerNorm,
        "rmsnorm" or "rms" => NormKind.RmsNorm,
        "groupnorm" or "gn" => NormKind.GroupNorm,
        _ => throw new FormatException(
            $"Unknown kind '{text}': expected batchnorm (bn), batchnorm-spatial (bn2d), layernorm (ln), rmsnorm (rms) or groupnorm (gn)."),
    };
}
