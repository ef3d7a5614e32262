using System;
using System.Collections.Generic;
using NormGen.Tests.GroupNorm;

namespace NormGen.Tests.InstanceNorm;

// Instance-norm layers, each the twin of a group-norm layer with Groups == Channels in GroupNorm/GroupNormLayers.cs.

[InstanceNorm(Channels = 1, Spatial = 1)] public partial class InC1S1F32 { }
[InstanceNorm(Channels = 1, Spatial = 1, ElementType = typeof(double))] public partial class InC1S1F64 { }
[InstanceNorm(Channels = 3, Spatial = 16)] public partial class InC3S16F32 { }
[InstanceNorm(Channels = 3, Spatial = 16, ElementType = typeof(double))] public partial class InC3S16F64 { }
[InstanceNorm(Channels = 4, Spatial = 17)] public partial class InC4S17F32 { }
[InstanceNorm(Channels = 4, Spatial = 17, ElementType = typeof(double))] public partial class InC4S17F64 { }
[InstanceNorm(Channels = 6, Spatial = 3)] public partial class InC6S3F32 { }
[InstanceNorm(Channels = 6, Spatial = 3, ElementType = typeof(double))] public partial class InC6S3F64 { }
[InstanceNorm(Channels = 17, Spatial = 16)] public partial class InC17S16F32 { }
[InstanceNorm(Channels = 17, Spatial = 16, ElementType = typeof(double))] public partial class InC17S16F64 { }
[InstanceNorm(Channels = 4, Spatial = 17, Affine = false)] public partial class InC4S17NoAffineF32 { }
[InstanceNorm(Channels = 4, Spatial = 17, ElementType = typeof(double), Affine = false)] public partial class InC4S17NoAffineF64 { }
[InstanceNorm(Channels = 5, ElementType = typeof(double))] public partial class InC5DefaultSpatialF64 { }

/// <summary>An instance-norm configuration and the group-norm configuration it must equal.</summary>
/// <param name="Name">Configuration name, e.g. C3S16.</param>
/// <param name="Channels">Channels of the layers.</param>
/// <param name="Spatial">Spatial positions per channel.</param>
/// <param name="Affine">Whether the layers have Gamma and Beta.</param>
/// <param name="Float">Creates the float instance-norm layer.</param>
/// <param name="Double">Creates the double instance-norm layer.</param>
/// <param name="Twin">The group-norm configuration with Groups == Channels.</param>
public sealed record InstanceNormConfig(
    string Name, int Channels, int Spatial, bool Affine, Func<INormalizationLayer<float>> Float, Func<INormalizationLayer<double>> Double, GroupNormConfig Twin)
{
    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>The catalog of <see cref="InstanceNormConfig"/>s.</summary>
public static class InstanceNormLayers
{
    public static readonly IReadOnlyList<InstanceNormConfig> All = new InstanceNormConfig[]
    {
        new("C1S1", InC1S1F32.Channels, InC1S1F32.Spatial, true, static () => new InC1S1F32(), static () => new InC1S1F64(), GroupNormLayers.Get("C1G1S1")),
        new("C3S16", InC3S16F32.Channels, InC3S16F32.Spatial, true, static () => new InC3S16F32(), static () => new InC3S16F64(), GroupNormLayers.Get("C3G3S16")),
        new("C4S17", InC4S17F32.Channels, InC4S17F32.Spatial, true, static () => new InC4S17F32(), static () => new InC4S17F64(), GroupNormLayers.Get("C4G4S17")),
        new("C6S3", InC6S3F32.Channels, InC6S3F32.Spatial, true, static () => new InC6S3F32(), static () => new InC6S3F64(), GroupNormLayers.Get("C6G6S3")),
        new("C17S16", InC17S16F32.Channels, InC17S16F32.Spatial, true, static () => new InC17S16F32(), static () => new InC17S16F64(), GroupNormLayers.Get("C17G17S16")),
        new("C4S17NoAffine", InC4S17NoAffineF32.Channels, InC4S17NoAffineF32.Spatial, false, static () => new InC4S17NoAffineF32(), static () => new InC4S17NoAffineF64(), GroupNormLayers.Get("C4G4S17NoAffine")),
    };

    /// <summary>The configuration with this name.</summary>
    public static InstanceNormConfig Get(string name)
    {
        foreach (InstanceNormConfig config in All)
        {
            if (config.Name == name)
            {
                return config;
            }
        }

        throw new ArgumentException("No instance-norm configuration " + name, nameof(name));
    }
}
