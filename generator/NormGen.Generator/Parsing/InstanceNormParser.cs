using System.Collections.Immutable;
using NormGen.Generator.Model;

namespace NormGen.Generator.Parsing;

/// <summary>Reads [InstanceNorm(...)] into a <see cref="GroupNormSpec"/> with one channel per group.</summary>
internal static class InstanceNormParser
{
    public static readonly LayerKind Kind = new(
        "InstanceNorm",
        TrackingNames.InstanceNorm,
        ImmutableArray.CreateRange(LayerKinds.CommonMembers).AddRange(GroupNormParser.SharedMembers),
        Parse);

    private static LayerSpec? Parse(AttributeArguments arguments, TargetType target)
    {
        int channels = arguments.RequiredShape("Channels", LayerKinds.MaxShape);
        int spatial = arguments.OptionalShape("Spatial", 1, LayerKinds.MaxShape);
        return GroupNormParser.Finish(arguments, target, groups: channels, channels, spatial, isInstanceNorm: true);
    }
}
