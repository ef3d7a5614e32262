using System.Collections.Immutable;
using NormGen.Generator.Model;

namespace NormGen.Generator.Parsing;

/// <summary>Reads [RmsNorm(...)] into an <see cref="RmsNormSpec"/>.</summary>
internal static class RmsNormParser
{
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
            arguments.RequiredShape("Features", LayerKinds.MaxShape));
        return arguments.HasProblems ? null : spec;
    }
}
