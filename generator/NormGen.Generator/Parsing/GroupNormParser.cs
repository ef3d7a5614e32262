using System.Collections.Generic;
using NormGen.Generator.Diagnostics;
using NormGen.Generator.Model;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Parsing;

/// <summary>Reads [GroupNorm(...)] into a <see cref="GroupNormSpec"/>; also holds the checks [InstanceNorm] shares.</summary>
internal static class GroupNormParser
{
    private static readonly GroupNormAttribute Defaults = new();

    public static GroupNormSpec? Parse(AttributeArguments arguments, TargetType target)
    {
        int groups = arguments.RequiredShape(nameof(GroupNormAttribute.Groups));
        int channels = arguments.RequiredShape(nameof(GroupNormAttribute.Channels));
        int spatial = arguments.OptionalShape(nameof(GroupNormAttribute.Spatial), Defaults.Spatial);
        if (!arguments.HasProblems && channels % groups != 0)
        {
            arguments.Report(
                DiagnosticDescriptors.GroupsDoNotDivideChannels,
                arguments.LocationOf(nameof(GroupNormAttribute.Groups)),
                Literals.Int(groups),
                Literals.Int(channels),
                SuggestDivisors(groups, channels));
        }

        return Finish(arguments, target, groups, channels, spatial, isInstanceNorm: false, Defaults.Epsilon, Defaults.Affine);
    }

    /// <summary>
    /// The checks and options both kinds share once the shape is read: the sample size limit, then ElementType, Epsilon
    /// and Affine. Returns null when anything was reported.
    /// </summary>
    public static GroupNormSpec? Finish(
        AttributeArguments arguments, TargetType target, int groups, int channels, int spatial, bool isInstanceNorm, double defaultEpsilon, bool defaultAffine)
    {
        arguments.CheckSampleLength("Channels * Spatial", channels, spatial, nameof(GroupNormAttribute.Spatial));
        ElementKind element = arguments.ElementType();
        var spec = new GroupNormSpec(
            target,
            element,
            arguments.Epsilon(defaultEpsilon, element),
            arguments.Boolean(nameof(GroupNormAttribute.Affine), defaultAffine),
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
