using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using MpiApi = MPI.Unsafe;

namespace NormGen.Mpi;

/// <summary>
/// One all-to-all exchange of equal-sized blocks: this rank's block goes to every other rank and every other rank's
/// block lands at its rank's offset, by non-blocking point-to-point messages (MPI_Irecv, MPI_Isend) completed with
/// MPI_Testall polled against a deadline. Unlike a blocking MPI_Allgather it can give up, and it can tell which ranks
/// never sent.
/// </summary>
/// <remarks>
/// Moves the same bytes per rank as a ring all-gather ((Size - 1) blocks out and in); it posts Size - 1 messages at
/// once, which suits the small blocks of per-feature statistics. The request and status arrays are allocated once.
/// </remarks>
internal sealed unsafe class MpiExchange
{
    // Polling: spin briefly (a peer is usually microseconds away), then yield the core, then sleep, so a rank that
    // waits long for a slow one does not take the processor from it.
    private static readonly long SpinTicks = Stopwatch.Frequency / 10_000;  // 100 microseconds
    private static readonly long YieldTicks = Stopwatch.Frequency / 200;    // 5 milliseconds

    private readonly int _size;
    private readonly int _rank;
    private readonly int[] _requests;
    private readonly MpiApi.MPI_Status[] _statuses;

    public MpiExchange(int size, int rank)
    {
        _size = size;
        _rank = rank;
        _requests = GC.AllocateArray<int>(Math.Max(0, 2 * (size - 1)), pinned: true);
        _statuses = GC.AllocateArray<MpiApi.MPI_Status>(_requests.Length, pinned: true);
    }

    /// <summary>The Stopwatch timestamp <paramref name="timeout"/> from now; long.MaxValue for an infinite timeout.</summary>
    public long Deadline(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);

    /// <summary>
    /// Sends <paramref name="count"/> elements of <paramref name="send"/> to every other rank and receives each other
    /// rank r's into <paramref name="receive"/> at r * count (this rank's own block is left as it is). Both arrays must
    /// be pinned: after a failure, messages may still be in flight.
    /// </summary>
    public Outcome Run<T>(T[] send, T[] receive, int count, int datatype, int tag, int comm, long deadline)
        where T : unmanaged
    {
        if (_size == 1)
        {
            return default;
        }

        fixed (T* sendStart = send)
        fixed (T* receiveStart = receive)
        fixed (int* requests = _requests)
        {
            // Receives first, so messages that are already waiting land straight in place.
            int posted = 0;
            for (int peer = 0; peer < _size; peer++)
            {
                if (peer != _rank)
                {
                    int error = MpiApi.MPI_Irecv((IntPtr)(receiveStart + ((long)peer * count)), count, datatype, peer, tag, comm, out requests[posted++]);
                    if (error != MpiApi.MPI_SUCCESS)
                    {
                        return Outcome.Failure("MPI_Irecv", error);
                    }
                }
            }

            for (int peer = 0; peer < _size; peer++)
            {
                if (peer != _rank)
                {
                    int error = MpiApi.MPI_Isend((IntPtr)sendStart, count, datatype, peer, tag, comm, out requests[posted++]);
                    if (error != MpiApi.MPI_SUCCESS)
                    {
                        return Outcome.Failure("MPI_Isend", error);
                    }
                }
            }

            long start = Stopwatch.GetTimestamp();
            while (true)
            {
                int error = MpiApi.MPI_Testall(posted, requests, out int done, _statuses);
                if (error != MpiApi.MPI_SUCCESS)
                {
                    return Outcome.Failure("MPI_Testall", FirstStatusError(error));
                }

                if (done != 0)
                {
                    return default;
                }

                long now = Stopwatch.GetTimestamp();
                if (now >= deadline)
                {
                    return Outcome.Timeout(Unfinished(requests, posted));
                }

                if (now - start < SpinTicks)
                {
                    Thread.SpinWait(20);
                }
                else if (now - start < YieldTicks)
                {
                    Thread.Yield();
                }
                else
                {
                    Thread.Sleep(1);
                }
            }
        }
    }

    // MPI_ERR_IN_STATUS says the error is in a request's status; report that one.
    private int FirstStatusError(int error)
    {
        if (error == MpiApi.MPI_ERR_IN_STATUS)
        {
            foreach (MpiApi.MPI_Status status in _statuses)
            {
                if (status.MPI_ERROR != MpiApi.MPI_SUCCESS)
                {
                    return status.MPI_ERROR;
                }
            }
        }

        return error;
    }

    // The ranks whose receive or send is still pending (MPI_Test completes the finished ones one by one).
    private List<int> Unfinished(int* requests, int posted)
    {
        var pending = new SortedSet<int>();
        for (int i = 0; i < posted; i++)
        {
            int index = i % (_size - 1);
            int peer = index < _rank ? index : index + 1;
            if (MpiApi.MPI_Test(ref requests[i], out int done, out _) != MpiApi.MPI_SUCCESS || done == 0)
            {
                pending.Add(peer);
            }
        }

        return [.. pending];
    }

    /// <summary>How an exchange ended: default is success.</summary>
    public readonly struct Outcome
    {
        private Outcome(bool timedOut, List<int>? missing, string? call, int errorCode)
        {
            Failed = true;
            TimedOut = timedOut;
            Missing = missing;
            Call = call;
            ErrorCode = errorCode;
        }

        public bool Failed { get; }

        public bool TimedOut { get; }

        public List<int>? Missing { get; }

        public string? Call { get; }

        public int ErrorCode { get; }

        /// <summary>The MPI error as MPI.NET translates it; null for a timeout.</summary>
        public Exception? Error => Call is null ? null : MPI.Environment.TranslateErrorIntoException(ErrorCode);

        public static Outcome Timeout(List<int> missing) => new(true, missing, null, 0);

        public static Outcome Failure(string call, int errorCode) => new(false, null, call, errorCode);

        /// <summary>The message for the exception: which ranks, which round, what happened.</summary>
        public string Describe(object group, long round, string missingWhat, TimeSpan timeout) => TimedOut
            ? $"{group}: rank(s) {string.Join(", ", Missing!)} {missingWhat} in AllGather round {round} within {timeout}; the group is broken."
            : $"{group}: {Call} failed in AllGather round {round} with MPI error {ErrorCode} ({Error?.Message.Trim()}); the group is broken.";
    }
}
