using System;
using System.Threading;
using Xunit;

namespace NormGen.Tests.Distributed;

/// <summary>Runs one body per worker on its own thread and reports what each threw; never waits forever.</summary>
internal static class WorkerThreads
{
    /// <summary>
    /// Runs <paramref name="body"/> for every worker of <paramref name="workers"/> (each on a new background thread)
    /// and returns each worker's exception, or null. Fails the test if a thread is still running after
    /// <paramref name="limit"/>: a hang is a failure, not a stuck test run.
    /// </summary>
    public static Exception?[] Run(IWorkerGroup[] workers, Action<IWorkerGroup> body, TimeSpan limit)
    {
        var errors = new Exception?[workers.Length];
        var threads = new Thread[workers.Length];

        // Every thread is running before any calls AllGather: thread start-up on a loaded machine can take longer
        // than the short timeouts some tests use.
        using var started = new Barrier(workers.Length);
        for (int r = 0; r < workers.Length; r++)
        {
            int rank = r;
            threads[r] = new Thread(() =>
            {
                try
                {
                    if (!started.SignalAndWait(limit))
                    {
                        throw new TimeoutException($"worker {rank}: the other threads did not start within {limit}");
                    }

                    body(workers[rank]);
                }
                catch (Exception e)
                {
                    errors[rank] = e;
                }
            })
            { IsBackground = true, Name = $"worker {rank}" };
            threads[r].Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(limit), $"{thread.Name} did not finish within {limit}: AllGather hangs.");
        }

        return errors;
    }

    /// <summary>Like <see cref="Run"/>, and rethrows the first worker's exception with its rank.</summary>
    public static void RunAll(IWorkerGroup[] workers, Action<IWorkerGroup> body, TimeSpan limit)
    {
        Exception?[] errors = Run(workers, body, limit);
        for (int r = 0; r < errors.Length; r++)
        {
            if (errors[r] is not null)
            {
                throw new InvalidOperationException($"worker {r} of {workers.Length} failed: {errors[r]}", errors[r]);
            }
        }
    }
}
