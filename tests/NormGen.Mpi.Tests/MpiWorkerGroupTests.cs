using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using Xunit;

// One mpiexec job at a time: two ranks already fill this project's two cores, and ranks poll while they wait.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace NormGen.Mpi.Tests;

/// <summary>
/// MpiWorkerGroup across real processes: NormGen.Mpi.TestApp under MPICH's mpiexec, checked through every rank's
/// printed results and the job's exit code. A job that hangs is killed and fails the test.
/// </summary>
public class MpiWorkerGroupTests
{
    private static readonly TimeSpan JobLimit = TimeSpan.FromMinutes(3);

    [MpiTheory]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_rank_passes_every_check(int ranks)
    {
        JobResult job = MpiLauncher.Run(ranks, "check", JobLimit);

        Assert.True(job.ExitCode == 0, job.ToString());
        for (int r = 0; r < ranks; r++)
        {
            Assert.True(job.Output.Contains($"rank {r}: start ok: size {ranks}, library libmpich.so.12", StringComparison.Ordinal), job.ToString());
            Assert.True(job.Output.Contains($"rank {r}: ranks ok: [{string.Join(", ", Range(ranks))}]", StringComparison.Ordinal), job.ToString());
            Assert.True(job.Output.Contains($"rank {r}: rounds ok: 200 rounds", StringComparison.Ordinal), job.ToString());
            Assert.True(job.Output.Contains($"rank {r}: allocation ok: 0 bytes over 1000 calls", StringComparison.Ordinal), job.ToString());
            Assert.True(job.Output.Contains($"rank {r}: different-lengths ok: MpiWorkerGroup (rank {r} of {ranks}), round 202: every rank must pass values of the same length; values.Length by rank: [{string.Join(", ", Range(ranks, 3))}]", StringComparison.Ordinal), job.ToString());
            Assert.True(job.Output.Contains($"rank {r}: wrong-gathered ok: MpiWorkerGroup (rank {r} of {ranks}), round 204: gathered.Length must be Size * values.Length = {ranks} * 4 = {ranks * 4}; rank {ranks - 1} passed {(ranks * 4) + 1}.", StringComparison.Ordinal), job.ToString());
            Assert.True(job.Output.Contains($"rank {r}: reversed-communicator ok: rank {ranks - 1 - r}", StringComparison.Ordinal), job.ToString());
            Assert.True(job.Output.Contains($"rank {r} of {ranks}: all checks passed", StringComparison.Ordinal), job.ToString());
        }

        Assert.DoesNotContain("FAILED", job.Output, StringComparison.Ordinal);
    }

    [MpiTheory]
    [InlineData(2)]
    [InlineData(3)]
    public void Synchronized_batch_norm_on_shards_matches_one_layer_on_the_whole_batch(int ranks)
    {
        JobResult job = MpiLauncher.Run(ranks, "syncbn", JobLimit);

        Assert.True(job.ExitCode == 0, job.ToString());
        for (int r = 0; r < ranks; r++)
        {
            Assert.True(job.Output.Contains($"rank {r}: syncbn-double ok: 4 steps", StringComparison.Ordinal), job.ToString());
            Assert.True(job.Output.Contains($"rank {r}: syncbn-float ok: 4 steps", StringComparison.Ordinal), job.ToString());

            // The app checked the message's text on every rank and compared it across ranks.
            Assert.True(job.Output.Contains($"rank {r}: syncbn-nonfinite ok: every rank threw the same message", StringComparison.Ordinal), job.ToString());
            Assert.True(job.Output.Contains($"rank {r} of {ranks}: syncbn passed", StringComparison.Ordinal), job.ToString());
        }

        Assert.DoesNotContain("FAILED", job.Output, StringComparison.Ordinal);
    }

    [MpiFact]
    public void A_rank_that_hangs_makes_the_others_time_out_naming_it()
    {
        JobResult job = MpiLauncher.Run(2, "hang", JobLimit);

        // Rank 0 timed out after 2 s, named rank 1, refused the next call, and aborted the job with code 2.
        Assert.True(job.ExitCode == 2, job.ToString());
        Assert.True(job.Output.Contains(
            "rank 0: TimeoutException: MpiWorkerGroup (rank 0 of 2): rank(s) 1 did not arrive in AllGather round 0 within 00:00:02; the group is broken.",
            StringComparison.Ordinal), job.ToString());
        Assert.True(job.Output.Contains("rank 0: refused: MpiWorkerGroup (rank 0 of 2) is broken, so this call was refused", StringComparison.Ordinal), job.ToString());
        Assert.DoesNotContain("FAILED", job.Output, StringComparison.Ordinal);
    }

