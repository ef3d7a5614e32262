using System.Collections.Immutable;
using NormGen.Generator.Model;

namespace NormGen.Generator.Parsing;

/// <summary>Reads [RmsNorm(...)] into an <see cref="RmsNormSpec"/>.</summary>
internal static class RmsNormParser
{
    /// <summary>Largest Features (mirrors NormGen.LayerLimits.MaxFeatures).</summary>
    public const int MaxFeatures = 1 << 24;

    public static readonly LayerKind Kind = new(
        "RmsNorm",
        TrackingNames.RmsNorm,
        ImmutableArray.CreateRange(LayerKinds.CommonMembers).AddRange(new[]
        {
            "Features", "Shape", "EnsureCapacity", "_inverseRms", "_forwardBatch",
        }),
        Parse);

    private static LayerSpec? Parse(AttributeArguments arguments, TargetType target)
    {
        var spec = new RmsNormSpec(
            target,
            arguments.ElementType(),
            arguments.Epsilon(1e-5),
            arguments.Boolean("Affine", true),
            arguments.RequiredShape("Features", MaxFeatures));
        return arguments.HasProblems ? null : spec;
    }
}
