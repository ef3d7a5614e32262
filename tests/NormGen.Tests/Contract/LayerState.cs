using System;
using System.Linq;
using Xunit;

namespace NormGen.Tests.Contract;

/// <summary>Everything a rejected call must leave as it was: parameters, gradients, running statistics, counters.</summary>
internal sealed record LayerState<T>(T[] Gamma, T[] Beta, T[] GammaGrad, T[] BetaGrad, T[] RunningMean, T[] RunningVariance, long BatchesTracked, bool IsCollecting, bool Training)
    where T : unmanaged
{
    public static LayerState<T> Of(INormalizationLayer<T> layer)
    {
        var batchNorm = layer as IBatchNormLayer<T>;
        return new LayerState<T>(
            (T[])layer.Gamma.Clone(),
            (T[])layer.Beta.Clone(),
            (T[])layer.GammaGrad.Clone(),
            (T[])layer.BetaGrad.Clone(),
            (T[]?)batchNorm?.RunningMean.Clone() ?? [],
            (T[]?)batchNorm?.RunningVariance.Clone() ?? [],
            batchNorm?.BatchesTracked ?? 0,
            batchNorm?.IsCollecting ?? false,
            layer.Training);
    }

    public void AssertUnchanged(INormalizationLayer<T> layer, string after)
    {
        LayerState<T> now = Of(layer);
        Assert.True(Gamma.SequenceEqual(now.Gamma), after + ": Gamma changed");
        Assert.True(Beta.SequenceEqual(now.Beta), after + ": Beta changed");
        Assert.True(GammaGrad.SequenceEqual(now.GammaGrad), after + ": GammaGrad changed");
        Assert.True(BetaGrad.SequenceEqual(now.BetaGrad), after + ": BetaGrad changed");
        Assert.True(RunningMean.SequenceEqual(now.RunningMean), after + ": RunningMean changed");
        Assert.True(RunningVariance.SequenceEqual(now.RunningVariance), after + ": RunningVariance changed");
        Assert.Equal(BatchesTracked, now.BatchesTracked);
        Assert.Equal(IsCollecting, now.IsCollecting);
        Assert.Equal(Training, now.Training);
    }
}

/// <summary>Random inputs for any layer: x with a different center per element of a sample, dy standard normal.</summary>
internal static class ContractData
{
    public static T[] Samples<T>(Random random, int batch, int sampleLength, double scale = 1)
        where T : unmanaged
    {
        double[] values = TestData.Normal(random, batch * sampleLength);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = scale * (values[i] + 0.1 * (i % sampleLength));
        }

        return Convert<T>(values);
    }

    public static T[] Convert<T>(double[] values)
        where T : unmanaged =>
        typeof(T) == typeof(float) ? (T[])(object)TestData.ToFloat(values) : (T[])(object)values;
}
