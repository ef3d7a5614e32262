using System;
using System.Threading;
using NormGen.Mpi;

namespace NormGen.Mpi.TestApp;

/// <summary>
/// `mpiexec -n N dotnet NormGen.Mpi.TestApp.dll [check|syncbn|hang|die]` runs one mode on every rank.
/// check: <see cref="Checks"/>; exit 0 when every rank passed.
/// syncbn: <see cref="SyncBatchNormChecks"/>, synchronized batch norm against one layer on the whole batch.
/// hang: rank 1 stays alive but never calls AllGather; rank 0 must get a TimeoutException naming rank 1 (exit 2).
/// die: rank 1 exits with code 3 without finalizing MPI; mpiexec must end the job instead of leaving rank 0 waiting.
/// no-register, no-init (one process, no mpiexec): creating a group without MpiNativeLibrary.Register(), or without
/// MPI.Environment, must be refused with a message that says what to call; exit 0 when it is.
/// Any unexpected exception prints "rank r: FAILED ..." and aborts the job with code 1.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "check";
        if (mode is "no-register" or "no-init")
        {
            return Refused(mode);
        }

        MpiNativeLibrary.Register();
        var mpi = new MPI.Environment(ref args);
        int rank = MPI.Communicator.world.Rank;
        try
        {
            int code = mode switch
            {
                "check" => Checks.Run(),
                "syncbn" => SyncBatchNormChecks.Run(),
                "hang" => Hang(),
                "die" => Die(),
                _ => throw new ArgumentException($"unknown mode '{mode}'; use check, syncbn, hang or die"),
            };
            if (code != 0)
            {
                // Finalizing would wait for ranks that are gone or stuck; abort ends them all.
                MPI.Environment.Abort(code);
                return code;
            }
        }
        catch (Exception e)
        {
            Console.WriteLine($"rank {rank}: FAILED {e}");
            MPI.Environment.Abort(1);
            return 1;
        }

        mpi.Dispose();
        return 0;
    }

    private static int Refused(string mode)
    {
        if (mode == "no-init")
        {
            MpiNativeLibrary.Register();
        }

        try
        {
            using var group = new MpiWorkerGroup();
            Console.WriteLine($"{mode}: FAILED a group was created");
            return 1;
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"{mode}: refused: {e.Message}");
            return 0;
        }
    }

    private static int Hang()
    {
        // A group with a generous timeout meets once, so both ranks are up whatever the start-up skew; it is not
        // disposed (freeing its communicator must not wait on the rank that will hang).
        var start = new MpiWorkerGroup(TimeSpan.FromMinutes(1));
        var gathered = new double[start.Size];
        start.AllGather([start.Rank], gathered);
        Console.WriteLine($"rank {start.Rank}: start gathered [{string.Join(", ", gathered)}]");

        using var group = new MpiWorkerGroup(TimeSpan.FromSeconds(2)); // collective: both ranks create it
        if (group.Rank == 1)
        {
            Thread.Sleep(TimeSpan.FromMinutes(2)); // alive, but never arrives; the abort from rank 0 ends it
            return 0;
        }

        try
        {
            group.AllGather([group.Rank], gathered);
            Console.WriteLine($"rank {group.Rank}: FAILED AllGather returned without rank 1");
            return 1;
        }
        catch (TimeoutException e)
        {
            Console.WriteLine($"rank {group.Rank}: TimeoutException: {e.Message}");
        }

        try
        {
            group.AllGather([group.Rank], gathered);
            Console.WriteLine($"rank {group.Rank}: FAILED a broken group accepted another call");
            return 1;
        }
        catch (TimeoutException e)
        {
            Console.WriteLine($"rank {group.Rank}: refused: {e.Message}");
        }

        return 2;
    }

    private static int Die()
    {
        using var group = new MpiWorkerGroup(TimeSpan.FromMinutes(1));
        var gathered = new double[group.Size];
        group.AllGather([group.Rank], gathered);
        Console.WriteLine($"rank {group.Rank}: round 0 gathered [{string.Join(", ", gathered)}]");
        if (group.Rank == 1)
        {
            Console.WriteLine("rank 1: exiting with code 3 without MPI_Finalize");
            Environment.Exit(3);
        }

        group.AllGather([group.Rank], gathered);
        Console.WriteLine($"rank {group.Rank}: FAILED AllGather returned without rank 1");
        return 1;
    }
}
