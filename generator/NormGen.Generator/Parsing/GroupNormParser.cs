using System.Collections.Generic;
using System.Collections.Immutable;
using NormGen.Generator.Diagnostics;
using NormGen.Generator.Model;

namespace NormGen.Generator.Parsing;

/// <summary>Reads [GroupNorm(...)] into a <see cref="GroupNormSpec"/>; also holds the checks [InstanceNorm] shares.</summary>
internal static class GroupNormParser
{
    /// <summary>Members both kinds declare besides the common ones (private names included: a user member would collide).</summary>
    public static readonly ImmutableArray<string> SharedMembers = ImmutableArray.Create(
        "Channels", "Spatial", "Shape", "ChannelsPerGroup", "GroupLength",
        "_pivot", "_centeredMean", "_inverseStd", "_forwardBatch", "EnsureCapacity", "NormalizeGroup", "BackwardGroup");

    public static readonly LayerKind Kind = new(
        "GroupNorm",
        TrackingNames.GroupNorm,
        ImmutableArray.CreateRange(LayerKinds.CommonMembers).AddRange(SharedMembers).Add("Groups"),
        Parse);

    private static LayerSpec? Parse(AttributeArguments arguments, TargetType target)
    {
        int groups = arguments.RequiredShape("Groups", LayerKinds.MaxShape);
        int channels = arguments.RequiredShape("Channels", LayerKinds.MaxShape);
        int spatial = arguments.OptionalShape("Spatial", 1, LayerKinds.MaxShape);
        if (!arguments.HasProblems && channels % groups != 0)
        {
            arguments.Report(
                DiagnosticDescriptors.GroupsDoNotDivideChannels,
                arguments.LocationOf("Groups"),
                Literals.Int(groups),
                Literals.Int(channels),
                SuggestDivisors(groups, channels));
        }

        return Finish(arguments, target, groups, channels, spatial, isInstanceNorm: false);
    }

    /// <summary>
    /// The checks and options both kinds share once the shape is read: the sample size limit, then
    /// ElementType, Epsilon and Affine. Returns null when anything was reported.
    /// </summary>
    public static LayerSpec? Finish(AttributeArguments arguments, TargetType target, int groups, int channels, int spatial, bool isInstanceNorm)
    {
        if (!arguments.HasProblems && (long)channels * spatial > LayerKinds.MaxShape)
        {
            arguments.Report(
                DiagnosticDescriptors.SampleTooLarge,
                arguments.LocationOf("Spatial"),
                "Channels * Spatial",
                Literals.Long((long)channels * spatial),
                Literals.Int(LayerKinds.MaxShape));
        }

        var spec = new GroupNormSpec(
            target,
            arguments.ElementType(),
            arguments.Epsilon(1e-5),
            arguments.Boolean("Affine", true),
            groups,
            channels,
            spatial,
            isInstanceNorm);
        return arguments.HasProblems ? null : spec;
    }

    /// <summary>The divisors of Channels nearest to Groups, below and above it: "4 or 8", or just one when only one side has any.</summary>
    internal static string SuggestDivisors(int groups, int channels)
    {
        int below = 1;
        int above = 0;
        var divisors = new List<int>();
        for (int d = 1; (long)d * d <= channels; d++)
        {
            if (channels % d == 0)
            {
                divisors.Add(d);
                divisors.Add(channels / d);
            }
        }

        foreach (int d in divisors)
        {
            if (d < groups && d > below)
            {
                below = d;
            }
            else if (d > groups && (above == 0 || d < above))
            {
                above = d;
            }
        }

        return above == 0 ? Literals.Int(below) : Literals.Int(below) + " or " + Literals.Int(above);
    }
}
