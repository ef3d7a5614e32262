using System;

namespace NormGen;

/// <summary>
/// The workers of one data-parallel training step: each holds a shard of the batch, and together they compute what one
/// layer would compute on the whole batch (PyTorch SyncBatchNorm's process group). A synchronized batch-norm layer
/// gathers each worker's per-feature statistics through <see cref="AllGather"/> and merges them in rank order, so every
/// worker gets identical results.
/// </summary>
/// <remarks>
/// <para>
/// Every worker must make the same sequence of <see cref="AllGather"/> calls (a collective operation, as in MPI): the
/// k-th call of one worker meets the k-th call of every other worker. One worker object is used by one thread at a
/// time.
/// </para>
/// <para>
/// Implementations: <see cref="InProcessWorkerGroup"/> (threads of one process) and <c>NormGen.Mpi.MpiWorkerGroup</c>
/// (processes started by <c>mpiexec</c>, package NormGen.Mpi).
/// </para>
/// </remarks>
public interface IWorkerGroup
{
    /// <summary>Number of workers, at least 1.</summary>
    int Size { get; }

    /// <summary>This worker's position, 0 to Size - 1.</summary>
    int Rank { get; }

    /// <summary>
    /// Every worker contributes <paramref name="values"/> (the same length on every worker) and receives every worker's
    /// values in rank order: gathered[r * values.Length + i] is worker r's values[i]. Blocks until every worker has
    /// contributed.
    /// </summary>
    /// <param name="values">This worker's values; may be empty (then nothing is exchanged but the call still meets the others).</param>
    /// <param name="gathered">
    /// Receives Size * values.Length values. It may overlap <paramref name="values"/> (values are read before gathered
    /// is written), so <c>AllGather(gathered.Slice(Rank * n, n), gathered)</c> gathers in place.
    /// </param>
    /// <exception cref="ArgumentException">
    /// gathered.Length is not Size * values.Length on some worker, or the workers passed values of different lengths.
    /// Every worker of the call throws it (the call still completes on all of them, so the group stays usable).
    /// </exception>
    /// <exception cref="TimeoutException">
    /// A worker did not arrive in time (it died or hangs); the group is then broken, and every later call on any of its
    /// workers throws <see cref="TimeoutException"/> too, naming the original cause.
    /// </exception>
    void AllGather(ReadOnlySpan<double> values, Span<double> gathered);
}
