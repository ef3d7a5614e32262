using System;
using System.Linq;
using Xunit;

namespace NormGen.Tests.Distributed;

/// <summary>
/// Synchronized batch norm (<see cref="IBatchNormLayer{T}.WorkerGroup"/>) across threads: every worker, holding a
/// shard of any size (empty included), gets what one layer gets on the whole batch, step after step; and the errors
/// that need the whole batch are raised alike on every worker.
/// </summary>
public class SyncBatchNormTests
{
    private const double DoubleTolerance = 1e-12;
    private const double FloatTolerance = 1e-5;

    public static TheoryData<string> Shards => new()
    {
        "9",
        "4,7",
        "5,0,6",
        "0,3,5",
        "1,6,0,3",
        "2,2,2,2",
    };

    private static int[] Parse(string shards) => shards.Split(',').Select(int.Parse).ToArray();

    [Theory]
    [MemberData(nameof(Shards))]
    public void Double_workers_match_one_layer_on_the_whole_batch(string shards) =>
        SyncHarness.AssertWorkersMatchOneLayer<double>(() => new SyncD7(), Parse(shards), steps: 5, DoubleTolerance, collect: true);

    [Theory]
    [MemberData(nameof(Shards))]
    public void Float_workers_match_one_layer_on_the_whole_batch(string shards) =>
        SyncHarness.AssertWorkersMatchOneLayer<float>(() => new SyncF13(), Parse(shards), steps: 5, FloatTolerance, collect: true);

    [Theory]
    [MemberData(nameof(Shards))]
    public void Spatial_workers_match_one_layer(string shards)
    {
        SyncHarness.AssertWorkersMatchOneLayer<double>(() => new SyncSpatialD3x5(), Parse(shards), steps: 5, DoubleTolerance, collect: true);
        SyncHarness.AssertWorkersMatchOneLayer<float>(() => new SyncSpatialF4x9(), Parse(shards), steps: 5, FloatTolerance, collect: true);
    }

    [Theory]
    [MemberData(nameof(Shards))]
    public void Renorm_takes_r_and_d_from_the_whole_batch(string shards)
    {
        SyncHarness.AssertWorkersMatchOneLayer<double>(() => new SyncRenormD6(), Parse(shards), steps: 6, DoubleTolerance, collect: false);
        SyncHarness.AssertWorkersMatchOneLayer<float>(() => new SyncRenormF5(), Parse(shards), steps: 6, FloatTolerance, collect: false);
    }

    [Theory]
    [InlineData("3,0,8")]
    [InlineData("1,1,1,1")]
    public void Fused_relu_cumulative_and_no_running_statistics_match(string shards)
    {
        SyncHarness.AssertWorkersMatchOneLayer<double>(() => new SyncReluCumulativeD9(), Parse(shards), steps: 5, DoubleTolerance, collect: true);
        SyncHarness.AssertWorkersMatchOneLayer<double>(() => new SyncNoRunningD8(), Parse(shards), steps: 4, DoubleTolerance, collect: false);
    }

    [Fact]
    public void Shards_of_several_blocks_on_several_threads_match()
    {
        // 100 features: about 655 rows per block, so these shards span several blocks each, reduced on two threads.
        SyncHarness.AssertWorkersMatchOneLayer<double>(
            () => new SyncD100 { MaxDegreeOfParallelism = 2 }, [1500, 0, 2100], steps: 5, DoubleTolerance, collect: true);
    }

