using System;
using System.Linq;
using CsCheck;
using Xunit;
using Xunit.Abstractions;

namespace NormGen.Tests.Contract;

// Momentum = 0: after one training Forward the running statistics are the batch's mean and unbiased variance.
[BatchNorm(Features = 1, Momentum = 0)] public partial class ExactBn1 { }
[BatchNorm(Features = 17, Momentum = 0)] public partial class ExactBn17 { }
[BatchNorm(Features = 3, Spatial = 7, Momentum = 0)] public partial class ExactBnSpatial { }
[BatchNorm(Features = 17, Momentum = 0, ElementType = typeof(double))] public partial class ExactBn17F64 { }

/// <summary>
/// Exact means exact: the statistics a batch-norm layer computes (training Forward, exact collection, spatial) stay
/// within 1e-6 relative (float) of the float64 statistics of the same values, for magnitudes from 1e-30 to 1e30 mixed
/// across features, offset/spread ratios up to 1e6, any batch split, and batches up to 2^26 rows.
/// </summary>
public class StatisticsExactnessTests(ITestOutputHelper output)
{
    /// <summary>One feature's data: a center of any magnitude and sign, and a spread up to 1e6 times smaller.</summary>
    private static readonly Gen<(double Center, double Spread)> FeatureScale =
        Gen.Select(Gen.Double[-30, 30], Gen.Double[0, 6], Gen.Bool, (magnitude, ratio, negative) =>
        {
            double center = (negative ? -1 : 1) * Math.Pow(10, magnitude);
            // The variance must be a normal float, and a chunk's sum of squared deviations too (a float kernel sums them
            // over up to 2^14 values before they reach double): spreads between 1e-18 and 1e15.
            double spread = Math.Clamp(Math.Abs(center) / Math.Pow(10, ratio), 1e-18, 1e15);
            return (center, spread);
        });

    [Fact]
    public void Training_statistics_match_float64_for_any_magnitudes()
    {
        double worst = 0;
        Gen.Select(FeatureScale.Array[17], Gen.Int[2, 1500], Gen.UInt).Sample((scales, batch, seed) =>
        {
            float[] x = Data(scales, batch, 1, seed);
            var layer = new ExactBn17();
            layer.Forward(x, new float[x.Length]);
            worst = Math.Max(worst, Compare(x, 17, 1, layer.RunningMean, layer.RunningVariance));
        }, iter: 150);
        output.WriteLine($"worst relative error {worst:E2}");
        Assert.True(worst <= 1e-6, $"worst relative error {worst:E2}");
    }

    [Fact]
    public void Collected_statistics_match_float64_for_any_split()
    {
        double worst = 0;
        Gen.Select(FeatureScale.Array[3], Gen.Int[1, 400].Array[1, 8], Gen.UInt).Sample((scales, pieces, seed) =>
        {
            int batch = pieces.Sum();
            if (batch < 2)
            {
                return;
            }

            float[] x = Data(scales, batch, 7, seed);
            var layer = new ExactBnSpatial();
            layer.BeginCollect();
            int start = 0;
            foreach (int rows in pieces)
            {
                layer.Forward(x.AsSpan(start * 21, rows * 21), new float[rows * 21]);
                start += rows;
            }

            layer.EndCollect();
            worst = Math.Max(worst, Compare(x, 3, 7, layer.RunningMean, layer.RunningVariance));
        }, iter: 150);
        output.WriteLine($"worst relative error {worst:E2}");
        Assert.True(worst <= 1e-6, $"worst relative error {worst:E2}");
    }

    [Fact]
    public void Double_statistics_match_to_1e12()
    {
        double worst = 0;
        Gen.Select(FeatureScale.Array[17], Gen.Int[2, 800], Gen.UInt).Sample((scales, batch, seed) =>
        {
            double[] x = Array.ConvertAll(Data(scales, batch, 1, seed), v => (double)v);
            var layer = new ExactBn17F64();
            layer.Forward(x, new double[x.Length]);
            worst = Math.Max(worst, Compare(x, 17, 1, layer.RunningMean, layer.RunningVariance));
        }, iter: 100);
        output.WriteLine($"worst relative error {worst:E2}");
        Assert.True(worst <= 1e-12, $"worst relative error {worst:E2}");
    }

