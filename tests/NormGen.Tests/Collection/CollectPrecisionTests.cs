using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using Xunit.Abstractions;
using static NormGen.Tests.Collection.ScalarStatistics;

namespace NormGen.Tests.Collection;

/// <summary>
/// Why exact collection exists: the alternatives users reach for are wrong in ways these tests show on concrete data,
/// next to NormGen's result on the same data.
/// </summary>
public class CollectPrecisionTests(ITestOutputHelper output)
{
    private const int Features = 4;

    /// <summary>
    /// Float data with mean 1e4 and standard deviation 1e-2. NormGen (layer collection and FeatureMoments) stays within
    /// 1e-3 of the double-precision variance of the same float values; fvcore PreciseBN's population estimator
    /// (E[x^2] - E[x]^2, accumulated in the data's precision) loses every digit.
    /// </summary>
    [Fact]
    public void Float_collection_survives_a_large_mean_where_E_x2_minus_E_x_squared_fails()
    {
        int[] sizes = Enumerable.Repeat(new[] { 64, 100, 7, 33 }, 5).SelectMany(s => s).ToArray();
        var random = new Random(2024);
        var batches = new List<double[]>();
        foreach (int size in sizes)
        {
            double[] x = TestData.Normal(random, size * Features, mean: 1e4, std: 1e-2);
            batches.Add(TestData.RoundToFloat(x));
        }

        // Truth: the float values, in double. Quantization (float spacing at 1e4 is ~1e-3) is part of the data.
        var (_, truthUnbiased) = ScalarStatistics.Of(Concat(batches), Features, 1, unbiased: true);
        var (_, truthBiased) = ScalarStatistics.Of(Concat(batches), Features, 1, unbiased: false);

        var layer = new CollectPrecisionF4();
        var moments = new FeatureMoments<float>(Features);
        layer.BeginCollect();
        foreach (double[] batch in batches)
        {
            float[] x = To<float>(batch);
            layer.Forward(x, new float[x.Length]);
            moments.Add(x);
        }

        layer.EndCollect();
        var momentsVariance = new float[Features];
        moments.GetVariance(momentsVariance, unbiased: true);

        double[] fvcore = FvcorePopulationVariance(batches);
        double layerError = MaxRelativeError(truthUnbiased, ToDouble<float>(layer.RunningVariance));
        double momentsError = MaxRelativeError(truthUnbiased, ToDouble<float>(momentsVariance));
        double fvcoreError = MaxRelativeError(truthBiased, fvcore);
        output.WriteLine($"truth (unbiased, double):        {Format(truthUnbiased)}");
        output.WriteLine($"NormGen EndCollect (float):      {Format(ToDouble<float>(layer.RunningVariance))}  max rel. error {layerError:E2}");
        output.WriteLine($"FeatureMoments (float):          {Format(ToDouble<float>(momentsVariance))}  max rel. error {momentsError:E2}");
        output.WriteLine($"truth (biased, double):          {Format(truthBiased)}");
        output.WriteLine($"fvcore E[x^2] - E[x]^2 (float):  {Format(fvcore)}  max rel. error {fvcoreError:E2}");

        Assert.True(layerError <= 1e-3, $"EndCollect variance relative error {layerError:E3}");
        Assert.True(momentsError <= 1e-3, $"FeatureMoments variance relative error {momentsError:E3}");
        Assert.True(fvcore.Any(v => !(v > 0)) || !(fvcoreError <= 0.1), $"fvcore-style variance unexpectedly close: {Format(fvcore)}");
    }

    /// <summary>
    /// PyTorch momentum=None (NormGen's Cumulative mode) averages per-batch variances, so it misses the spread of the
    /// batch means: with batches drawn from shifted distributions it underestimates the dataset variance, where exact
    /// collection matches it.
    /// </summary>
    [Fact]
    public void Averaging_batch_variances_misses_the_spread_of_batch_means()
    {
        // Ten batches of 50, standard deviation about 1, batch k shifted by k: the dataset variance is about 1 + 8.25.
        var random = new Random(7);
        var batches = new List<double[]>();
        for (int k = 0; k < 10; k++)
        {
            batches.Add(TestData.Normal(random, 50 * Features, mean: k, std: 1));
        }

        var (truthMean, truthVariance) = ScalarStatistics.Of(Concat(batches), Features, 1, unbiased: true);
        var cumulative = new CollectCumulativeD4();
        var collecting = new CollectDrift4();
        collecting.BeginCollect();
        foreach (double[] batch in batches)
        {
            cumulative.Forward(batch, new double[batch.Length]);
            collecting.Forward(batch, new double[batch.Length]);
        }

        collecting.EndCollect();
        double[] averaged = cumulative.RunningVariance;
        double averagedError = MaxRelativeError(truthVariance, averaged);
        double exactError = MaxRelativeError(truthVariance, collecting.RunningVariance);
        output.WriteLine($"truth (unbiased):                   {Format(truthVariance)}");
        output.WriteLine($"NormGen EndCollect:                 {Format(collecting.RunningVariance)}  max rel. error {exactError:E2}");
        output.WriteLine($"mean of batch variances (Cumulative, PyTorch momentum=None): {Format(averaged)}  max rel. error {averagedError:E2}");

        Assert.True(exactError <= 1e-12, $"EndCollect variance relative error {exactError:E3}");
        TestData.AssertClose(truthMean, collecting.RunningMean, 1e-12, "EndCollect mean");
        Assert.True(averagedError > 0.5, $"averaging batch variances should miss the between-batch spread; error {averagedError:E3}");
    }

    /// <summary>
    /// fvcore.nn.update_bn_stats with its _PopulationVarianceEstimator, in float as PyTorch runs it on float models:
    /// per batch, E[x^2] = mean^2 + var * (n-1)/n is averaged with weights n/total, then var = E[x^2] - E[x]^2 (biased).
    /// The per-batch mean and unbiased variance are given their best float values (computed in double, then rounded).
    /// </summary>
    private static double[] FvcorePopulationVariance(List<double[]> batches)
    {
        var populationMean = new float[Features];
        var populationSquareMean = new float[Features];
        long total = 0;
        foreach (double[] batch in batches)
        {
            int n = batch.Length / Features;
            var (mean, variance) = ScalarStatistics.Of(batch, Features, 1, unbiased: true);
            total += n;
            for (int f = 0; f < Features; f++)
            {
                float batchMean = (float)mean[f];
                float batchSquareMean = batchMean * batchMean + (float)variance[f] * ((n - 1) / (float)n);
                float weight = n / (float)total;
                populationMean[f] += (batchMean - populationMean[f]) * weight;
                populationSquareMean[f] += (batchSquareMean - populationSquareMean[f]) * weight;
            }
        }

        return Enumerable.Range(0, Features).Select(f => (double)(populationSquareMean[f] - populationMean[f] * populationMean[f])).ToArray();
    }

    private static string Format(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)));
}
