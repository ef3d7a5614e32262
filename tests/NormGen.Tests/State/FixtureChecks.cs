using System;
using System.Linq;
using System.Numerics;
using Xunit;

namespace NormGen.Tests.State;

/// <summary>
/// What a loaded fixture layer must show, whatever file format it came from: exactly the stored values, PyTorch's eval
/// output (float within 1e-5, double within 1e-10, relative to max(1, |y|)), and for batch norm with running
/// statistics the same running statistics and count as PyTorch after one more training step.
/// </summary>
public static class FixtureChecks
{
    /// <summary>Loads case <paramref name="c"/> from <paramref name="tensors"/> (strict under its prefix) into a fresh layer and checks it.</summary>
    public static void LoadAndCheck(StateCase c, string variant, TensorSet tensors)
    {
        object layer = StateLayers.Factories[c.Name]();
        if (layer is INormalizationLayer<float> single)
        {
            Assert.True(c.IsFloat32, c.Name);
            Check(single, c, variant, tensors, 1e-5);
        }
        else
        {
            Assert.False(c.IsFloat32, c.Name);
            Check((INormalizationLayer<double>)layer, c, variant, tensors, 1e-10);
        }
    }

    /// <summary>Loads, then checks values, eval output and (for "model") the next training step.</summary>
    public static void Check<T>(INormalizationLayer<T> layer, StateCase c, string variant, TensorSet tensors, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        LayerState.Load(layer, tensors, c.Prefix);
        StateVariant stored = c.Variants[variant];
        AssertStored(stored, "weight", layer.Gamma, c.Name);
        AssertStored(stored, "bias", layer.Beta, c.Name);
        if (layer is IBatchNormLayer<T> batchNorm)
        {
            AssertStored(stored, "running_mean", batchNorm.RunningMean, c.Name);
            AssertStored(stored, "running_var", batchNorm.RunningVariance, c.Name);
            Assert.Equal(stored.BatchesTracked ?? 0, batchNorm.BatchesTracked);
        }

        layer.Training = false;
        T[] x = c.EvalX.Select(T.CreateChecked).ToArray();
        var y = new T[x.Length];
        layer.Forward(x, y);
        AssertClose(stored.EvalY, y, tolerance, $"{c.Name} ({variant}) eval output");

        if (variant == "model" && c.NextStep is StateNextStep next)
        {
            var fresh = (IBatchNormLayer<T>)StateLayers.Factories[c.Name]();
            LayerState.Load(fresh, tensors, c.Prefix);
            T[] xNext = next.X.Select(T.CreateChecked).ToArray();
            fresh.Forward(xNext, new T[xNext.Length]);
            AssertClose(next.RunningMean, fresh.RunningMean, tolerance, $"{c.Name} running mean after one more step");
            AssertClose(next.RunningVariance, fresh.RunningVariance, tolerance, $"{c.Name} running variance after one more step");
            Assert.Equal(next.BatchesTracked, fresh.BatchesTracked);
        }
    }

    /// <summary>Elements equal exactly (the stored values are representable in T), or empty where the key is absent.</summary>
    public static void AssertStored<T>(StateVariant stored, string key, T[] actual, string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!stored.Arrays.TryGetValue(key, out double[]? expected))
        {
            Assert.True(actual.Length == 0, $"{name}: {key} is not stored, but the layer has {actual.Length} values.");
            return;
        }

        Assert.Equal(expected.Select(T.CreateChecked).ToArray(), actual);
    }

    /// <summary>max |actual - expected| / max(1, |expected|) within <paramref name="tolerance"/>.</summary>
    public static void AssertClose<T>(double[] expected, T[] actual, double tolerance, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double a = double.CreateChecked(actual[i]);
            worst = Math.Max(worst, Math.Abs(a - expected[i]) / Math.Max(1, Math.Abs(expected[i])));
        }

        Assert.True(worst <= tolerance, $"{what}: worst relative error {worst:E3} > {tolerance:E0}.");
    }
}
