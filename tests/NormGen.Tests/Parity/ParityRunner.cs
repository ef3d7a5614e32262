using System;
using System.Globalization;
using System.Numerics;
using Xunit;

namespace NormGen.Tests.Parity;

/// <summary>
/// Replays a PyTorch fixture case on its generated layer: five training steps (Forward, Backward) and one
/// inference step, comparing every output with <c>|actual - expected| &lt;= tol * max(1, |expected|)</c>.
/// </summary>
public static class ParityRunner
{
    /// <summary>Tolerance for float layers (the fixture holds the float64 answer rounded to float32).</summary>
    public const double FloatTolerance = 1e-5;

    /// <summary>Tolerance for double layers.</summary>
    public const double DoubleTolerance = 1e-10;

    /// <summary>Creates the case's layer and replays the case on it; fails with the first mismatching output.</summary>
    /// <param name="kind">The fixture file (see <see cref="ParityFixture.Kinds"/>).</param>
    /// <param name="name">The case name.</param>
    public static void Run(string kind, string name)
    {
        var c = ParityFixture.Case(kind, name);
        Assert.True(ParityLayers.Factories.TryGetValue(name, out var create), $"{name}: no layer in ParityLayers.Factories.");
        var layer = create!();
        if (c.IsFloat32)
        {
            Run<float>(c, layer, FloatTolerance);
        }
        else
        {
            Run<double>(c, layer, DoubleTolerance);
        }
    }

    private static void Run<T>(ParityCase c, object instance, double tolerance)
        where T : unmanaged, INumberBase<T>
    {
        // Factories return object so a kind whose generator is not written yet still compiles and fails here.
        if (instance is not INormalizationLayer<T> layer)
        {
            Assert.Fail($"{c.Name}: {instance.GetType().Name} does not implement INormalizationLayer<{typeof(T).Name}>; was the layer generated?");
            return;
        }

        var bn = instance as IBatchNormLayer<T>;
        if (c.IsBatchNorm)
        {
            Assert.True(bn is not null, $"{c.Name}: {layer.Name} does not implement IBatchNormLayer<{typeof(T).Name}>.");
            Assert.Equal(c.ParameterCount, bn!.FeatureCount);
        }

        Assert.Equal(c.SampleLength, layer.SampleLength);
        Assert.True(c.Gamma.Length == layer.Gamma.Length, $"{c.Name}: Gamma has {layer.Gamma.Length} elements, expected {c.Gamma.Length}.");
        Assert.True(c.Beta.Length == layer.Beta.Length, $"{c.Name}: Beta has {layer.Beta.Length} elements, expected {c.Beta.Length}.");
        Convert<T>(c.Gamma).CopyTo(layer.Gamma, 0);
        Convert<T>(c.Beta).CopyTo(layer.Beta, 0);

        layer.Training = true;
        for (var i = 0; i < c.Steps.Count; i++)
        {
            var s = c.Steps[i];
            var where = $"{c.Name} step {i + 1}";
            var x = Convert<T>(s.X);
            var y = new T[x.Length];
            layer.Forward(x, y);
            Compare(y, s.Y, tolerance, where, "y");

            var dx = new T[x.Length];
            layer.Backward(x, Convert<T>(s.Dy), dx);
            Compare(dx, s.Dx, tolerance, where, "dx");
            Compare(layer.GammaGrad, s.DGamma, tolerance, where, "GammaGrad");
            Compare(layer.BetaGrad, s.DBeta, tolerance, where, "BetaGrad");

            if (s.RunningMean is not null)
            {
                Compare(bn!.RunningMean, s.RunningMean, tolerance, where, "RunningMean");
                Compare(bn.RunningVariance, s.RunningVariance!, tolerance, where, "RunningVariance");
            }

            if (s.BatchesTracked is long tracked)
            {
                Assert.True(tracked == bn!.BatchesTracked, $"{where}: BatchesTracked {bn.BatchesTracked}, expected {tracked}.");
            }
        }

        layer.Training = false;
        var evalX = Convert<T>(c.EvalX);
        var evalY = new T[evalX.Length];
        layer.Forward(evalX, evalY);
        Compare(evalY, c.EvalY, tolerance, $"{c.Name} eval", "y");

        // Inference must leave the running statistics where the last training step put them.
        var last = c.Steps[^1];
        if (last.RunningMean is not null)
        {
            Compare(bn!.RunningMean, last.RunningMean, tolerance, $"{c.Name} after eval", "RunningMean");
            Compare(bn.RunningVariance, last.RunningVariance!, tolerance, $"{c.Name} after eval", "RunningVariance");
            Assert.Equal(last.BatchesTracked, bn.BatchesTracked);
        }
    }

    private static T[] Convert<T>(double[] values)
        where T : INumberBase<T>
    {
        var result = new T[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = T.CreateChecked(values[i]);
        }

        return result;
    }

    /// <summary>Fails with the worst element and the number of elements outside the tolerance.</summary>
    private static void Compare<T>(T[] actual, double[] expected, double tolerance, string where, string what)
        where T : INumberBase<T>
    {
        Assert.True(
            actual.Length == expected.Length,
            $"{where}: {what} has {actual.Length} elements, expected {expected.Length}.");
        var bad = 0;
        var worst = -1;
        var worstExcess = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            var a = double.CreateChecked(actual[i]);
            var b = expected[i];
            var allowed = tolerance * Math.Max(1.0, Math.Abs(b));
            var diff = Math.Abs(a - b);
            if (!(diff <= allowed))
            {
                bad++;
                var excess = double.IsNaN(diff) ? double.PositiveInfinity : diff / allowed;
                if (worst < 0 || excess > worstExcess)
                {
                    worst = i;
                    worstExcess = excess;
                }
            }
        }

        if (bad > 0)
        {
            var a = double.CreateChecked(actual[worst]);
            var b = expected[worst];
            Assert.Fail(string.Create(
                CultureInfo.InvariantCulture,
                $"{where}: {what} differs at {bad} of {actual.Length} elements; worst [{worst}] actual {a:R} expected {b:R} (|diff| {Math.Abs(a - b):G3}, allowed {tolerance * Math.Max(1.0, Math.Abs(b)):G3})."));
        }
    }
}
