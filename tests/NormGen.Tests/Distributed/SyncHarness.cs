using System;
using System.Linq;
using System.Numerics;
using Xunit;

namespace NormGen.Tests.Distributed;

/// <summary>What one layer holds after a training step: its outputs and its state.</summary>
internal sealed record StepState<T>(T[] Y, T[] Dx, T[] GammaGrad, T[] BetaGrad, T[] RunningMean, T[] RunningVariance, long BatchesTracked, bool IsCollecting);

/// <summary>
/// Runs the same training steps on one layer over the whole batch and on workers that each hold a shard (one thread
/// per worker, an <see cref="InProcessWorkerGroup"/>), and compares every worker's rows and state with the single layer.
/// </summary>
internal static class SyncHarness
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Steps: Forward, Backward, then SGD on Gamma and Beta (so later steps depend on the gradients). With
    /// <paramref name="collect"/>, steps 2 and 3 run between BeginCollect and EndCollect (EndCollect after step 3).
    /// </summary>
    public static void AssertWorkersMatchOneLayer<T>(Func<IBatchNormLayer<T>> create, int[] shards, int steps, double tolerance, bool collect, int seed = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        IBatchNormLayer<T> reference = create();
        int sampleLength = reference.SampleLength;
        int batch = shards.Sum();
        int[] offsets = new int[shards.Length];
        for (int r = 1; r < shards.Length; r++)
        {
            offsets[r] = offsets[r - 1] + shards[r - 1];
        }

        // Every step's whole batch and dy: a large mean and a small spread per feature, so a merge that loses the pivot
        // shows. Shifts change per step so running statistics move.
        var random = new Random(seed);
        var xs = new T[steps][];
        var dys = new T[steps][];
        for (int s = 0; s < steps; s++)
        {
            xs[s] = new T[batch * sampleLength];
            dys[s] = new T[batch * sampleLength];
            for (int i = 0; i < xs[s].Length; i++)
            {
                int feature = i % sampleLength;
                xs[s][i] = T.CreateTruncating(50 + feature + s + (random.NextDouble() * 4) - 2);
                dys[s][i] = T.CreateTruncating((random.NextDouble() * 2) - 1);
            }
        }

        var gamma = new T[reference.Gamma.Length];
        var beta = new T[reference.Beta.Length];
        for (int f = 0; f < gamma.Length; f++)
        {
            gamma[f] = T.CreateTruncating(0.5 + random.NextDouble());
            beta[f] = T.CreateTruncating(random.NextDouble() - 0.5);
        }

        var expected = new StepState<T>[steps];
        gamma.CopyTo(reference.Gamma, 0);
        beta.CopyTo(reference.Beta, 0);
        for (int s = 0; s < steps; s++)
        {
            expected[s] = Step(reference, s, xs[s], dys[s], collect);
        }

        IWorkerGroup[] workers = InProcessWorkerGroup.Create(shards.Length, Limit);
        var actual = new StepState<T>[shards.Length][];
        var layers = new IBatchNormLayer<T>[shards.Length];
        for (int r = 0; r < shards.Length; r++)
        {
            layers[r] = create();
            gamma.CopyTo(layers[r].Gamma, 0);
            beta.CopyTo(layers[r].Beta, 0);
            layers[r].WorkerGroup = workers[r];
            actual[r] = new StepState<T>[steps];
        }

        WorkerThreads.RunAll(workers, worker =>
        {
            int r = worker.Rank;
            for (int s = 0; s < steps; s++)
            {
                T[] x = xs[s].AsSpan(offsets[r] * sampleLength, shards[r] * sampleLength).ToArray();
                T[] dy = dys[s].AsSpan(offsets[r] * sampleLength, shards[r] * sampleLength).ToArray();
                actual[r][s] = Step(layers[r], s, x, dy, collect);
            }
        }, Limit);

        for (int s = 0; s < steps; s++)
        {
            for (int r = 0; r < shards.Length; r++)
            {
                string where = $"step {s}, rank {r} of shards [{string.Join(", ", shards)}]";
                StepState<T> e = expected[s];
                StepState<T> a = actual[r][s];
                Close($"{where}: y", e.Y.AsSpan(offsets[r] * sampleLength, shards[r] * sampleLength), a.Y, tolerance);
                Close($"{where}: dx", e.Dx.AsSpan(offsets[r] * sampleLength, shards[r] * sampleLength), a.Dx, tolerance);
                Close($"{where}: GammaGrad", e.GammaGrad, a.GammaGrad, tolerance);
                Close($"{where}: BetaGrad", e.BetaGrad, a.BetaGrad, tolerance);
                Close($"{where}: RunningMean", e.RunningMean, a.RunningMean, tolerance);
                Close($"{where}: RunningVariance", e.RunningVariance, a.RunningVariance, tolerance);
                Assert.Equal(e.BatchesTracked, a.BatchesTracked);
                Assert.Equal(e.IsCollecting, a.IsCollecting);

                // Every worker ran the same arithmetic on the same gathered values: the shared state agrees to the bit.
                StepState<T> first = actual[0][s];
                Assert.True(first.GammaGrad.SequenceEqual(a.GammaGrad), $"{where}: GammaGrad differs from rank 0's");
                Assert.True(first.BetaGrad.SequenceEqual(a.BetaGrad), $"{where}: BetaGrad differs from rank 0's");
                Assert.True(first.RunningMean.SequenceEqual(a.RunningMean), $"{where}: RunningMean differs from rank 0's");
                Assert.True(first.RunningVariance.SequenceEqual(a.RunningVariance), $"{where}: RunningVariance differs from rank 0's");
            }
        }
    }

    private static StepState<T> Step<T>(IBatchNormLayer<T> layer, int step, T[] x, T[] dy, bool collect)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (collect && step == 2)
        {
            layer.BeginCollect();
        }

        var y = new T[x.Length];
        var dx = new T[x.Length];
        layer.Forward(x, y);
        layer.Backward(x, dy, dx);
        T rate = T.CreateTruncating(0.01);
        for (int f = 0; f < layer.Gamma.Length; f++)
        {
            layer.Gamma[f] -= rate * layer.GammaGrad[f];
        }

        for (int f = 0; f < layer.Beta.Length; f++)
        {
            layer.Beta[f] -= rate * layer.BetaGrad[f];
        }

        if (collect && step == 3)
        {
            layer.EndCollect();
        }

        return new StepState<T>(
            y, dx, layer.GammaGrad.ToArray(), layer.BetaGrad.ToArray(), layer.RunningMean.ToArray(), layer.RunningVariance.ToArray(), layer.BatchesTracked, layer.IsCollecting);
    }

    /// <summary>|actual - expected| &lt;= tolerance * max(1, |expected|) for every element.</summary>
    public static void Close<T>(string what, ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateTruncating(expected[i]);
            double a = double.CreateTruncating(actual[i]);
            if (!(Math.Abs(a - e) <= tolerance * Math.Max(1, Math.Abs(e))))
            {
                Assert.Fail($"{what}[{i}] = {a:R}, expected {e:R} (difference {a - e:R}, tolerance {tolerance} relative)");
            }
        }
    }
}
