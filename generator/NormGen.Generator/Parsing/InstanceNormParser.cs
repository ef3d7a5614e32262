using NormGen.Generator.Model;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Parsing;

/// <summary>Reads [InstanceNorm(...)] into a <see cref="GroupNormSpec"/> with one channel per group.</summary>
internal static class InstanceNormParser
{
    private static readonly InstanceNormAttribute Defaults = new();

    public static GroupNormSpec? Parse(AttributeArguments arguments, TargetType target)
    {
        int channels = arguments.RequiredShape(nameof(InstanceNormAttribute.Channels));
        int spatial = arguments.OptionalShape(nameof(InstanceNormAttribute.Spatial), Defaults.Spatial);
        return GroupNormParser.Finish(arguments, target, groups: channels, channels, spatial, isInstanceNorm: true, Defaults.Epsilon, Defaults.Affine);
    }
}
