using System.Collections.Immutable;
using NormGen.Generator.Model;

namespace NormGen.Generator.Parsing;

/// <summary>Reads [LayerNorm(...)] into a <see cref="LayerNormSpec"/>.</summary>
internal static class LayerNormParser
{
    public static readonly LayerKind Kind = new(
        "LayerNorm",
        TrackingNames.LayerNorm,
        ImmutableArray.CreateRange(LayerKinds.CommonMembers).AddRange(new[]
        {
            "Features", "Shape", "EnsureCapacity", "_centeredMean", "_inverseStd", "_forwardBatch",
        }),
        Parse);

    private static LayerSpec? Parse(AttributeArguments arguments, TargetType target)
    {
        var spec = new LayerNormSpec(
            target,
            arguments.ElementType(),
            arguments.Epsilon(1e-5),
            arguments.Boolean("Affine", true),
            arguments.RequiredShape("Features", LayerKinds.MaxShape),
            (ActivationKind)arguments.EnumOption("Activation", "Activation", new[] { "None", "Relu" }));
        return arguments.HasProblems ? null : spec;
    }
}
