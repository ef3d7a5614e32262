using System;
using System.Collections.Generic;

namespace NormGen.Tests.Contract;

// One layer of every kind (and the batch-norm variants whose state differs), small enough for thousands of calls.
[BatchNorm(Features = 37)] public partial class ContractBn { }
[BatchNorm(Features = 5, Spatial = 9, Activation = Activation.Relu)] public partial class ContractBnSpatial { }
[BatchNorm(Features = 6, RunningStats = RunningStatsMode.None)] public partial class ContractBnNone { }
[BatchNorm(Features = 11, RunningStats = RunningStatsMode.Cumulative, ElementType = typeof(double))] public partial class ContractBnCumulativeF64 { }
[LayerNorm(Features = 33)] public partial class ContractLn { }
[RmsNorm(Features = 33, ElementType = typeof(double))] public partial class ContractRmsF64 { }
[GroupNorm(Groups = 2, Channels = 6, Spatial = 5)] public partial class ContractGn { }
[InstanceNorm(Channels = 3, Spatial = 7)] public partial class ContractIn { }

/// <summary>The contract layers by name, in float and double, behind <see cref="INormalizationLayer{T}"/>.</summary>
internal static class ContractLayers
{
    private static readonly Dictionary<string, Func<object>> Factories = new()
    {
        ["BatchNorm"] = () => new ContractBn(),
        ["BatchNormSpatialRelu"] = () => new ContractBnSpatial(),
        ["BatchNormNoRunningStatistics"] = () => new ContractBnNone(),
        ["BatchNormCumulativeDouble"] = () => new ContractBnCumulativeF64(),
        ["LayerNorm"] = () => new ContractLn(),
        ["RmsNormDouble"] = () => new ContractRmsF64(),
        ["GroupNorm"] = () => new ContractGn(),
        ["InstanceNorm"] = () => new ContractIn(),
    };

    public static IEnumerable<object[]> Names()
    {
        foreach (string name in Factories.Keys)
        {
            yield return new object[] { name };
        }
    }

    public static object Create(string name) => Factories[name]();

    /// <summary>Runs a generic test on a new layer of this name, with its element type.</summary>
    public static void Run(string name, ILayerTest test)
    {
        switch (Create(name))
        {
            case INormalizationLayer<float> single:
                test.Run(single);
                break;
            case INormalizationLayer<double> twice:
                test.Run(twice);
                break;
        }
    }
}

/// <summary>A test written once for both element types.</summary>
internal interface ILayerTest
{
    void Run<T>(INormalizationLayer<T> layer)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>;
}
