using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace NormGen.Generated;

/// <summary>One call's work, split into blocks of rows that can run on several threads: <see cref="RunBlock"/> for every index.</summary>
internal interface IBlockWork
{
    /// <summary>Runs block <paramref name="block"/>; blocks are independent, and each writes only its own outputs.</summary>
    void RunBlock(int block);
}

/// <summary>
/// Runs the blocks of one call on the calling thread and up to MaxDegreeOfParallelism - 1 shared worker threads. The
/// blocks of a call are fixed by the layer (never by the thread count), and whatever they produce is combined by the
/// caller in block order afterwards, so results are bit-identical whatever the degree.
/// </summary>
/// <remarks>
/// Nothing is allocated per call: the workers (one fewer than the processors, started on first use) wait on their own
/// semaphores, and a call hands them the work through fields. One call runs at a time; a call that finds the workers
/// busy runs its blocks on its own thread rather than wait. A call returns only after every worker has let go of its
/// work, so the work may refer to the caller's memory (pinned by the caller for the call).
/// </remarks>
internal static class ParallelBlocks
{
    private static readonly object Gate = new();
    private static Worker[] _workers = [];

    // The call in progress: published after its counters are set, cleared before the caller waits for the workers.
    private static IBlockWork? _work;
    private static int _count;
    private static int _next;
    private static int _remaining;
    private static int _active;
    private static Exception? _failure;

    /// <summary>Processors this process may use: the most worker threads plus the caller can keep busy.</summary>
    public static int ProcessorCount => Environment.ProcessorCount;

    /// <summary>
    /// Runs <paramref name="work"/>'s <paramref name="count"/> blocks on up to <paramref name="degree"/> threads (the
    /// caller included) and returns when all are done.
    /// </summary>
    public static void Run(IBlockWork work, int count, int degree)
    {
        int helpers = Math.Min(Math.Min(degree, ProcessorCount) - 1, count - 1);
        if (helpers <= 0 || !Monitor.TryEnter(Gate))
        {
            for (int block = 0; block < count; block++)
            {
                work.RunBlock(block);
            }

            return;
        }

        try
        {
            EnsureWorkers();
            _count = count;
            _next = 0;
            _remaining = count;
            _failure = null;
            Volatile.Write(ref _work, work);
            for (int i = 0; i < helpers && i < _workers.Length; i++)
            {
                _workers[i].Wake();
            }

            RunBlocks(work);

            // Spin and yield, never Thread.Sleep(1): SpinWait's default sleeps a millisecond once it has spun ~20 times,
            // which made a (1024, 1024) batch norm 2.5x slower on two threads than on one.
            var spin = default(SpinWait);
            while (Volatile.Read(ref _remaining) > 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            // No worker may touch this call's work once Run returns: wait for the ones still inside it.
            Volatile.Write(ref _work, null);
            spin = default;
            while (Volatile.Read(ref _active) > 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            if (_failure is not null)
            {
                ExceptionDispatchInfo.Capture(_failure).Throw();
            }
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    /// <summary>Takes blocks of the current call until none is left.</summary>
    private static void RunBlocks(IBlockWork work)
    {
        int count = Volatile.Read(ref _count);
        for (int block = Interlocked.Increment(ref _next) - 1; block < count; block = Interlocked.Increment(ref _next) - 1)
        {
            try
            {
                work.RunBlock(block);
            }
            catch (Exception error)
            {
                Interlocked.CompareExchange(ref _failure, error, null);
            }

            Interlocked.Decrement(ref _remaining);
        }
    }

    /// <summary>A worker's turn: join the call in progress, if there still is one.</summary>
    private static void Help()
    {
        Interlocked.Increment(ref _active);
        try
        {
            IBlockWork? work = Volatile.Read(ref _work);
            if (work is not null)
            {
                RunBlocks(work);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    private static void EnsureWorkers()
    {
        if (_workers.Length == 0 && ProcessorCount > 1)
        {
            var workers = new Worker[ProcessorCount - 1];
            for (int i = 0; i < workers.Length; i++)
            {
                workers[i] = new Worker(i);
            }

            _workers = workers;
        }
    }

    /// <summary>A background thread that helps with one call each time it is woken.</summary>
    private sealed class Worker
    {
        private readonly SemaphoreSlim _wake = new(0);

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = "NormGen worker " + index };
            thread.Start();
        }

        public void Wake() => _wake.Release();

        private void Loop()
        {
            while (true)
            {
                _wake.Wait();
                Help();
            }
        }
    }
}
