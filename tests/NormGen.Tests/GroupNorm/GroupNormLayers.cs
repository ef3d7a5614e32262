using System;
using System.Collections.Generic;

namespace NormGen.Tests.GroupNorm;

// The group-norm layers the numerics tests run: Channels 1, 3, 4, 6, 17 with groups dividing them, Spatial 1, 3, 16, 17,
// in float and double, affine or not. Between them they cover the emitter's three run layouts: one scale per group
// (no Gamma, or one channel per group), one Gamma per value (Spatial = 1), and one run of Spatial values per channel.

[GroupNorm(Groups = 1, Channels = 1, Spatial = 1)] public partial class GnC1G1S1F32 { }
[GroupNorm(Groups = 1, Channels = 1, Spatial = 1, ElementType = typeof(double))] public partial class GnC1G1S1F64 { }
[GroupNorm(Groups = 1, Channels = 1, Spatial = 17)] public partial class GnC1G1S17F32 { }
[GroupNorm(Groups = 1, Channels = 1, Spatial = 17, ElementType = typeof(double))] public partial class GnC1G1S17F64 { }
[GroupNorm(Groups = 1, Channels = 1, Spatial = 3, Affine = false)] public partial class GnC1G1S3NoAffineF32 { }
[GroupNorm(Groups = 1, Channels = 1, Spatial = 3, ElementType = typeof(double), Affine = false)] public partial class GnC1G1S3NoAffineF64 { }
[GroupNorm(Groups = 1, Channels = 3, Spatial = 1)] public partial class GnC3G1S1F32 { }
[GroupNorm(Groups = 1, Channels = 3, Spatial = 1, ElementType = typeof(double))] public partial class GnC3G1S1F64 { }
[GroupNorm(Groups = 3, Channels = 3, Spatial = 16)] public partial class GnC3G3S16F32 { }
[GroupNorm(Groups = 3, Channels = 3, Spatial = 16, ElementType = typeof(double))] public partial class GnC3G3S16F64 { }
[GroupNorm(Groups = 1, Channels = 3, Spatial = 3)] public partial class GnC3G1S3F32 { }
[GroupNorm(Groups = 1, Channels = 3, Spatial = 3, ElementType = typeof(double))] public partial class GnC3G1S3F64 { }
[GroupNorm(Groups = 1, Channels = 3, Spatial = 1, Affine = false)] public partial class GnC3G1S1NoAffineF32 { }
[GroupNorm(Groups = 1, Channels = 3, Spatial = 1, ElementType = typeof(double), Affine = false)] public partial class GnC3G1S1NoAffineF64 { }
[GroupNorm(Groups = 2, Channels = 4, Spatial = 1)] public partial class GnC4G2S1F32 { }
[GroupNorm(Groups = 2, Channels = 4, Spatial = 1, ElementType = typeof(double))] public partial class GnC4G2S1F64 { }
[GroupNorm(Groups = 2, Channels = 4, Spatial = 16)] public partial class GnC4G2S16F32 { }
[GroupNorm(Groups = 2, Channels = 4, Spatial = 16, ElementType = typeof(double))] public partial class GnC4G2S16F64 { }
[GroupNorm(Groups = 4, Channels = 4, Spatial = 17)] public partial class GnC4G4S17F32 { }
[GroupNorm(Groups = 4, Channels = 4, Spatial = 17, ElementType = typeof(double))] public partial class GnC4G4S17F64 { }
[GroupNorm(Groups = 1, Channels = 4, Spatial = 3)] public partial class GnC4G1S3F32 { }
[GroupNorm(Groups = 1, Channels = 4, Spatial = 3, ElementType = typeof(double))] public partial class GnC4G1S3F64 { }
[GroupNorm(Groups = 2, Channels = 4, Spatial = 16, Affine = false)] public partial class GnC4G2S16NoAffineF32 { }
[GroupNorm(Groups = 2, Channels = 4, Spatial = 16, ElementType = typeof(double), Affine = false)] public partial class GnC4G2S16NoAffineF64 { }
[GroupNorm(Groups = 4, Channels = 4, Spatial = 17, Affine = false)] public partial class GnC4G4S17NoAffineF32 { }
[GroupNorm(Groups = 4, Channels = 4, Spatial = 17, ElementType = typeof(double), Affine = false)] public partial class GnC4G4S17NoAffineF64 { }
[GroupNorm(Groups = 3, Channels = 6, Spatial = 1)] public partial class GnC6G3S1F32 { }
[GroupNorm(Groups = 3, Channels = 6, Spatial = 1, ElementType = typeof(double))] public partial class GnC6G3S1F64 { }
[GroupNorm(Groups = 2, Channels = 6, Spatial = 17)] public partial class GnC6G2S17F32 { }
[GroupNorm(Groups = 2, Channels = 6, Spatial = 17, ElementType = typeof(double))] public partial class GnC6G2S17F64 { }
[GroupNorm(Groups = 6, Channels = 6, Spatial = 3)] public partial class GnC6G6S3F32 { }
[GroupNorm(Groups = 6, Channels = 6, Spatial = 3, ElementType = typeof(double))] public partial class GnC6G6S3F64 { }
[GroupNorm(Groups = 1, Channels = 6, Spatial = 16)] public partial class GnC6G1S16F32 { }
[GroupNorm(Groups = 1, Channels = 6, Spatial = 16, ElementType = typeof(double))] public partial class GnC6G1S16F64 { }
[GroupNorm(Groups = 2, Channels = 6, Spatial = 17, Affine = false)] public partial class GnC6G2S17NoAffineF32 { }
[GroupNorm(Groups = 2, Channels = 6, Spatial = 17, ElementType = typeof(double), Affine = false)] public partial class GnC6G2S17NoAffineF64 { }
[GroupNorm(Groups = 1, Channels = 17, Spatial = 1)] public partial class GnC17G1S1F32 { }
[GroupNorm(Groups = 1, Channels = 17, Spatial = 1, ElementType = typeof(double))] public partial class GnC17G1S1F64 { }
[GroupNorm(Groups = 17, Channels = 17, Spatial = 16)] public partial class GnC17G17S16F32 { }
[GroupNorm(Groups = 17, Channels = 17, Spatial = 16, ElementType = typeof(double))] public partial class GnC17G17S16F64 { }
[GroupNorm(Groups = 1, Channels = 17, Spatial = 17)] public partial class GnC17G1S17F32 { }
[GroupNorm(Groups = 1, Channels = 17, Spatial = 17, ElementType = typeof(double))] public partial class GnC17G1S17F64 { }
// Groups of 19 values with a Gamma each: the unrolled vector loop and the overlapping last vector of RowKernels.
[GroupNorm(Groups = 2, Channels = 38, Spatial = 1)] public partial class GnC38G2S1F32 { }
[GroupNorm(Groups = 2, Channels = 38, Spatial = 1, ElementType = typeof(double))] public partial class GnC38G2S1F64 { }
[GroupNorm(Groups = 1, Channels = 17, Spatial = 1, Affine = false)] public partial class GnC17G1S1NoAffineF32 { }
[GroupNorm(Groups = 1, Channels = 17, Spatial = 1, ElementType = typeof(double), Affine = false)] public partial class GnC17G1S1NoAffineF64 { }

