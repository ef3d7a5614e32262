using System;
using System.Linq;
using System.Numerics;
using System.Threading;
using CsCheck;
using Xunit;
using Xunit.Abstractions;

namespace NormGen.Tests.Collection;

/// <summary>
/// Property tests of "exact means exact" (issue 13): random shapes, batch sizes and magnitudes, the batch split into
/// several Add calls on several instances that are then merged in random order, compared feature by feature with a
/// double-double reference of the same values (<see cref="ExactReference"/>).
/// </summary>
/// <remarks>
/// Each feature gets its own magnitude |mean|, log-uniform in 1e-30..1e30, and its own ratio mean/spread,
/// log-uniform in 1..1e6, so a batch mixes features 1e60 apart. Float variances then range far beyond float: the
/// 1e-6 comparison is made only for features whose true variance is a normal float (about half of them); the others
/// must overflow to infinity exactly when the true variance does, or round to the nearest subnormal. Double
/// features are all compared at 1e-12. The mean is compared relative to |mean| + standard deviation, because a
/// sample mean can land near 0 when the ratio is near 1.
/// </remarks>
public class FeatureMomentsPropertyTests(ITestOutputHelper output)
{
    private const float FloatTolerance = 1e-6f;
    private const double DoubleTolerance = 1e-12;

    [Fact]
    public void Float_statistics_equal_the_exact_statistics_for_mixed_magnitudes_and_splits()
    {
        var tally = new Tally();
        Cases(minSpatial: 1, maxSpatial: 5, maxRows: 20_000, maxValues: 100_000).Sample(c => Check<float>(c, FloatTolerance, tally), iter: 250);
        Report("float, spatial 1..5", tally);
        Assert.True(tally.Compared > 3 * tally.RangeChecked / 4, "too few features with a normal float variance to mean anything");
    }

    [Fact]
    public void Double_statistics_equal_the_exact_statistics_for_mixed_magnitudes_and_splits()
    {
        var tally = new Tally();
        Cases(minSpatial: 1, maxSpatial: 5, maxRows: 20_000, maxValues: 100_000).Sample(c => Check<double>(c, DoubleTolerance, tally), iter: 150);
        Report("double, spatial 1..5", tally);
        Assert.Equal(0, tally.RangeChecked);
    }

    /// <summary>Long spatial runs (NCHW with large H*W), up to runs split into pieces, with few features and rows.</summary>
    [Fact]
    public void Long_spatial_runs_equal_the_exact_statistics()
    {
        var floatTally = new Tally();
        var doubleTally = new Tally();
        var cases = Cases(minSpatial: 6, maxSpatial: 1200, maxRows: 40, maxValues: 60_000, maxFeatures: 6);
        cases.Sample(c => Check<float>(c, FloatTolerance, floatTally), iter: 120);
        cases.Sample(c => Check<double>(c, DoubleTolerance, doubleTally), iter: 120);
        Report("float, spatial 6..1200", floatTally);
        Report("double, spatial 6..1200", doubleTally);
    }

    private static Gen<Case> Cases(int minSpatial, int maxSpatial, int maxRows, int maxValues, int maxFeatures = 70) =>
        from features in Gen.Int[1, maxFeatures]
        from spatial in Gen.Int[minSpatial, maxSpatial]
        from drawnRows in Gen.Frequency((3, Gen.Int[1, Math.Min(80, maxRows)]), (2, Gen.Int[1, Math.Min(700, maxRows)]), (1, Gen.Int[1, maxRows]))
        from scales in Gen.Select(Gen.Double[-30, 30], Gen.Double[0, 6], Gen.Bool, (m, r, n) => new FeatureScale(Math.Pow(10, m), Math.Pow(10, r), n)).Array[features]
        from pieces in Gen.Int[1, 6]
        from cuts in Gen.Int[0, drawnRows].Array[pieces - 1]
        from owners in Gen.Int[0, 3].Array[pieces]
        from mergeKeys in Gen.Int.Array[4]
        from transit in Gen.Bool
        from seed in Gen.Int
        let rows = Math.Max(1, Math.Min(drawnRows, maxValues / (features * spatial)))
        select new Case(features, spatial, rows, scales, cuts.Select(c => Math.Min(c, rows)).Order().ToArray(), owners, mergeKeys, transit, seed);

