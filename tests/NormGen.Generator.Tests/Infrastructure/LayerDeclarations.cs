using System.Collections.Generic;
using System.Linq;
using NormGen.Generator.Kinds;

namespace NormGen.Generator.Tests.Infrastructure;

/// <summary>A valid attribute for each layer kind the generator knows, so tests can cover every kind in <see cref="LayerKinds.All"/>.</summary>
internal static class LayerDeclarations
{
    private static readonly Dictionary<string, string[]> Samples = new()
    {
        ["BatchNorm"] = new[]
        {
            "BatchNorm(Features = 5)",
            "BatchNorm(Features = 1, ElementType = typeof(double))",
            "BatchNorm(Features = 128)",
            "BatchNorm(Features = 1000, ElementType = typeof(double))",
            "BatchNorm(Features = 3, Spatial = 256)",
            "BatchNorm(Features = 7, Activation = Activation.Relu)",
            "BatchNorm(Features = 9, Affine = false)",
            "BatchNorm(Features = 16, RunningStats = RunningStatsMode.None)",
            "BatchNorm(Features = 33, RunningStats = RunningStatsMode.Cumulative, UnbiasedRunningVariance = false)",
            "BatchNorm(Features = 4, Spatial = 5, Activation = Activation.Relu, Affine = false, ElementType = typeof(double))",
            "BatchNorm(Features = 6, Renorm = true, RenormMaxScale = 2, RenormMaxShift = 0.5)",
            "BatchNorm(Features = 6, Spatial = 3, VirtualBatchSize = 4, ElementType = typeof(double))",
        },
        ["LayerNorm"] = new[] { "LayerNorm(Features = 5)", "LayerNorm(Features = 64, ElementType = typeof(double), Activation = Activation.Relu)", "LayerNorm(Features = 3, Affine = false)" },
        ["RmsNorm"] = new[] { "RmsNorm(Features = 5)", "RmsNorm(Features = 64, ElementType = typeof(double))", "RmsNorm(Features = 3, Affine = false)" },
        ["GroupNorm"] = new[] { "GroupNorm(Groups = 2, Channels = 4, Spatial = 3)", "GroupNorm(Groups = 1, Channels = 8, ElementType = typeof(double), Affine = false)" },
        ["InstanceNorm"] = new[] { "InstanceNorm(Channels = 3, Spatial = 4)", "InstanceNorm(Channels = 8, Spatial = 16, ElementType = typeof(double), Affine = false)" },
    };

    /// <summary>(kind, attribute text) for every registered kind; a kind without samples here fails <see cref="MissingSamples"/>.</summary>
    public static IEnumerable<(LayerKind Kind, string Attribute)> All() =>
        LayerKinds.All.Where(k => Samples.ContainsKey(k.AttributeName)).SelectMany(k => Samples[k.AttributeName].Select(a => (k, a)));

    /// <summary>Registered kinds this file has no sample for.</summary>
    public static IEnumerable<string> MissingSamples() =>
        LayerKinds.All.Select(k => k.AttributeName).Where(name => !Samples.ContainsKey(name));

    /// <summary>Whether <paramref name="attributeName"/> (e.g. LayerNorm) is a registered kind yet.</summary>
    public static bool IsRegistered(string attributeName) => LayerKinds.All.Any(k => k.AttributeName == attributeName);
}
