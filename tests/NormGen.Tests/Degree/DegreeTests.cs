using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Threading.Tasks;
using Xunit;

namespace NormGen.Tests.Degree;

[BatchNorm(Features = 1000)] public partial class ParallelBatchNorm1000 { }
[BatchNorm(Features = 16, Spatial = 1024)] public partial class ParallelBatchNormSpatial { }
[BatchNorm(Features = 128, Renorm = true, RunningStats = RunningStatsMode.Cumulative)] public partial class ParallelBatchRenorm { }
[BatchNorm(Features = 128, VirtualBatchSize = 512, ElementType = typeof(double))] public partial class ParallelGhostBatchNorm { }
[LayerNorm(Features = 1024)] public partial class ParallelLayerNorm { }
[RmsNorm(Features = 1000, ElementType = typeof(double))] public partial class ParallelRmsNorm { }
[GroupNorm(Groups = 8, Channels = 32, Spatial = 256)] public partial class ParallelGroupNorm { }
[InstanceNorm(Channels = 16, Spatial = 1024)] public partial class ParallelInstanceNorm { }

/// <summary>
/// MaxDegreeOfParallelism changes how many threads run a call, never its result: every kind, at batches large enough to
/// be split across threads, gives bit-identical outputs, gradients and running statistics at degrees 1, 2, 3, 8 and 0
/// (every processor), and allocates nothing per call in steady state.
/// </summary>
public class DegreeTests
{
    private static readonly int[] Degrees = { 2, 3, 8, 0 };

    public static TheoryData<string> Layers => new(Cases.Keys);