    [Theory]
    [InlineData(7.0, 3.0)]
    [InlineData(3e6, 3.0)]
    public void A_batch_of_2_to_the_26_rows_loses_nothing(double center, double spread)
    {
        const int Rows = 1 << 26;
        float[] x = GC.AllocateUninitializedArray<float>(Rows);
        var random = new Random(5);
        for (int i = 0; i < Rows; i++)
        {
            // A cheap symmetric spread: the sum of two uniforms (triangular), scaled to the wanted std.
            x[i] = (float)(center + spread * Math.Sqrt(6) * (random.NextDouble() + random.NextDouble() - 1));
        }

        var layer = new ExactBn1();
        (double mean, double variance) = Truth(x, 1, 1, 0);
        layer.Forward(x, x);
        double meanError = Math.Abs(layer.RunningMean[0] - mean) / Math.Max(Math.Abs(mean), Math.Sqrt(variance));
        double varianceError = Math.Abs(layer.RunningVariance[0] - variance) / variance;
        output.WriteLine($"center {center}: mean error {meanError:E2}, variance error {varianceError:E2}");
        Assert.True(meanError <= 1e-6 && varianceError <= 1e-6, $"mean error {meanError:E2}, variance error {varianceError:E2}");
    }

    /// <summary>(batch, features, spatial) float data, feature f centered at scales[f].Center with spread scales[f].Spread.</summary>
    private static float[] Data((double Center, double Spread)[] scales, int batch, int spatial, uint seed)
    {
        var random = new Random((int)seed);
        int features = scales.Length;
        double[] noise = TestData.Normal(random, batch * features * spatial);
        var x = new float[noise.Length];
        for (int i = 0; i < x.Length; i++)
        {
            (double center, double spread) = scales[i / spatial % features];
            x[i] = (float)(center + spread * noise[i]);
        }

        return x;
    }

    /// <summary>The worst relative error of the layer's statistics against float64 ones of the same values.</summary>
    private static double Compare<T>(T[] x, int features, int spatial, T[] runningMean, T[] runningVariance)
        where T : System.Numerics.INumberBase<T>
    {
        double worst = 0;
        for (int f = 0; f < features; f++)
        {
            (double mean, double variance) = Truth(x, features, spatial, f);
            double std = Math.Sqrt(variance);
            double meanError = Math.Abs(double.CreateTruncating(runningMean[f]) - mean) / Math.Max(Math.Abs(mean), std);
            double varianceError = variance == 0 ? Math.Abs(double.CreateTruncating(runningVariance[f])) : Math.Abs(double.CreateTruncating(runningVariance[f]) - variance) / variance;
            worst = Math.Max(worst, Math.Max(meanError, varianceError));
        }

        return worst;
    }

    /// <summary>Feature f's mean and unbiased variance in double: two passes, the second about the mean.</summary>
    private static (double Mean, double Variance) Truth<T>(T[] x, int features, int spatial, int f)
        where T : System.Numerics.INumberBase<T>
    {
        long count = 0;
        double sum = 0;
        for (int i = f * spatial; i < x.Length; i += features * spatial)
        {
            for (int s = 0; s < spatial; s++)
            {
                sum += double.CreateTruncating(x[i + s]);
                count++;
            }
        }

        double mean = sum / count;
        double squares = 0;
        for (int i = f * spatial; i < x.Length; i += features * spatial)
        {
            for (int s = 0; s < spatial; s++)
            {
                double d = double.CreateTruncating(x[i + s]) - mean;
                squares += d * d;
            }
        }

        return (mean, squares / (count - 1));
    }
}