    private static void Check<T>(Case c, T tolerance, Tally tally)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] x = c.Data<T>();
        T[] values = Array.ConvertAll(x, T.CreateTruncating);
        var instances = Enumerable.Range(0, 4).Select(_ => new FeatureMoments<T>(c.Features)).ToArray();
        int sampleLength = c.Features * c.Spatial;
        int[] bounds = [0, .. c.Cuts, c.Rows];
        for (int piece = 0; piece + 1 < bounds.Length; piece++)
        {
            instances[c.Owners[piece]].Add(values.AsSpan(bounds[piece] * sampleLength, (bounds[piece + 1] - bounds[piece]) * sampleLength), c.Spatial);
        }

        if (c.Transit)
        {
            // Send each instance's exact representation elsewhere and rebuild it there (when T can carry it).
            for (int k = 0; k < instances.Length; k++)
            {
                FeatureMoments<T> m = instances[k];
                if (AllFinite(m.Pivot) && AllFinite(m.MeanOffset) && AllFinite(m.M2))
                {
                    instances[k] = new FeatureMoments<T>(m.Count, m.Pivot, m.MeanOffset, m.M2);
                }
            }
        }

        int[] order = Enumerable.Range(0, 4).OrderBy(k => c.MergeKeys[k]).ToArray();
        FeatureMoments<T> total = instances[order[0]];
        foreach (int k in order.Skip(1))
        {
            total.Merge(instances[k]);
        }

        long count = (long)c.Rows * c.Spatial;
        Expect(total.Count == count, $"Count {total.Count}, expected {count}", c);
        var variance = new T[c.Features];
        total.GetVariance(variance, unbiased: false);
        double limit = double.CreateTruncating(tolerance);
        for (int f = 0; f < c.Features; f++)
        {
            (double mean, double m2) = ExactReference.Of<double>(x, c.Features, c.Spatial, f);
            double trueVariance = m2 / count;
            double actualMean = double.CreateTruncating(total.Mean[f]);
            double meanError = Math.Abs(actualMean - mean) / (Math.Abs(mean) + Math.Sqrt(trueVariance));
            Expect(meanError <= limit, $"feature {f}: Mean {actualMean:R}, exact {mean:R}, error {meanError:E2} of |mean| + std", c);

            double actual = double.CreateTruncating(variance[f]);
            if (typeof(T) == typeof(float) && !float.IsNormal((float)trueVariance))
            {
                // Outside float's normal range: infinity exactly when the true value overflows, else the nearest subnormal.
                Interlocked.Increment(ref tally.RangeChecked);
                bool overflows = trueVariance > float.MaxValue * (1 + 1e-6);
                Expect(
                    overflows ? float.IsPositiveInfinity((float)actual) : Math.Abs(actual - trueVariance) <= (limit * trueVariance) + float.Epsilon,
                    $"feature {f}: variance {actual:R}, exact {trueVariance:R} is outside float's normal range",
                    c);
                continue;
            }

            Interlocked.Increment(ref tally.Compared);
            double error = trueVariance == 0 ? Math.Abs(actual) : Math.Abs(actual - trueVariance) / trueVariance;
            Expect(error <= limit, $"feature {f}: variance {actual:R}, exact {trueVariance:R}, relative error {error:E2}", c);
            tally.Worst(error, $"feature {f} of {c}");
        }
    }

    private static bool AllFinite<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (T value in values)
        {
            if (!T.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }

    private static void Expect(bool condition, string message, Case c)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"{message}\n{c}");
        }
    }

    private void Report(string what, Tally tally) =>
        output.WriteLine($"{what}: {tally.Compared} feature variances compared, worst relative error {tally.WorstError:E2}; {tally.RangeChecked} outside float's normal range range-checked; worst: {tally.WorstCase}");

    /// <summary>One feature's magnitude |mean|, ratio mean / spread, and sign of the mean.</summary>
    private sealed record FeatureScale(double Magnitude, double Ratio, bool Negative);

    /// <summary>
    /// A batch of shape (Rows, Features, Spatial); Cuts split its rows into consecutive pieces (possibly empty), piece
    /// i is added to instance Owners[i] of four, and the instances are merged in the order of MergeKeys.
    /// </summary>
    private sealed record Case(int Features, int Spatial, int Rows, FeatureScale[] Scales, int[] Cuts, int[] Owners, int[] MergeKeys, bool Transit, int Seed)
    {
        /// <summary>Normal data with each feature's mean and spread, rounded to T and returned as doubles.</summary>
        public double[] Data<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            double[] z = TestData.Normal(new Random(Seed), Rows * Features * Spatial);
            for (int i = 0; i < z.Length; i++)
            {
                FeatureScale scale = Scales[i / Spatial % Features];
                double mean = scale.Negative ? -scale.Magnitude : scale.Magnitude;
                z[i] = double.CreateTruncating(T.CreateTruncating(mean + (scale.Magnitude / scale.Ratio * z[i])));
            }

            return z;
        }

        public override string ToString() =>
            $"Case: features {Features}, spatial {Spatial}, rows {Rows}, cuts [{string.Join(", ", Cuts)}], owners [{string.Join(", ", Owners)}], " +
            $"merge keys [{string.Join(", ", MergeKeys)}], transit {Transit}, seed {Seed}, scales [{string.Join(", ", Scales.Select(s => $"{(s.Negative ? "-" : "")}{s.Magnitude:E1}/{s.Ratio:E1}"))}]";
    }

    private sealed class Tally
    {
        public int Compared;
        public int RangeChecked;
        private long _worstBits;

        public double WorstError => BitConverter.Int64BitsToDouble(_worstBits);

        public string WorstCase { get; private set; } = "";

        public void Worst(double error, string where)
        {
            lock (this)
            {
                if (error > WorstError)
                {
                    _worstBits = BitConverter.DoubleToInt64Bits(error);
                    WorstCase = where;
                }
            }
        }
    }
}
