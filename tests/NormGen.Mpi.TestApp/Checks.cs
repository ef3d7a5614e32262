using System;
using System.Diagnostics;
using MPI;

namespace NormGen.Mpi.TestApp;

/// <summary>
/// The checks every rank runs in mode "check". Each prints "rank r: NAME ok ..."; the last line is
/// "rank r of n: all checks passed". A failed check throws, which aborts the job.
/// </summary>
internal static class Checks
{
    public static int Run()
    {
        using var group = new MpiWorkerGroup(TimeSpan.FromSeconds(60));
        int rank = group.Rank, size = group.Size;
        Say(rank, "start", $"size {size}, library {MpiNativeLibrary.LoadedLibrary}, threading {MPI.Environment.Threading}");

        Ranks(group);
        Rounds(group);
        InPlace(group);
        DifferentLengths(group);
        WrongGathered(group);
        Allocation(group);
        SelfCommunicator(rank);
        ReversedCommunicator(rank, size);
        Timing(group);

        Console.WriteLine($"rank {rank} of {size}: all checks passed");
        return 0;
    }

    // A value no other (round, rank, index) produces, using every mantissa bit: a misplaced or altered value shows.
    private static double ValueOf(int round, int rank, int index) =>
        BitConverter.Int64BitsToDouble(0x3FF0_0000_0000_0000L | ((long)round << 32) | ((long)rank << 24) | (uint)index) * (rank % 2 == 0 ? 1 : -1);

    private static void Ranks(MpiWorkerGroup group)
    {
        var gathered = new double[group.Size];
        group.AllGather([group.Rank], gathered);
        for (int r = 0; r < group.Size; r++)
        {
            Require(gathered[r] == r, $"ranks: gathered[{r}] = {gathered[r]}");
        }

        Say(group.Rank, "ranks", $"[{string.Join(", ", gathered)}]");
    }

    private static void Rounds(MpiWorkerGroup group)
    {
        const int Rounds = 200;
        var lengths = new Random(7); // the same seed on every rank: equal lengths, random per round
        long checkedValues = 0;
        for (int round = 0; round < Rounds; round++)
        {
            int length = round % 40 == 3 ? 0 : lengths.Next(1, 300);
            var values = new double[length];
            for (int i = 0; i < length; i++)
            {
                values[i] = ValueOf(round, group.Rank, i);
            }

            var gathered = new double[group.Size * length];
            gathered.AsSpan().Fill(double.NaN);
            group.AllGather(values, gathered);
            for (int k = 0; k < gathered.Length; k++)
            {
                double expected = ValueOf(round, k / length, k % length);
                Require(
                    BitConverter.DoubleToInt64Bits(gathered[k]) == BitConverter.DoubleToInt64Bits(expected),
                    $"rounds: round {round}, gathered[{k}] = {gathered[k]:R}, expected {expected:R}");
                checkedValues++;
            }
        }

        Say(group.Rank, "rounds", $"{Rounds} rounds, {checkedValues} values bit-exact");
    }

    private static void InPlace(MpiWorkerGroup group)
    {
        const int Length = 6;
        var gathered = new double[group.Size * Length];
        for (int i = 0; i < Length; i++)
        {
            gathered[(group.Rank * Length) + i] = ValueOf(1000, group.Rank, i);
        }

        group.AllGather(gathered.AsSpan(group.Rank * Length, Length), gathered);
        for (int k = 0; k < gathered.Length; k++)
        {
            Require(gathered[k] == ValueOf(1000, k / Length, k % Length), $"in place: gathered[{k}] = {gathered[k]:R}");
        }

        Say(group.Rank, "in-place", "ok");
    }

    private static void DifferentLengths(MpiWorkerGroup group)
    {
        if (group.Size == 1)
        {
            Say(group.Rank, "different-lengths", "skipped: one rank cannot differ from itself");
            return;
        }

        int length = 3 + group.Rank;
        try
        {
            group.AllGather(new double[length], new double[group.Size * length]);
            throw new InvalidOperationException("different lengths: no exception");
        }
        catch (ArgumentException e)
        {
            Require(e.ParamName == "values", $"different lengths: ParamName {e.ParamName}");
            Say(group.Rank, "different-lengths", e.Message);
        }

        // The group stays usable.
        var gathered = new double[group.Size];
        group.AllGather([group.Rank + 0.25], gathered);
        Require(gathered[^1] == group.Size - 0.75, "different lengths: the next call failed");
    }

    private static void WrongGathered(MpiWorkerGroup group)
    {
        try
        {
            group.AllGather(new double[4], new double[(group.Size * 4) + (group.Rank == group.Size - 1 ? 1 : 0)]);
            throw new InvalidOperationException("wrong gathered length: no exception");
        }
        catch (ArgumentException e)
        {
            Require(e.ParamName == "gathered", $"wrong gathered length: ParamName {e.ParamName}");
            Say(group.Rank, "wrong-gathered", e.Message);
        }
    }

    private static void Allocation(MpiWorkerGroup group)
    {
        const int Calls = 1000;
        var values = new double[3 * 128];
        var gathered = new double[group.Size * values.Length];
        group.AllGather(values, gathered); // sizes the buffers
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Calls; i++)
        {
            int length = i % 2 == 0 ? values.Length : 17; // a shorter call reuses the buffers
            group.AllGather(values.AsSpan(0, length), gathered.AsSpan(0, group.Size * length));
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Require(allocated == 0, $"allocation: {allocated} bytes over {Calls} calls");
        Say(group.Rank, "allocation", $"{allocated} bytes over {Calls} calls");
    }

    private static void SelfCommunicator(int worldRank)
    {
        using var self = new MpiWorkerGroup(Communicator.self, TimeSpan.FromSeconds(60));
        var gathered = new double[2];
        self.AllGather([worldRank, 5], gathered);
        Require(self.Size == 1 && self.Rank == 0 && gathered[0] == worldRank && gathered[1] == 5, "self communicator");
        Say(worldRank, "self-communicator", $"size {self.Size}, rank {self.Rank}");
    }

    // A communicator that ranks the processes in reverse: rank order must follow it, not the world's.
    private static void ReversedCommunicator(int worldRank, int size)
    {
        using Intracommunicator reversed = (Intracommunicator)Communicator.world.Split(0, size - 1 - worldRank);
        using var group = new MpiWorkerGroup(reversed, TimeSpan.FromSeconds(60));
        var gathered = new double[size];
        group.AllGather([worldRank], gathered);
        Require(group.Rank == size - 1 - worldRank, $"reversed communicator: rank {group.Rank}");
        for (int r = 0; r < size; r++)
        {
            Require(gathered[r] == size - 1 - r, $"reversed communicator: gathered [{string.Join(", ", gathered)}]");
        }

        Say(worldRank, "reversed-communicator", $"rank {group.Rank}, gathered world ranks [{string.Join(", ", gathered)}]");
    }

    // Informational only: the cost of one call for 128 features' (count, mean, M2).
    private static void Timing(MpiWorkerGroup group)
    {
        const int Calls = 500;
        var values = new double[3 * 128];
        var gathered = new double[group.Size * values.Length];
        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < Calls; i++)
        {
            group.AllGather(values, gathered);
        }

        Say(group.Rank, "timing", $"{stopwatch.Elapsed.TotalMicroseconds / Calls:F1} us per AllGather of {values.Length} doubles");
    }

    private static void Require(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InvalidOperationException(failure);
        }
    }

    private static void Say(int rank, string check, string detail) => Console.WriteLine($"rank {rank}: {check} ok: {detail}");
}