    private static readonly Dictionary<string, Func<LayerRun>> Cases = new()
    {
        ["BatchNorm (batch, 1000)"] = () => LayerRun.Of(() => new ParallelBatchNorm1000(), batch: 300),
        ["BatchNorm (batch, 16, 1024)"] = () => LayerRun.Of(() => new ParallelBatchNormSpatial(), batch: 24),
        ["BatchNorm renorm (batch, 128)"] = () => LayerRun.Of(() => new ParallelBatchRenorm(), batch: 3000),
        ["BatchNorm ghost 512 double (batch, 128)"] = () => LayerRun.Of(() => new ParallelGhostBatchNorm(), batch: 2048),
        ["LayerNorm (batch, 1024)"] = () => LayerRun.Of(() => new ParallelLayerNorm(), batch: 300),
        ["RmsNorm double (batch, 1000)"] = () => LayerRun.Of(() => new ParallelRmsNorm(), batch: 200),
        ["GroupNorm 8 of (batch, 32, 256)"] = () => LayerRun.Of(() => new ParallelGroupNorm(), batch: 40),
        ["InstanceNorm (batch, 16, 1024)"] = () => LayerRun.Of(() => new ParallelInstanceNorm(), batch: 20),
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void Every_degree_gives_the_single_thread_results_bit_for_bit(string name)
    {
        LayerRun run = Cases[name]();
        double[][] serial = run.Train(degree: 1);
        foreach (int degree in Degrees)
        {
            double[][] parallel = run.Train(degree);
            for (int i = 0; i < serial.Length; i++)
            {
                Assert.True(serial[i].SequenceEqual(parallel[i]), $"{name}: result {i} differs at degree {degree}.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void Parallel_inference_from_several_threads_equals_serial_inference(string name) =>
        Cases[name]().ConcurrentInference(threads: 4, degree: 2);

    [Theory]
    [MemberData(nameof(Layers))]
    public void Parallel_calls_allocate_nothing_in_steady_state(string name) =>
        Assert.Equal(0, Cases[name]().SteadyStateAllocation(degree: 2));

    /// <summary>One layer type at one batch size, over float or double.</summary>
    private abstract class LayerRun
    {
        public static LayerRun Of<T>(Func<INormalizationLayer<T>> create, int batch)
            where T : unmanaged, IFloatingPointIeee754<T> => new Typed<T>(create, batch);

        /// <summary>Three training steps (Forward, Backward) and one inference Forward; every output as double.</summary>
        public abstract double[][] Train(int degree);

        public abstract void ConcurrentInference(int threads, int degree);

        public abstract long SteadyStateAllocation(int degree);

        private sealed class Typed<T>(Func<INormalizationLayer<T>> create, int batch) : LayerRun
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            public override double[][] Train(int degree)
            {
                INormalizationLayer<T> layer = create();
                layer.MaxDegreeOfParallelism = degree;
                var random = new Random(5);
                var results = new List<double[]>();
                int n = batch * layer.SampleLength;
                for (int step = 0; step < 3; step++)
                {
                    T[] x = Data(random, n, center: step * 3, spread: 1 + step);
                    T[] dy = Data(random, n, center: 0, spread: 1);
                    var y = new T[n];
                    var dx = new T[n];
                    layer.Forward(x, y);
                    layer.Backward(x, dy, dx);
                    results.Add(AsDouble(y));
                    results.Add(AsDouble(dx));
                    results.Add(AsDouble(layer.GammaGrad));
                    results.Add(AsDouble(layer.BetaGrad));
                    if (layer is IBatchNormLayer<T> batchNorm)
                    {
                        results.Add(AsDouble(batchNorm.RunningMean));
                        results.Add(AsDouble(batchNorm.RunningVariance));
                    }

                    // The next step starts from moved parameters, as training would.
                    for (int i = 0; i < layer.Gamma.Length; i++)
                    {
                        layer.Gamma[i] -= T.CreateTruncating(0.01) * layer.GammaGrad[i];
                    }
                }

                layer.Training = false;
                T[] input = Data(random, n, center: 2, spread: 3);
                var output = new T[n];
                layer.Forward(input, output);
                results.Add(AsDouble(output));
                return results.ToArray();
            }

            public override void ConcurrentInference(int threads, int degree)
            {
                INormalizationLayer<T> layer = create();
                var random = new Random(9);
                int n = batch * layer.SampleLength;
                layer.Forward(Data(random, n, center: 1, spread: 2), new T[n]);
                layer.Training = false;
                T[][] inputs = Enumerable.Range(0, threads).Select(_ => Data(random, n, center: 1, spread: 2)).ToArray();
                T[][] expected = inputs.Select(x =>
                {
                    var y = new T[n];
                    layer.Forward(x, y);
                    return y;
                }).ToArray();

                layer.MaxDegreeOfParallelism = degree;
                var outputs = inputs.Select(_ => new T[n]).ToArray();
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread =>
                {
                    for (int call = 0; call < 20; call++)
                    {
                        layer.Forward(inputs[thread], outputs[thread]);
                        Assert.True(expected[thread].AsSpan().SequenceEqual(outputs[thread]), $"thread {thread}, call {call}");
                    }
                });
            }

            public override long SteadyStateAllocation(int degree)
            {
                INormalizationLayer<T> layer = create();
                layer.MaxDegreeOfParallelism = degree;
                var random = new Random(3);
                int n = batch * layer.SampleLength;
                T[] x = Data(random, n, center: 1, spread: 2);
                T[] dy = Data(random, n, center: 0, spread: 1);
                var y = new T[n];
                var dx = new T[n];
                void Step()
                {
                    layer.Training = true;
                    layer.Forward(x, y);
                    layer.Backward(x, dy, dx);
                    layer.Training = false;
                    layer.Forward(x, y);
                }

                Step();
                Step();

                // The shared array pool can drop its cached arrays on a gen-2 collection (other tests run in parallel), and
                // the next rent allocates once. A steady state allocates nothing: the least of three windows must be 0.
                long least = long.MaxValue;
                for (int window = 0; window < 3; window++)
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    for (int i = 0; i < 5; i++)
                    {
                        Step();
                    }

                    least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
                }

                return least;
            }

            private static T[] Data(Random random, int n, double center, double spread) =>
                Enumerable.Range(0, n).Select(_ => T.CreateTruncating(center + (spread * ((random.NextDouble() * 2) - 1)))).ToArray();

            private static double[] AsDouble(ReadOnlySpan<T> values)
            {
                var result = new double[values.Length];
                for (int i = 0; i < values.Length; i++)
                {
                    result[i] = double.CreateTruncating(values[i]);
                }

                return result;
            }
        }
    }
}
