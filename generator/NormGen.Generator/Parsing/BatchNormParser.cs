using NormGen.Generator.Diagnostics;
using NormGen.Generator.Model;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Parsing;

/// <summary>Reads [BatchNorm(...)] into a <see cref="BatchNormSpec"/>; names and defaults come from the attribute itself.</summary>
internal static class BatchNormParser
{
    private static readonly BatchNormAttribute Defaults = new();

    public static BatchNormSpec? Parse(AttributeArguments arguments, TargetType target)
    {
        int features = arguments.RequiredShape(nameof(BatchNormAttribute.Features));
        int spatial = arguments.OptionalShape(nameof(BatchNormAttribute.Spatial), Defaults.Spatial);
        arguments.CheckSampleLength("Features * Spatial", features, spatial, nameof(BatchNormAttribute.Spatial));
        ElementKind element = arguments.ElementType();
        var spec = new BatchNormSpec(
            target,
            element,
            arguments.Epsilon(Defaults.Epsilon, element),
            arguments.Boolean(nameof(BatchNormAttribute.Affine), Defaults.Affine),
            features,
            spatial,
            arguments.Momentum(Defaults.Momentum),
            arguments.Boolean(nameof(BatchNormAttribute.UnbiasedRunningVariance), Defaults.UnbiasedRunningVariance),
            arguments.EnumOption(nameof(BatchNormAttribute.RunningStats), Defaults.RunningStats),
            arguments.EnumOption(nameof(BatchNormAttribute.Activation), Defaults.Activation));
        return arguments.HasProblems ? null : spec;
    }
}