    [Fact]
    public void Non_finite_values_on_one_shard_make_every_worker_throw_the_same_error_and_change_nothing()
    {
        IWorkerGroup[] workers = InProcessWorkerGroup.Create(3, SyncHarness.Limit);
        var layers = workers.Select(w => new SyncD7 { WorkerGroup = w }).ToArray();
        var messages = new string?[3];
        Exception?[] errors = WorkerThreads.Run(workers, worker =>
        {
            int r = worker.Rank;
            var layer = layers[r];
            double[] x = Enumerable.Range(0, 4 * 7).Select(i => 1.0 + i + r).ToArray();
            var y = new double[x.Length];
            layer.Forward(x, y); // a good step first
            if (r == 1)
            {
                x[2 * 7 + 3] = double.NaN; // feature 3 of rank 1's third sample
            }

            double[] mean = layer.RunningMean.ToArray();
            double[] variance = layer.RunningVariance.ToArray();
            var error = Assert.Throws<ArgumentException>(() => layer.Forward(x, y));
            messages[r] = error.Message;
            Assert.Equal(mean, layer.RunningMean);
            Assert.Equal(variance, layer.RunningVariance);
            Assert.Equal(1, layer.BatchesTracked);

            // The group and the layer stay usable: the next good step runs on every worker.
            x[2 * 7 + 3] = 4;
            layer.Forward(x, y);
            Assert.Equal(2, layer.BatchesTracked);
        }, SyncHarness.Limit);

        Assert.All(errors, e => Assert.Null(e));
        Assert.All(messages, m => Assert.Equal(messages[0], m));
        Assert.Contains("SyncD7: the statistics of the WorkerGroup's whole training batch (3 workers) are not finite for feature 3", messages[0], StringComparison.Ordinal);
        Assert.Contains("the shard of rank(s) 1 holds NaN or infinity there", messages[0], StringComparison.Ordinal);
        Assert.Contains("Nothing was changed on any worker", messages[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_whole_batch_of_one_value_per_feature_throws_on_every_worker()
    {
        IWorkerGroup[] workers = InProcessWorkerGroup.Create(3, SyncHarness.Limit);
        var messages = new string?[3];
        Exception?[] errors = WorkerThreads.Run(workers, worker =>
        {
            var layer = new SyncD7 { WorkerGroup = worker };
            double[] x = worker.Rank == 1 ? Enumerable.Range(0, 7).Select(i => (double)i).ToArray() : [];
            var error = Assert.Throws<ArgumentException>(() => layer.Forward(x, new double[x.Length]));
            messages[worker.Rank] = error.Message;
            Assert.Equal(0, layer.BatchesTracked);
        }, SyncHarness.Limit);

        Assert.All(errors, e => Assert.Null(e));
        Assert.All(messages, m => Assert.Equal(messages[0], m));
        Assert.StartsWith(
            "SyncD7: training Forward with a WorkerGroup of 3 needs more than one value per feature over the whole batch; the workers hold [0, 1, 0] values per feature (rank order), 1 in all.",
            messages[0],
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_span_throws_on_its_worker_and_the_others_time_out()
    {
        IWorkerGroup[] workers = InProcessWorkerGroup.Create(2, TimeSpan.FromSeconds(2));
        Exception?[] errors = WorkerThreads.Run(workers, worker =>
        {
            var layer = new SyncD7 { WorkerGroup = worker };
            double[] x = new double[3 * 7];
            layer.Forward(x, new double[worker.Rank == 1 ? x.Length - 1 : x.Length]);
        }, SyncHarness.Limit);

        Assert.IsType<ArgumentException>(errors[1]);
        Assert.Contains("SyncD7: y must have the shape of x", errors[1]!.Message, StringComparison.Ordinal);
        Assert.IsType<TimeoutException>(errors[0]);
        Assert.Contains("rank(s) 1 did not arrive", errors[0]!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ghost_batches_with_a_group_are_refused_on_every_worker_before_any_gather()
    {
        IWorkerGroup[] workers = InProcessWorkerGroup.Create(2, SyncHarness.Limit);
        Exception?[] errors = WorkerThreads.Run(workers, worker =>
        {
            var layer = new SyncGhostF4 { WorkerGroup = worker };
            var x = new float[4 * 4];
            layer.Forward(x, new float[x.Length]);
        }, SyncHarness.Limit);

        foreach (Exception? error in errors)
        {
            var refused = Assert.IsType<InvalidOperationException>(error);
            Assert.StartsWith("SyncGhostF4: a WorkerGroup cannot be used with ghost batches (VirtualBatchSize = 2)", refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Inference_ignores_the_group()
    {
        // A group of two whose other worker never calls: inference must not wait for it.
        IWorkerGroup[] workers = InProcessWorkerGroup.Create(2, TimeSpan.FromSeconds(1));
        var synchronized = new SyncD7 { WorkerGroup = workers[0], Training = false };
        var alone = new SyncD7 { Training = false };
        double[] x = Enumerable.Range(0, 5 * 7).Select(i => Math.Sin(i)).ToArray();
        var y = new double[x.Length];
        var expected = new double[x.Length];
        synchronized.Forward(x, y);
        alone.Forward(x, expected);
        Assert.Equal(expected, y);

        var ghost = new SyncGhostF4 { WorkerGroup = workers[0], Training = false };
        ghost.Forward(new float[8], new float[8]);
    }

    [Fact]
    public void An_empty_shard_runs_forward_and_backward_and_checks_its_spans()
    {
        IWorkerGroup[] workers = InProcessWorkerGroup.Create(2, SyncHarness.Limit);
        WorkerThreads.RunAll(workers, worker =>
        {
            var layer = new SyncD7 { WorkerGroup = worker };
            double[] x = worker.Rank == 0 ? [] : Enumerable.Range(0, 3 * 7).Select(i => Math.Cos(i)).ToArray();
            var y = new double[x.Length];
            layer.Forward(x, y);
            layer.Backward(x, y, new double[x.Length]);
            Assert.Equal(1, layer.BatchesTracked);
            if (worker.Rank == 0)
            {
                Assert.Throws<InvalidOperationException>(() => layer.Backward(new double[7], new double[7], new double[7]));
                Assert.Throws<ArgumentException>(() => layer.Backward([], [], new double[7]));
            }
            else
            {
                Assert.Throws<InvalidOperationException>(() => layer.Backward([], [], []));
            }
        }, SyncHarness.Limit);

        // Without a group, an empty x is still refused.
        var single = new SyncD7();
        Assert.Throws<ArgumentException>(() => single.Forward([], []));
    }

    [Fact]
    public void Backward_follows_the_group_of_its_forward()
    {
        // Setting WorkerGroup = null between Forward and Backward does not make Backward local: the Forward's
        // statistics were the whole batch's, so its gradient needs the whole batch's sums.
        SyncHarness.AssertWorkersMatchOneLayer<double>(() => new DetachingLayer(new SyncD7()), [3, 4], steps: 3, DoubleTolerance, collect: false);
    }

    /// <summary>A layer that clears its WorkerGroup after each Forward and restores it before the next.</summary>
    private sealed class DetachingLayer(SyncD7 inner) : IBatchNormLayer<double>
    {
        private IWorkerGroup? _group;

        public IWorkerGroup? WorkerGroup { get => _group; set => _group = value; }

        public int FeatureCount => inner.FeatureCount;

        public double[] RunningMean => inner.RunningMean;

        public double[] RunningVariance => inner.RunningVariance;

        public long BatchesTracked { get => inner.BatchesTracked; set => inner.BatchesTracked = value; }

        public bool IsCollecting => inner.IsCollecting;

        public string Name => inner.Name;

        public int SampleLength => inner.SampleLength;

        public bool Training { get => inner.Training; set => inner.Training = value; }

        public int MaxDegreeOfParallelism { get => inner.MaxDegreeOfParallelism; set => inner.MaxDegreeOfParallelism = value; }

        public double[] Gamma => inner.Gamma;

        public double[] Beta => inner.Beta;

        public double[] GammaGrad => inner.GammaGrad;

        public double[] BetaGrad => inner.BetaGrad;

        public void Backward(ReadOnlySpan<double> x, ReadOnlySpan<double> dy, Span<double> dx) => inner.Backward(x, dy, dx);

        public void BeginCollect() => inner.BeginCollect();

        public void EndCollect() => inner.EndCollect();

        public void Forward(ReadOnlySpan<double> x, Span<double> y)
        {
            inner.WorkerGroup = _group;
            inner.Forward(x, y);
            inner.WorkerGroup = null;
        }

        public void ResetRunningStatistics() => inner.ResetRunningStatistics();
    }
}
