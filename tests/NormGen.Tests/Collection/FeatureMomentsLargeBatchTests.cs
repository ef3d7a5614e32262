using System;
using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace NormGen.Tests.Collection;

/// <summary>
/// One Add of 2^26 rows (256 MiB of float), the case issue 13 reported: a float sum over the whole batch was 7.6% off
/// at 2^25 rows. Now within 1e-6 of the exact statistics of the same float values, also when the mean is 1e6 times
/// the spread, and also laid out as long spatial runs.
/// </summary>
public class FeatureMomentsLargeBatchTests(ITestOutputHelper output)
{
    private const int Rows = 1 << 26;
    private const double Tolerance = 1e-6;

    [Fact]
    public void One_add_of_2_to_the_26_rows_is_exact()
    {
        var x = new float[Rows];
        foreach ((double mean, double spread) in new[] { (7.0, 3.0), (3e6, 3.0) })
        {
            // Uniform on mean +- sqrt(3) * spread: variance spread^2 (9), from a fixed xorshift generator.
            ulong state = 0x9E3779B97F4A7C15;
            for (int i = 0; i < x.Length; i++)
            {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                double uniform = (state >> 11) * (1.0 / (1UL << 53));
                x[i] = (float)(mean + (Math.Sqrt(3) * spread * ((2 * uniform) - 1)));
            }

            (double exactMean, double exactM2) = Float64Truth(x);
            double exactVariance = exactM2 / (Rows - 1);
            foreach (int spatial in new[] { 1, 64 })
            {
                // spatial 64: the same values as (2^20, 1, 64), one channel's long runs: the same statistics.
                var moments = new FeatureMoments<float>(1);
                var clock = Stopwatch.StartNew();
                moments.Add(x, spatial);
                clock.Stop();
                var variance = new float[1];
                moments.GetVariance(variance, unbiased: true);
                double meanError = Math.Abs(moments.Mean[0] - exactMean) / Math.Abs(exactMean);
                double varianceError = Math.Abs(variance[0] - exactVariance) / exactVariance;
                output.WriteLine(
                    $"mean {mean:G}, spread {spread}, spatial {spatial}: Add {clock.Elapsed.TotalMilliseconds:F0} ms; mean {moments.Mean[0]:R} (exact {exactMean:R}, rel. error {meanError:E2}), " +
                    $"variance {variance[0]:R} (exact {exactVariance:R}, rel. error {varianceError:E2})");
                Assert.Equal((long)Rows, moments.Count);
                Assert.True(meanError <= Tolerance, $"mean relative error {meanError:E2}");
                Assert.True(varianceError <= Tolerance, $"variance relative error {varianceError:E2}");
            }
        }
    }

    /// <summary>
    /// Mean and M2 of x in double, two passes, each summed in blocks of 4096 values so double's own rounding stays
    /// near 1e-16 relative, ten orders below the tolerance (the double-double reference would take seconds here).
    /// </summary>
    private static (double Mean, double M2) Float64Truth(float[] x)
    {
        double total = 0;
        for (int start = 0; start < x.Length; start += 4096)
        {
            double block = 0;
            foreach (float value in x.AsSpan(start, Math.Min(4096, x.Length - start)))
            {
                block += value;
            }

            total += block;
        }

        double mean = total / x.Length;
        double m2 = 0;
        for (int start = 0; start < x.Length; start += 4096)
        {
            double block = 0;
            foreach (float value in x.AsSpan(start, Math.Min(4096, x.Length - start)))
            {
                double deviation = value - mean;
                block += deviation * deviation;
            }

            m2 += block;
        }

        return (mean, m2);
    }
}
