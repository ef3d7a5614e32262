using NormGen.Generator.Model;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Parsing;

/// <summary>Reads [RmsNorm(...)] into an <see cref="RmsNormSpec"/>.</summary>
internal static class RmsNormParser
{
    private static readonly RmsNormAttribute Defaults = new();

    public static RmsNormSpec? Parse(AttributeArguments arguments, TargetType target)
    {
        int features = arguments.RequiredShape(nameof(RmsNormAttribute.Features));
        ElementKind element = arguments.ElementType();
        var spec = new RmsNormSpec(
            target,
            element,
            arguments.Epsilon(Defaults.Epsilon, element),
            arguments.Boolean(nameof(RmsNormAttribute.Affine), Defaults.Affine),
            features);
        return arguments.HasProblems ? null : spec;
    }
}