/// <summary>One layer configuration with its float and double layers.</summary>
/// <param name="Name">Configuration name, e.g. C4G2S16 or C4G2S16NoAffine.</param>
/// <param name="Groups">Groups of the layers.</param>
/// <param name="Channels">Channels of the layers.</param>
/// <param name="Spatial">Spatial positions per channel.</param>
/// <param name="Affine">Whether the layers have Gamma and Beta.</param>
/// <param name="Float">Creates the float layer.</param>
/// <param name="Double">Creates the double layer.</param>
public sealed record GroupNormConfig(
    string Name, int Groups, int Channels, int Spatial, bool Affine, Func<INormalizationLayer<float>> Float, Func<INormalizationLayer<double>> Double)
{
    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>The catalog of <see cref="GroupNormConfig"/>s; shapes come from the generated constants, so they cannot drift.</summary>
public static class GroupNormLayers
{
    public static readonly IReadOnlyList<GroupNormConfig> All = new GroupNormConfig[]
    {
        new("C1G1S1", GnC1G1S1F32.Groups, GnC1G1S1F32.Channels, GnC1G1S1F32.Spatial, true, static () => new GnC1G1S1F32(), static () => new GnC1G1S1F64()),
        new("C1G1S17", GnC1G1S17F32.Groups, GnC1G1S17F32.Channels, GnC1G1S17F32.Spatial, true, static () => new GnC1G1S17F32(), static () => new GnC1G1S17F64()),
        new("C1G1S3NoAffine", GnC1G1S3NoAffineF32.Groups, GnC1G1S3NoAffineF32.Channels, GnC1G1S3NoAffineF32.Spatial, false, static () => new GnC1G1S3NoAffineF32(), static () => new GnC1G1S3NoAffineF64()),
        new("C3G1S1", GnC3G1S1F32.Groups, GnC3G1S1F32.Channels, GnC3G1S1F32.Spatial, true, static () => new GnC3G1S1F32(), static () => new GnC3G1S1F64()),
        new("C3G3S16", GnC3G3S16F32.Groups, GnC3G3S16F32.Channels, GnC3G3S16F32.Spatial, true, static () => new GnC3G3S16F32(), static () => new GnC3G3S16F64()),
        new("C3G1S3", GnC3G1S3F32.Groups, GnC3G1S3F32.Channels, GnC3G1S3F32.Spatial, true, static () => new GnC3G1S3F32(), static () => new GnC3G1S3F64()),
        new("C3G1S1NoAffine", GnC3G1S1NoAffineF32.Groups, GnC3G1S1NoAffineF32.Channels, GnC3G1S1NoAffineF32.Spatial, false, static () => new GnC3G1S1NoAffineF32(), static () => new GnC3G1S1NoAffineF64()),
        new("C4G2S1", GnC4G2S1F32.Groups, GnC4G2S1F32.Channels, GnC4G2S1F32.Spatial, true, static () => new GnC4G2S1F32(), static () => new GnC4G2S1F64()),
        new("C4G2S16", GnC4G2S16F32.Groups, GnC4G2S16F32.Channels, GnC4G2S16F32.Spatial, true, static () => new GnC4G2S16F32(), static () => new GnC4G2S16F64()),
        new("C4G4S17", GnC4G4S17F32.Groups, GnC4G4S17F32.Channels, GnC4G4S17F32.Spatial, true, static () => new GnC4G4S17F32(), static () => new GnC4G4S17F64()),
        new("C4G1S3", GnC4G1S3F32.Groups, GnC4G1S3F32.Channels, GnC4G1S3F32.Spatial, true, static () => new GnC4G1S3F32(), static () => new GnC4G1S3F64()),
        new("C4G2S16NoAffine", GnC4G2S16NoAffineF32.Groups, GnC4G2S16NoAffineF32.Channels, GnC4G2S16NoAffineF32.Spatial, false, static () => new GnC4G2S16NoAffineF32(), static () => new GnC4G2S16NoAffineF64()),
        new("C4G4S17NoAffine", GnC4G4S17NoAffineF32.Groups, GnC4G4S17NoAffineF32.Channels, GnC4G4S17NoAffineF32.Spatial, false, static () => new GnC4G4S17NoAffineF32(), static () => new GnC4G4S17NoAffineF64()),
        new("C6G3S1", GnC6G3S1F32.Groups, GnC6G3S1F32.Channels, GnC6G3S1F32.Spatial, true, static () => new GnC6G3S1F32(), static () => new GnC6G3S1F64()),
        new("C6G2S17", GnC6G2S17F32.Groups, GnC6G2S17F32.Channels, GnC6G2S17F32.Spatial, true, static () => new GnC6G2S17F32(), static () => new GnC6G2S17F64()),
        new("C6G6S3", GnC6G6S3F32.Groups, GnC6G6S3F32.Channels, GnC6G6S3F32.Spatial, true, static () => new GnC6G6S3F32(), static () => new GnC6G6S3F64()),
        new("C6G1S16", GnC6G1S16F32.Groups, GnC6G1S16F32.Channels, GnC6G1S16F32.Spatial, true, static () => new GnC6G1S16F32(), static () => new GnC6G1S16F64()),
        new("C6G2S17NoAffine", GnC6G2S17NoAffineF32.Groups, GnC6G2S17NoAffineF32.Channels, GnC6G2S17NoAffineF32.Spatial, false, static () => new GnC6G2S17NoAffineF32(), static () => new GnC6G2S17NoAffineF64()),
        new("C38G2S1", GnC38G2S1F32.Groups, GnC38G2S1F32.Channels, GnC38G2S1F32.Spatial, true, static () => new GnC38G2S1F32(), static () => new GnC38G2S1F64()),
        new("C17G1S1", GnC17G1S1F32.Groups, GnC17G1S1F32.Channels, GnC17G1S1F32.Spatial, true, static () => new GnC17G1S1F32(), static () => new GnC17G1S1F64()),
        new("C17G17S16", GnC17G17S16F32.Groups, GnC17G17S16F32.Channels, GnC17G17S16F32.Spatial, true, static () => new GnC17G17S16F32(), static () => new GnC17G17S16F64()),
        new("C17G1S17", GnC17G1S17F32.Groups, GnC17G1S17F32.Channels, GnC17G1S17F32.Spatial, true, static () => new GnC17G1S17F32(), static () => new GnC17G1S17F64()),
        new("C17G1S1NoAffine", GnC17G1S1NoAffineF32.Groups, GnC17G1S1NoAffineF32.Channels, GnC17G1S1NoAffineF32.Spatial, false, static () => new GnC17G1S1NoAffineF32(), static () => new GnC17G1S1NoAffineF64()),
    };

    /// <summary>The configuration with this name.</summary>
    public static GroupNormConfig Get(string name)
    {
        foreach (GroupNormConfig config in All)
        {
            if (config.Name == name)
            {
                return config;
            }
        }

        throw new ArgumentException("No group-norm configuration " + name, nameof(name));
    }
}

// Layers of the behavior tests.
[GroupNorm(Groups = 2, Channels = 4, Spatial = 3, ElementType = typeof(double))] public partial class GnBehaviorF64 { }
[GroupNorm(Groups = 2, Channels = 6, Spatial = 16)] public partial class GnLargeMeanF32 { }
[GroupNorm(Groups = 3, Channels = 6)] public partial class GnLargeMeanColumnsF32 { }
[GroupNorm(Groups = 2, Channels = 4, Spatial = 5, Epsilon = 0.25, ElementType = typeof(double))] public partial class GnEps025F64 { }

