using System;
using System.Linq;
using System.Numerics;
using NormGen;

namespace NormGen.Mpi.TestApp;

[BatchNorm(Features = 6, ElementType = typeof(double))] public partial class MpiSyncD6 { }
[BatchNorm(Features = 3, Spatial = 4)] public partial class MpiSyncSpatialF3x4 { }

/// <summary>
/// Mode "syncbn": synchronized batch norm over MPI. Every rank builds the same whole batches (one seed), runs a layer
/// on them alone as the reference, and a layer with an <see cref="MpiWorkerGroup"/> on its own shard (uneven, one of
/// them empty); its rows, gradients and running statistics must match the reference's. Then a NaN on the last rank
/// must make every rank throw the same error. Prints "rank r: syncbn-double ok ...", "syncbn-float ok ...",
/// "syncbn-nonfinite ok ...".
/// </summary>
internal static class SyncBatchNormChecks
{
    private const int Steps = 4;

    public static int Run()
    {
        using var group = new MpiWorkerGroup(TimeSpan.FromSeconds(60));
        double doubleDifference = Compare<double>(group, () => new MpiSyncD6(), 1e-12);
        Say(group.Rank, "syncbn-double", $"{Steps} steps, shards {Describe(group.Size)}, largest relative difference {doubleDifference:E1}");
        double floatDifference = Compare<float>(group, () => new MpiSyncSpatialF3x4(), 1e-5);
        Say(group.Rank, "syncbn-float", $"{Steps} steps, largest relative difference {floatDifference:E1}");
        NonFinite(group);
        Console.WriteLine($"rank {group.Rank} of {group.Size}: syncbn passed");
        return 0;
    }

    // Rows of rank r at step s: uneven, and rank 0's shard is empty at step 1.
    private static int ShardOf(int step, int rank) => step == 1 && rank == 0 ? 0 : ((7 * rank) + (3 * step) + 2) % 10;

    private static string Describe(int size) =>
        string.Join(" ", Enumerable.Range(0, Steps).Select(s => "[" + string.Join(",", Enumerable.Range(0, size).Select(r => ShardOf(s, r))) + "]"));

    private static double Compare<T>(MpiWorkerGroup group, Func<IBatchNormLayer<T>> create, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        IBatchNormLayer<T> reference = create();
        IBatchNormLayer<T> layer = create();
        layer.WorkerGroup = group;
        int sampleLength = layer.SampleLength;
        var random = new Random(11);
        double largest = 0;
        for (int step = 0; step < Steps; step++)
        {
            int[] shards = Enumerable.Range(0, group.Size).Select(r => ShardOf(step, r)).ToArray();
            int batch = shards.Sum();
            int offset = shards.Take(group.Rank).Sum() * sampleLength;
            int length = shards[group.Rank] * sampleLength;
            var x = new T[batch * sampleLength];
            var dy = new T[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = T.CreateTruncating(100 + (i % sampleLength) + (random.NextDouble() * 3));
                dy[i] = T.CreateTruncating(random.NextDouble() - 0.5);
            }

            var y = new T[x.Length];
            var dx = new T[x.Length];
            reference.Forward(x, y);
            reference.Backward(x, dy, dx);

            var shardY = new T[length];
            var shardDx = new T[length];
            layer.Forward(x.AsSpan(offset, length), shardY);
            layer.Backward(x.AsSpan(offset, length), dy.AsSpan(offset, length), shardDx);

            largest = Math.Max(largest, Check(group.Rank, step, "y", y.AsSpan(offset, length), shardY, tolerance));
            largest = Math.Max(largest, Check(group.Rank, step, "dx", dx.AsSpan(offset, length), shardDx, tolerance));
            largest = Math.Max(largest, Check(group.Rank, step, "GammaGrad", reference.GammaGrad, layer.GammaGrad, tolerance));
            largest = Math.Max(largest, Check(group.Rank, step, "BetaGrad", reference.BetaGrad, layer.BetaGrad, tolerance));
            largest = Math.Max(largest, Check(group.Rank, step, "RunningMean", reference.RunningMean, layer.RunningMean, tolerance));
            largest = Math.Max(largest, Check(group.Rank, step, "RunningVariance", reference.RunningVariance, layer.RunningVariance, tolerance));
            if (reference.BatchesTracked != layer.BatchesTracked)
            {
                throw new InvalidOperationException($"syncbn: rank {group.Rank}, step {step}: BatchesTracked {layer.BatchesTracked}, expected {reference.BatchesTracked}");
            }
        }

        return largest;
    }

    private static double Check<T>(int rank, int step, string what, ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double largest = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateTruncating(expected[i]);
            double difference = Math.Abs(double.CreateTruncating(actual[i]) - e) / Math.Max(1, Math.Abs(e));
            if (!(difference <= tolerance))
            {
                throw new InvalidOperationException($"syncbn: rank {rank}, step {step}: {what}[{i}] = {actual[i]}, expected {e:R} (relative difference {difference:E2} > {tolerance})");
            }

            largest = Math.Max(largest, difference);
        }

        return largest;
    }

    private static void NonFinite(MpiWorkerGroup group)
    {
        var layer = new MpiSyncD6 { WorkerGroup = group };
        double[] x = Enumerable.Range(0, 3 * 6).Select(i => (double)(i + group.Rank)).ToArray();
        if (group.Rank == group.Size - 1)
        {
            x[6 + 4] = double.PositiveInfinity; // feature 4 of the second sample
        }

        try
        {
            layer.Forward(x, new double[x.Length]);
            throw new InvalidOperationException("syncbn-nonfinite: Forward accepted infinity");
        }
        catch (ArgumentException e)
        {
            if (layer.BatchesTracked != 0)
            {
                throw new InvalidOperationException("syncbn-nonfinite: the rejected batch changed the layer");
            }

            // The message, checked here: printed whole, long lines of several ranks interleave in mpiexec's output.
            string expected = $"MpiSyncD6: the statistics of the WorkerGroup's whole training batch ({group.Size} workers) are not finite for feature 4";
            string where = $"the shard of rank(s) {group.Size - 1} holds NaN or infinity there";
            if (!e.Message.StartsWith(expected, StringComparison.Ordinal) || !e.Message.Contains(where, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"syncbn-nonfinite: unexpected message: {e.Message}");
            }

            // Every rank threw the same message: compare a hash of it across ranks.
            uint hash = 2166136261;
            foreach (char c in e.Message)
            {
                hash = (hash ^ c) * 16777619;
            }

            var hashes = new double[group.Size];
            group.AllGather([hash], hashes);
            if (hashes.Any(h => h != hash))
            {
                throw new InvalidOperationException($"syncbn-nonfinite: the ranks threw different messages (hashes {string.Join(", ", hashes)}); this rank's: {e.Message}");
            }

            Say(group.Rank, "syncbn-nonfinite", $"every rank threw the same message (hash {hash:x8}), naming feature 4 and rank {group.Size - 1}");
        }
    }

    private static void Say(int rank, string check, string detail) => Console.WriteLine($"rank {rank}: {check} ok: {detail}");
}
