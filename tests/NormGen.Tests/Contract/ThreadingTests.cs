using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Numerics;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace NormGen.Tests.Contract;

/// <summary>
/// The thread contract: inference Forward on one layer from many threads at once gives exactly the serial results and
/// allocates nothing per call; a second training call on another thread is detected and throws instead of corrupting
/// the layer.
/// </summary>
public class ThreadingTests
{
    private const int Threads = 12;
    private const int CallsPerThread = 400;

    [Theory]
    [MemberData(nameof(ContractLayers.Names), MemberType = typeof(ContractLayers))]
    public void Inference_from_many_threads_equals_serial_inference_and_allocates_nothing(string name) =>
        ContractLayers.Run(name, new ConcurrentInference());

    [Theory]
    [MemberData(nameof(ContractLayers.Names), MemberType = typeof(ContractLayers))]
    public void A_second_training_call_on_another_thread_is_detected_and_corrupts_nothing(string name) =>
        ContractLayers.Run(name, new ConcurrentTraining());

    private sealed class ConcurrentInference : ILayerTest
    {
        public void Run<T>(INormalizationLayer<T> layer)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var random = new Random(21);
            int n = layer.SampleLength;

            // Trained a little so running statistics are not the initial ones; then every input's serial output.
            for (int step = 0; step < 3; step++)
            {
                T[] batch = ContractData.Samples<T>(random, 8, n, scale: step + 1);
                layer.Forward(batch, new T[batch.Length]);
            }

            layer.Training = false;
            int[] sizes = { 2, 3, 5, 8, 13, 1 };
            bool batchStatistics = layer is IBatchNormLayer<T> { RunningMean.Length: 0 };
            T[][] inputs = sizes.Where(size => size > 1 || !batchStatistics).Select(size => ContractData.Samples<T>(random, size, n)).ToArray();
            T[][] expected = inputs.Select(x =>
            {
                var y = new T[x.Length];
                layer.Forward(x, y);
                return y;
            }).ToArray();

            var failures = new ConcurrentQueue<string>();
            var allocated = new long[Threads];
            using var start = new Barrier(Threads);
            Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, thread =>
            {
                var order = new Random(100 + thread);
                T[][] outputs = inputs.Select(x => new T[x.Length]).ToArray();

                // Warm up this thread's pool slot and JIT paths before counting bytes.
                for (int i = 0; i < inputs.Length; i++)
                {
                    layer.Forward(inputs[i], outputs[i]);
                }

                start.SignalAndWait();

                // The shared array pool can drop its cached arrays on a gen-2 collection (other tests run in parallel),
                // and the next rent allocates once; an allocation per call shows in every window, so the least of
                // three windows must be 0.
                long least = long.MaxValue;
                for (int window = 0; window < 3; window++)
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    for (int call = window; call < CallsPerThread; call += 3)
                    {
                        int i = order.Next(inputs.Length);
                        Array.Clear(outputs[i]);
                        layer.Forward(inputs[i], outputs[i]);
                        if (!outputs[i].AsSpan().SequenceEqual(expected[i]))
                        {
                            failures.Enqueue($"thread {thread}, call {call}: input {i} gave a different y");
                        }
                    }

                    least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
                }

                allocated[thread] = least;
            });

            Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
            Assert.True(allocated.All(bytes => bytes == 0), "least bytes allocated in a window, per thread: " + string.Join(", ", allocated));
        }
    }

    private sealed class ConcurrentTraining : ILayerTest
    {
        public void Run<T>(INormalizationLayer<T> layer)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var random = new Random(22);
            int n = layer.SampleLength;

            // Large batches, so calls take long enough to overlap; each input's training output is fixed by the input.
            const int Batch = 600;
            T[][] inputs = Enumerable.Range(0, 4).Select(i => ContractData.Samples<T>(random, Batch, n, scale: i + 1)).ToArray();
            INormalizationLayer<T> serial = (INormalizationLayer<T>)Activator.CreateInstance(layer.GetType())!;
            T[][] expected = inputs.Select(x =>
            {
                var y = new T[x.Length];
                serial.Forward(x, y);
                return y;
            }).ToArray();

            int completed = 0, rejected = 0;
            var failures = new ConcurrentQueue<string>();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, thread =>
            {
                var y = new T[inputs[0].Length];
                for (int call = 0; Volatile.Read(ref rejected) < 20 && DateTime.UtcNow < deadline; call++)
                {
                    int i = (call + thread) % inputs.Length;
                    try
                    {
                        layer.Forward(inputs[i], y);
                        Interlocked.Increment(ref completed);
                        if (!y.AsSpan().SequenceEqual(expected[i]))
                        {
                            failures.Enqueue($"thread {thread}, call {call}: a completed training Forward gave a different y");
                        }
                    }
                    catch (InvalidOperationException error) when (error.Message.Contains("another training call", StringComparison.Ordinal))
                    {
                        Assert.Contains(layer.Name, error.Message);
                        Interlocked.Increment(ref rejected);
                    }
                }
            });

            Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
            Assert.True(rejected > 0, $"no overlap was detected in {completed} calls");
            if (layer is IBatchNormLayer<T> { RunningMean.Length: > 0 } batchNorm)
            {
                // No increment is lost: every completed call, and only those, counted.
                Assert.Equal(completed, batchNorm.BatchesTracked);
            }
        }
    }
}
