using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace NormGen.Benchmarks;

/// <summary>
/// How every implementation is timed, in process and in the workers alike (the workers get these numbers in each
/// <c>time</c> command and run the same loop): warm-up for at least <see cref="WarmupMilliseconds"/> and 3 calls;
/// calls per batch chosen from the warm-up (all calls but the first) so a batch lasts about
/// <see cref="BatchMilliseconds"/>; then batches until at least <see cref="MinBatches"/> batches and
/// <see cref="MinMilliseconds"/> have passed (or <see cref="MaxBatches"/> batches). Each batch gives one time per call;
/// the measurement is their median. Wall clock (Stopwatch, perf_counter, steady_clock).
/// </summary>
/// <param name="WarmupMilliseconds">Least warm-up time.</param>
/// <param name="BatchMilliseconds">Target duration of one timed batch.</param>
/// <param name="MinMilliseconds">Least total timed duration.</param>
/// <param name="MinBatches">Least number of timed batches.</param>
/// <param name="MaxBatches">Most timed batches.</param>
public sealed record TimingSettings(double WarmupMilliseconds, double BatchMilliseconds, double MinMilliseconds, int MinBatches, int MaxBatches)
{
    /// <summary>The full run's settings: 50 ms warm-up, 10 ms batches, at least 7 batches and 150 ms.</summary>
    public static readonly TimingSettings Full = new(50, 10, 150, 7, 200);

    /// <summary><c>--quick</c>: 20 ms warm-up, 5 ms batches, at least 5 batches and 40 ms.</summary>
    public static readonly TimingSettings Quick = new(20, 5, 40, 5, 100);

    /// <summary>The arguments of a worker's <c>time</c> command after the operation name.</summary>
    public string ProtocolArguments => string.Create(
        CultureInfo.InvariantCulture,
        $"{WarmupMilliseconds} {BatchMilliseconds} {MinMilliseconds} {MinBatches} {MaxBatches}");
}

/// <summary>One call of an implementation, as a struct so the timing loop is specialized and adds no dispatch.</summary>
public interface IBenchCall
{
    /// <summary>Makes the call once.</summary>
    void Invoke();
}

/// <summary>
/// The result of timing one implementation on one (case, operation) in one round.
/// </summary>
/// <param name="CallsPerBatch">Calls per timed batch.</param>
/// <param name="PerCallNanoseconds">Wall time per call of each batch.</param>
/// <param name="CpuNanoseconds">CPU time during the timed batches (the driver's thread; a worker's process).</param>
/// <param name="WallNanoseconds">Wall time of the timed batches.</param>
/// <param name="AllocatedBytesPerCall">Managed bytes allocated per call on the calling thread (in-process only).</param>
public sealed record Measurement(
    int CallsPerBatch, double[] PerCallNanoseconds, long CpuNanoseconds, long WallNanoseconds, double? AllocatedBytesPerCall)
{
    /// <summary>Median of the per-call times of the batches, in nanoseconds.</summary>
    public double MedianNanoseconds => Median(PerCallNanoseconds);

    /// <summary>The median of <paramref name="values"/> (mean of the middle two for an even count).</summary>
    /// <exception cref="ArgumentException">No values.</exception>
    public static double Median(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0)
        {
            throw new ArgumentException("The median of no values is undefined.", nameof(values));
        }

        double[] sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : 0.5 * (sorted[middle - 1] + sorted[middle]);
    }
}

/// <summary>The in-process timing loop (<see cref="TimingSettings"/> describes it).</summary>
public static class Timing
{
    /// <summary>Times <paramref name="call"/> and counts the bytes it allocates on this thread.</summary>
    public static Measurement Measure<TCall>(ref TCall call, TimingSettings settings)
        where TCall : struct, IBenchCall
    {
        ArgumentNullException.ThrowIfNull(settings);
        long start = Stopwatch.GetTimestamp();
        call.Invoke();
        long firstEnd = Stopwatch.GetTimestamp();
        int calls = 1;
        while (true)
        {
            call.Invoke();
            calls++;
            if (calls >= 3 && Stopwatch.GetElapsedTime(start).TotalMilliseconds >= settings.WarmupMilliseconds)
            {
                break;
            }
        }

        double perCall = Math.Max(1.0, Stopwatch.GetElapsedTime(firstEnd).TotalNanoseconds / (calls - 1));
        int perBatch = (int)Math.Clamp(Math.Round(settings.BatchMilliseconds * 1e6 / perCall), 1, int.MaxValue);
        var batches = new double[settings.MaxBatches];
        int count = 0;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long cpuStart = CpuClock.ThreadNanoseconds();
        long wallStart = Stopwatch.GetTimestamp();
        while (true)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < perBatch; i++)
            {
                call.Invoke();
            }

            batches[count++] = Stopwatch.GetElapsedTime(t0).TotalNanoseconds / perBatch;
            double total = Stopwatch.GetElapsedTime(wallStart).TotalMilliseconds;
            if (count >= settings.MaxBatches || (count >= settings.MinBatches && total >= settings.MinMilliseconds))
            {
                break;
            }
        }

        long wall = (long)Stopwatch.GetElapsedTime(wallStart).TotalNanoseconds;
        long cpu = CpuClock.ThreadNanoseconds() - cpuStart;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return new Measurement(perBatch, batches[..count], cpu, wall, (double)allocated / ((long)perBatch * count));
    }
}
