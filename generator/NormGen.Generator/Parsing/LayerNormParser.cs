using NormGen.Generator.Model;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Parsing;

/// <summary>Reads [LayerNorm(...)] into a <see cref="LayerNormSpec"/>.</summary>
internal static class LayerNormParser
{
    private static readonly LayerNormAttribute Defaults = new();

    public static LayerNormSpec? Parse(AttributeArguments arguments, TargetType target)
    {
        int features = arguments.RequiredShape(nameof(LayerNormAttribute.Features));
        ElementKind element = arguments.ElementType();
        var spec = new LayerNormSpec(
            target,
            element,
            arguments.Epsilon(Defaults.Epsilon, element),
            arguments.Boolean(nameof(LayerNormAttribute.Affine), Defaults.Affine),
            features,
            arguments.EnumOption(nameof(LayerNormAttribute.Activation), Defaults.Activation));
        return arguments.HasProblems ? null : spec;
    }
}
