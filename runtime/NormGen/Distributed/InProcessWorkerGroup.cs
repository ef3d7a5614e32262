using System;
using System.Threading;

namespace NormGen;

/// <summary>
/// A worker group whose workers are threads of this process: data parallelism across threads, one shard of the batch
/// per thread. <see cref="Create"/> returns one <see cref="IWorkerGroup"/> per worker; give each to its own thread.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="IWorkerGroup.AllGather"/> meets the workers at a barrier (a phase counter, a short spin, then a
/// monitor), copies each worker's values into one shared buffer and, after a second barrier, copies the buffer out to
/// every worker. The buffer grows only when a longer round arrives, so calls of a steady length allocate nothing.
/// </para>
/// <para>
/// A worker that does not arrive within the timeout breaks the group: the waiting workers throw
/// <see cref="TimeoutException"/> naming the missing ranks, and every later call on any worker throws it again, so no
/// worker ever pairs one round's values with another round's. Values of different lengths, or a gathered span of the
/// wrong length on any worker, make every worker of that call throw <see cref="ArgumentException"/>; the group stays
/// usable.
/// </para>
/// </remarks>
public static class InProcessWorkerGroup
{
    /// <summary>How long a worker waits for the others in one call when no timeout is given: one minute.</summary>
    /// <remarks>
    /// Threads of one process that drift a minute apart in one training step are stuck, not slow; a debugger paused on
    /// one worker will break the group, so pass <see cref="Timeout.InfiniteTimeSpan"/> while debugging.
    /// </remarks>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(1);

    /// <summary>Creates a group of <paramref name="size"/> workers that meet in <see cref="IWorkerGroup.AllGather"/>.</summary>
    /// <param name="size">Number of workers (threads), at least 1.</param>
    /// <param name="timeout">
    /// The longest one call waits for the other workers; null means <see cref="DefaultTimeout"/>,
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits forever.
    /// </param>
    /// <returns>The workers; element r has <see cref="IWorkerGroup.Rank"/> r. Each is used by one thread at a time.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="size"/> is less than 1, or <paramref name="timeout"/> is zero or negative (and not infinite).
    /// </exception>
    public static IWorkerGroup[] Create(int size, TimeSpan? timeout = null)
    {
        if (size < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"InProcessWorkerGroup: size must be at least 1; got {size}.");
        }

        TimeSpan limit = timeout ?? DefaultTimeout;
        if (limit <= TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(
                nameof(timeout), limit, $"InProcessWorkerGroup: timeout must be positive or Timeout.InfiniteTimeSpan; got {limit}.");
        }

        var rendezvous = new InProcessRendezvous(size, limit);
        var workers = new IWorkerGroup[size];
        for (int rank = 0; rank < size; rank++)
        {
            workers[rank] = new InProcessWorker(rendezvous, rank);
        }

        return workers;
    }
}

/// <summary>One worker of an <see cref="InProcessWorkerGroup"/>: its rank and the group's shared rendezvous.</summary>
internal sealed class InProcessWorker(InProcessRendezvous rendezvous, int rank) : IWorkerGroup
{
    /// <inheritdoc/>
    public int Size => rendezvous.Size;

    /// <inheritdoc/>
    public int Rank => rank;

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<double> values, Span<double> gathered) => rendezvous.AllGather(rank, values, gathered);

    /// <inheritdoc/>
    public override string ToString() => $"InProcessWorkerGroup worker {rank} of {rendezvous.Size}";
}
