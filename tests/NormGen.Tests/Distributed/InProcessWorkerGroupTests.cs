using System;
using System.Diagnostics;
using System.Threading;
using Xunit;

namespace NormGen.Tests.Distributed;

/// <summary>
/// <see cref="InProcessWorkerGroup"/>: exact gathering over many rounds and sizes, allocation-free steady state, and
/// the failure paths (a worker that never arrives, lengths that differ, a worker used by two threads).
/// </summary>
public class InProcessWorkerGroupTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    // A value no other (round, rank, index) produces, with all 52 mantissa bits in use, so a copy from the wrong place
    // or a rounding on the way cannot go unnoticed.
    private static double ValueOf(int round, int rank, int index) =>
        BitConverter.Int64BitsToDouble(0x3FF0_0000_0000_0000L | ((long)round << 32) | ((long)rank << 24) | (uint)index) * (rank % 2 == 0 ? 1 : -1);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Every_worker_gets_every_workers_values_in_rank_order_round_after_round(int size)
    {
        const int Rounds = 300;
        IWorkerGroup[] workers = InProcessWorkerGroup.Create(size, Generous);
        for (int r = 0; r < size; r++)
        {
            Assert.Equal(size, workers[r].Size);
            Assert.Equal(r, workers[r].Rank);
        }

        WorkerThreads.RunAll(workers, worker =>
        {
            // Every worker draws the same lengths from the same seed: random per round, equal across workers.
            var lengths = new Random(size);
            for (int round = 0; round < Rounds; round++)
            {
                int length = round % 50 == 7 ? 0 : lengths.Next(1, 200);
                var values = new double[length];
                for (int i = 0; i < length; i++)
                {
                    values[i] = ValueOf(round, worker.Rank, i);
                }

                var gathered = new double[size * length];
                gathered.AsSpan().Fill(double.NaN);
                worker.AllGather(values, gathered);
                for (int r = 0; r < size; r++)
                {
                    for (int i = 0; i < length; i++)
                    {
                        double expected = ValueOf(round, r, i);
                        if (BitConverter.DoubleToInt64Bits(gathered[r * length + i]) != BitConverter.DoubleToInt64Bits(expected))
                        {
                            Assert.Fail($"round {round}, worker {worker.Rank}: gathered[{r} * {length} + {i}] is {gathered[r * length + i]:R}, expected {expected:R}");
                        }
                    }
                }
            }
        }, Generous);
    }

    [Fact]
    public void Gathering_in_place_reads_values_before_writing_gathered()
    {
        const int Size = 3, Length = 5;
        WorkerThreads.RunAll(InProcessWorkerGroup.Create(Size, Generous), worker =>
        {
            var gathered = new double[Size * Length];
            for (int i = 0; i < Length; i++)
            {
                gathered[worker.Rank * Length + i] = ValueOf(1, worker.Rank, i);
            }

            worker.AllGather(gathered.AsSpan(worker.Rank * Length, Length), gathered);
            for (int k = 0; k < gathered.Length; k++)
            {
                Assert.Equal(ValueOf(1, k / Length, k % Length), gathered[k]);
            }
        }, Generous);
    }

    [Fact]
    public void Steady_state_calls_allocate_nothing()
    {
        const int Size = 3, Windows = 3, RoundsPerWindow = 700;
        var leastAllocated = new long[Size];
        WorkerThreads.RunAll(InProcessWorkerGroup.Create(Size, Generous), worker =>
        {
            var values = new double[96];
            var gathered = new double[Size * values.Length];
            values.AsSpan().Fill(worker.Rank);
            worker.AllGather(values, gathered); // first round sizes the shared buffer
            worker.AllGather(values.AsSpan(0, 10), gathered.AsSpan(0, Size * 10));

            // The runtime can allocate once on a worker's thread the first time a wait takes a new path under load (a
            // CI run once saw a few kilobytes in one window of 2000 rounds); an allocation per call shows in every
            // window, so the least of three windows must be 0.
            long least = long.MaxValue;
            for (int window = 0; window < Windows; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int round = 0; round < RoundsPerWindow; round++)
                {
                    int length = round % 2 == 0 ? values.Length : 10; // shorter rounds reuse the buffer
                    worker.AllGather(values.AsSpan(0, length), gathered.AsSpan(0, Size * length));
                }

                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }

            leastAllocated[worker.Rank] = least;
            Assert.Equal(2.0, gathered[2 * 10]);
        }, Generous);

        Assert.Equal(new long[Size], leastAllocated);
    }

    [Fact]
    public void A_worker_that_never_arrives_times_out_the_others_and_breaks_the_group()
    {
        // Long enough that the two good rounds never time out on a loaded machine, short enough for a unit test.
        TimeSpan timeout = TimeSpan.FromSeconds(2);
        IWorkerGroup[] workers = InProcessWorkerGroup.Create(3, timeout);

        // Two good rounds, then worker 2 stops calling.
        var stopwatch = Stopwatch.StartNew();
        Exception?[] errors = WorkerThreads.Run(workers, worker =>
        {
            var gathered = new double[3];
            worker.AllGather([worker.Rank], gathered);
            worker.AllGather([worker.Rank], gathered);
            Assert.Equal(new double[] { 0, 1, 2 }, gathered);
            if (worker.Rank != 2)
            {
                worker.AllGather([worker.Rank], gathered);
            }
        }, Generous);
        stopwatch.Stop();

        Assert.Null(errors[2]);
        for (int r = 0; r < 2; r++)
        {
            TimeoutException timeoutError = Assert.IsType<TimeoutException>(errors[r]);
            Assert.Contains("rank(s) 2 did not arrive in AllGather round 2", timeoutError.Message);
            Assert.Contains("broken", timeoutError.Message);
        }

        // Not a speed assertion: a generous bound that separates "timed out" from "hung until the thread limit".
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"the timeout of {timeout} took {stopwatch.Elapsed}");

        // The late worker, and any later call, is refused rather than paired with a stale round.
        foreach (IWorkerGroup worker in workers)
        {
            TimeoutException refused = Assert.Throws<TimeoutException>(() => worker.AllGather([1.0], new double[3]));
            Assert.Contains($"rank {worker.Rank}'s call was refused", refused.Message);
            Assert.Contains("rank(s) 2 did not arrive", refused.Message);
        }
    }

    [Fact]
    public void Only_the_missing_ranks_are_named()
    {
        IWorkerGroup[] workers = InProcessWorkerGroup.Create(4, TimeSpan.FromSeconds(2));
        Exception?[] errors = WorkerThreads.Run(workers, worker =>
        {
            if (worker.Rank is 0 or 2)
            {
                worker.AllGather([1.0], new double[4]);
            }
        }, Generous);

        Assert.Contains("rank(s) 1, 3 did not arrive in AllGather round 0", Assert.IsType<TimeoutException>(errors[0]).Message);
        Assert.Contains("rank(s) 1, 3 did not arrive in AllGather round 0", Assert.IsType<TimeoutException>(errors[2]).Message);
    }

    [Fact]
    public void Different_lengths_throw_on_every_worker_and_the_group_stays_usable()
    {
        int[] lengths = [4, 4, 6];
        Exception?[] errors = WorkerThreads.Run(InProcessWorkerGroup.Create(3, Generous), worker =>
        {
            int length = lengths[worker.Rank];
            try
            {
                worker.AllGather(new double[length], new double[3 * length]);
            }
            finally
            {
                // The next call, with equal lengths, works on every worker.
                var gathered = new double[3];
                worker.AllGather([worker.Rank + 0.5], gathered);
                Assert.Equal(new[] { 0.5, 1.5, 2.5 }, gathered);
            }
        }, Generous);

        foreach (Exception? error in errors)
        {
            ArgumentException argumentError = Assert.IsType<ArgumentException>(error);
            Assert.Equal("values", argumentError.ParamName);
            Assert.Contains("values.Length by rank: [4, 4, 6]", argumentError.Message);
            Assert.Contains("InProcessWorkerGroup (3 workers), round 0", argumentError.Message);
        }
    }

    [Fact]
    public void A_wrong_gathered_length_on_one_worker_throws_on_every_worker()
    {
        Exception?[] errors = WorkerThreads.Run(InProcessWorkerGroup.Create(2, Generous), worker =>
            worker.AllGather(new double[5], new double[worker.Rank == 1 ? 9 : 10]), Generous);

        foreach (Exception? error in errors)
        {
            ArgumentException argumentError = Assert.IsType<ArgumentException>(error);
            Assert.Equal("gathered", argumentError.ParamName);
            Assert.Contains("gathered.Length must be Size * values.Length = 2 * 5 = 10; rank 1 passed 9.", argumentError.Message);
        }
    }

    [Fact]
    public void One_worker_checks_the_gathered_length_and_copies()
    {
        IWorkerGroup worker = Assert.Single(InProcessWorkerGroup.Create(1));
        var gathered = new double[2];
        worker.AllGather([3.5, -1], gathered);
        Assert.Equal(new[] { 3.5, -1 }, gathered);
        ArgumentException error = Assert.Throws<ArgumentException>(() => worker.AllGather([1.0], gathered));
        Assert.Contains("gathered.Length must be Size * values.Length = 1 * 1 = 1; got 2", error.Message);
    }

    [Fact]
    public void A_worker_used_by_two_threads_at_once_is_refused()
    {
        // Two threads call worker 0 while worker 1 has not called: whichever comes second is refused, the other waits.
        IWorkerGroup[] workers = InProcessWorkerGroup.Create(2, Generous);
        var errors = new Exception?[2];
        var threads = new Thread[2];
        for (int t = 0; t < 2; t++)
        {
            int index = t;
            threads[t] = new Thread(() =>
            {
                try
                {
                    workers[0].AllGather([index], new double[2]);
                }
                catch (Exception e)
                {
                    Volatile.Write(ref errors[index], e);
                }
            })
            { IsBackground = true };
            threads[t].Start();
        }

        var waited = Stopwatch.StartNew();
        while (Volatile.Read(ref errors[0]) is null && Volatile.Read(ref errors[1]) is null && waited.Elapsed < Generous)
        {
            Thread.Sleep(5);
        }

        workers[1].AllGather([9.0], new double[2]);
        Assert.True(threads[0].Join(Generous) && threads[1].Join(Generous));
        Exception refused = Assert.Single(errors, e => e is not null)!;
        Assert.IsType<InvalidOperationException>(refused);
        Assert.Contains("rank 0 called AllGather while its previous call had not returned", refused.Message);
    }

    [Fact]
    public void An_interrupted_worker_breaks_the_group_at_once()
    {
        IWorkerGroup[] workers = InProcessWorkerGroup.Create(3, Generous);
        Exception? interruptedError = null;
        var interrupted = new Thread(() =>
        {
            try
            {
                workers[1].AllGather([1.0], new double[3]);
            }
            catch (Exception e)
            {
                interruptedError = e;
            }
        })
        { IsBackground = true };
        interrupted.Start();
        Exception? waiterError = null;
        var waiter = new Thread(() =>
        {
            try
            {
                workers[0].AllGather([0.0], new double[3]);
            }
            catch (Exception e)
            {
                waiterError = e;
            }
        })
        { IsBackground = true };
        waiter.Start();
        // Interrupt worker 1 once both wait for worker 2 (an interrupt that lands before its wait is thrown there too).
        var waited = Stopwatch.StartNew();
        while (((interrupted.ThreadState & System.Threading.ThreadState.WaitSleepJoin) == 0 || (waiter.ThreadState & System.Threading.ThreadState.WaitSleepJoin) == 0)
            && waited.Elapsed < Generous)
        {
            Thread.Sleep(5);
        }

        interrupted.Interrupt();

        Assert.True(interrupted.Join(Generous));
        Assert.True(waiter.Join(Generous), "worker 0 kept waiting after worker 1 left");
        Assert.IsType<ThreadInterruptedException>(interruptedError);
        Assert.Contains("rank 1 was interrupted", Assert.IsType<TimeoutException>(waiterError).Message);
        Assert.Throws<TimeoutException>(() => workers[2].AllGather([2.0], new double[3]));
    }

    [Fact]
    public void Bad_arguments_to_create_throw()
    {
        Assert.Contains("size must be at least 1; got 0", Assert.Throws<ArgumentOutOfRangeException>(() => InProcessWorkerGroup.Create(0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => InProcessWorkerGroup.Create(2, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => InProcessWorkerGroup.Create(2, TimeSpan.FromSeconds(-1)));
        Assert.Equal(2, InProcessWorkerGroup.Create(2, Timeout.InfiniteTimeSpan).Length);
    }
}