    [MpiFact]
    public void A_rank_that_dies_ends_the_job_with_a_nonzero_exit_code()
    {
        JobResult job = MpiLauncher.Run(2, "die", JobLimit);

        // mpiexec sees rank 1 exit without MPI_Finalize and ends rank 0, which was waiting in AllGather.
        Assert.True(job.ExitCode != 0, job.ToString());
        Assert.True(job.Output.Contains("rank 1: exiting with code 3 without MPI_Finalize", StringComparison.Ordinal), job.ToString());
        Assert.DoesNotContain("FAILED", job.Output, StringComparison.Ordinal);
    }

    [MpiFact]
    public void One_process_without_mpiexec_is_a_group_of_one()
    {
        JobResult job = MpiLauncher.RunSingleton("check", new Dictionary<string, string>(), JobLimit);

        Assert.True(job.ExitCode == 0, job.ToString());
        Assert.True(job.Output.Contains("rank 0 of 1: all checks passed", StringComparison.Ordinal), job.ToString());
    }

    [MpiTheory]
    [InlineData("no-register", "MpiWorkerGroup: MPI.NET could not load msmpi.dll. Call MpiNativeLibrary.Register() before MPI.NET's first call")]
    [InlineData("no-init", "MpiWorkerGroup: MPI is not running. Call MpiNativeLibrary.Register(), then create an MPI.Environment")]
    public void A_group_without_mpi_started_is_refused_with_what_to_call(string mode, string message)
    {
        JobResult job = MpiLauncher.RunSingleton(mode, new Dictionary<string, string>(), JobLimit);

        Assert.True(job.ExitCode == 0, job.ToString());
        Assert.True(job.Output.Contains($"{mode}: refused: {message}", StringComparison.Ordinal), job.ToString());
    }

    [MpiFact]
    public void A_library_that_is_not_mpi_is_refused_with_the_install_hint()
    {
        string zlib = "libz.so.1"; // present wherever the .NET runtime runs on Linux
        JobResult job = MpiLauncher.RunSingleton("check", new Dictionary<string, string> { ["NORMGEN_MPI_LIBRARY"] = zlib }, JobLimit);

        Assert.True(job.ExitCode != 0, job.ToString());
        Assert.True(job.Output.Contains(
            $"DllNotFoundException: MpiNativeLibrary: no MPICH-ABI MPI library could be loaded; tried {zlib} (loaded, but exports no MPI_Init_thread: not an MPI library). Install MPICH (Debian/Ubuntu: apt-get install mpich)",
            StringComparison.Ordinal), job.ToString());
    }

    [MpiFact]
    public void Open_mpi_is_refused_before_mpi_net_calls_it()
    {
        // A stand-in with Open MPI's telltale export: Open MPI itself is not installed here.
        string directory = Directory.CreateTempSubdirectory("normgen-fake-ompi-").FullName;
        try
        {
            string source = Path.Combine(directory, "fake.c");
            File.WriteAllText(source, "int ompi_mpi_comm_world; int MPI_Init_thread(void) { return 0; }\n");
            string library = Path.Combine(directory, "libmpi.so.40");
            string compiler = File.Exists("/usr/bin/cc") ? "/usr/bin/cc" : "clang";
            var build = Process.Start(new ProcessStartInfo(compiler, ["-shared", "-fPIC", "-o", library, source]) { UseShellExecute = false })!;
            Assert.True(build.WaitForExit(60_000) && build.ExitCode == 0, $"{compiler} could not build the stand-in library (the MPI tests need a C compiler for this one: apt-get install clang)");

            JobResult job = MpiLauncher.RunSingleton("check", new Dictionary<string, string> { ["NORMGEN_MPI_LIBRARY"] = library }, JobLimit);

            Assert.True(job.ExitCode != 0, job.ToString());
            Assert.True(job.Output.Contains($"NotSupportedException: MpiNativeLibrary: {library} is Open MPI.", StringComparison.Ordinal), job.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Without_mpiexec_the_message_says_how_to_install_mpich()
    {
        string empty = Directory.CreateTempSubdirectory("normgen-no-mpiexec-").FullName;
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => MpiLauncher.FindMpiexec(pathVariable: empty));
            Assert.Contains("apt-get install mpich", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    private static IEnumerable<int> Range(int count, int start = 0)
    {
        for (int i = 0; i < count; i++)
        {
            yield return start + i;
        }
    }
}
