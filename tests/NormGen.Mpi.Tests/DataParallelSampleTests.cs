using System;
using System.Linq;
using Xunit;

namespace NormGen.Mpi.Tests;

/// <summary>
/// samples/DataParallelMpi under mpiexec: a few steps on 2 ranks, each step checked by the sample against one process
/// on the whole batch (it exits 1 on a mismatch), and the ranks' weights bit-identical at the end.
/// </summary>
public class DataParallelSampleTests
{
    private static readonly TimeSpan JobLimit = TimeSpan.FromMinutes(5);

    [MpiFact]
    public void Two_ranks_train_step_for_step_as_one_process_on_the_whole_batch()
    {
        JobResult job = MpiLauncher.RunDll(2, MpiLauncher.DataParallelSampleDll, ["--epochs", "1", "--train", "600", "--batch", "200"], JobLimit);

        Assert.True(job.ExitCode == 0, job.ToString());
        Assert.True(job.Output.Contains("batches of 200 split into shards of [100, 100] rows, 3 steps per epoch", StringComparison.Ordinal), job.ToString());

        // One table row per step: epoch 1, steps 1 to 3.
        string[] rows = job.Output.Split('\n').Where(line => line.StartsWith("    1 ", StringComparison.Ordinal)).ToArray();
        Assert.True(rows.Length == 3, job.ToString());
        Assert.True(job.Output.Contains("Every rank's weights and running statistics are bit-identical: yes.", StringComparison.Ordinal), job.ToString());
        Assert.True(job.Output.Contains("MATCH: 2 rank(s) with synchronized batch norm compute each step as one process on the whole batch", StringComparison.Ordinal), job.ToString());
        Assert.DoesNotContain("FAILED", job.Output, StringComparison.Ordinal);
    }
}
