using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace FashionMnistBatchNorm;

/// <summary>
/// The three experiments of cs231n's BatchNormalization notebook, on Fashion-MNIST:
/// <list type="number">
/// <item>main: batch norm vs no norm, batch 50, weight scale 2e-2, on the whole training set;</item>
/// <item>weight scale: best validation accuracy with and without batch norm for scales on a log grid 1e-4 to 1;</item>
/// <item>batch size: batch norm and layer norm with batches of 5, 10 and 50, no norm with 5; with
/// <see cref="Options.SmallBatches"/>, batch norm, batch renormalization and layer norm with batches of 2, 5, 10 and 50,
/// no norm with 2 and 5, and ghost batch norm with batches of 50 in virtual batches of 10 and of 5.</item>
/// </list>
/// Runs that are compared share a seed, so they start from the same weights.
/// </summary>
internal sealed record ExperimentPlan(RunSpec[] Main, RunSpec[] WeightScale, RunSpec[] BatchSize)
{
    /// <summary>Weight scale of the main and batch-size experiments (cs231n's choice).</summary>
    public const double DefaultWeightScale = 2e-2;

    /// <summary>Builds the runs for the options; <paramref name="trainCount"/> is the size of the training set.</summary>
    public static ExperimentPlan Create(Options options, int trainCount)
    {
        int epochs = options.Epochs ?? (options.Quick ? 3 : 10);
        int seed = options.Seed;

        // The weight-scale sweep (18 runs) trains on 2,000 images, as cs231n trains it on a small set, and the
        // batch-size runs on at most the embedded 5,000, so that --data with the full 60,000 lengthens only the
        // main experiment. --quick uses fewer still.
        int mainCount = options.Quick ? Math.Min(trainCount, 2000) : trainCount;
        int weightScaleCount = Math.Min(trainCount, options.Quick ? 1000 : 2000);
        int batchSizeCount = Math.Min(trainCount, options.Quick ? 1000 : 5000);

        RunSpec[] main =
        [
            new("main", NormKind.Batch, 50, DefaultWeightScale, epochs, mainCount, seed),
            new("main", NormKind.None, 50, DefaultWeightScale, epochs, mainCount, seed),
        ];

        double[] scales = options.Quick
            ? [1e-4, 1e-3, 1e-2, 1e-1, 1]
            : Enumerable.Range(0, 9).Select(k => Math.Pow(10, -4 + (0.5 * k))).ToArray();
        var weightScale = new List<RunSpec>();
        for (int k = 0; k < scales.Length; k++)
        {
            int runSeed = unchecked(seed + 1000 + k);
            weightScale.Add(new("weight-scale", NormKind.Batch, 50, scales[k], epochs, weightScaleCount, runSeed));
            weightScale.Add(new("weight-scale", NormKind.None, 50, scales[k], epochs, weightScaleCount, runSeed));
        }

        // Every batch-size run shares a seed (same initial weights), the epochs and the 5,000 images. Small batches
        // (issue 15): plain batch norm, batch renormalization and layer norm at every size, no norm at the small ones,
        // and ghost batch norm at 50 split into virtual batches of 10 and 5. In quick mode one small and one large size
        // but every variant, so a broken variant fails the sample tests.
        int batchSeed = unchecked(seed + 2000);
        var batchSize = new List<RunSpec>();
        RunSpec BatchSizeRun(NormKind norm, int size, int virtualBatchSize = 0) =>
            new("batch-size", norm, size, DefaultWeightScale, epochs, batchSizeCount, batchSeed, virtualBatchSize);
        if (options.SmallBatches)
        {
            int[] sizes = options.Quick ? [2, 50] : [2, 5, 10, 50];
            int[] noNormSizes = options.Quick ? [2] : [2, 5];
            batchSize.AddRange(sizes.Select(size => BatchSizeRun(NormKind.Batch, size)));
            batchSize.AddRange(sizes.Select(size => BatchSizeRun(NormKind.BatchRenorm, size)));
            batchSize.Add(BatchSizeRun(NormKind.GhostBatch, 50, HiddenGhost10Norm.VirtualBatchSize));
            batchSize.Add(BatchSizeRun(NormKind.GhostBatch, 50, HiddenGhost5Norm.VirtualBatchSize));
            batchSize.AddRange(sizes.Select(size => BatchSizeRun(NormKind.Layer, size)));
            batchSize.AddRange(noNormSizes.Select(size => BatchSizeRun(NormKind.None, size)));
        }
        else
        {
            int[] sizes = options.Quick ? [5, 50] : [5, 10, 50];
            batchSize.AddRange(sizes.Select(size => BatchSizeRun(NormKind.Batch, size)));
            batchSize.Add(BatchSizeRun(NormKind.None, sizes[0]));
            batchSize.AddRange(sizes.Select(size => BatchSizeRun(NormKind.Layer, size)));
        }

        return new ExperimentPlan(main, [.. weightScale], [.. batchSize]);
    }

    /// <summary>All runs, in the order they are trained.</summary>
    public IEnumerable<RunSpec> All => Main.Concat(WeightScale).Concat(BatchSize);
}

/// <summary>The results of every run of a plan.</summary>
/// <param name="Main">Main experiment: batch norm, then no norm.</param>
/// <param name="WeightScale">Weight-scale experiment, batch norm and no norm per scale.</param>
/// <param name="BatchSize">Batch-size experiment.</param>
/// <param name="Seconds">Total training time.</param>
internal sealed record ExperimentResults(RunResult[] Main, RunResult[] WeightScale, RunResult[] BatchSize, double Seconds)
{
    /// <summary>Trains every run of the plan, one after the other (deterministic: no threads touch the numbers).</summary>
    public static ExperimentResults Run(ExperimentPlan plan, Trainer trainer, IProgressReporter progress)
    {
        var clock = Stopwatch.StartNew();
        progress.StartPlan(plan.All.ToArray());
        progress.Heading($"1/3 Main experiment: batch norm vs no norm ({plan.Main[0].TrainCount} images, batch 50, weight scale {Format.Scale(ExperimentPlan.DefaultWeightScale)})");
        progress.Detailed = true;
        RunResult[] main = plan.Main.Select(trainer.Run).ToArray();
        progress.Detailed = false;

        progress.Heading($"2/3 Weight-scale experiment: {plan.WeightScale.Length / 2} scales from 1e-4 to 1, with and without batch norm ({plan.WeightScale[0].TrainCount} images)");
        RunResult[] weightScale = plan.WeightScale.Select(trainer.Run).ToArray();

        string norms = string.Join(", ", plan.BatchSize.Select(r => r.NormTitle).Distinct());
        progress.Heading($"3/3 Batch-size experiment: {norms}; batches of {plan.BatchSize.Min(r => r.BatchSize)} to {plan.BatchSize.Max(r => r.BatchSize)} ({plan.BatchSize[0].TrainCount} images)");
        RunResult[] batchSize = plan.BatchSize.Select(trainer.Run).ToArray();
        return new ExperimentResults(main, weightScale, batchSize, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Rows of the weight-scale table: per scale, best validation accuracy with batch norm and without, and the
    /// batch-norm net's final accuracy after exact recalibration of its statistics.
    /// </summary>
    public IEnumerable<(double Scale, double BatchNorm, double NoNorm, double? BatchNormExact)> WeightScaleRows() =>
        WeightScale
            .GroupBy(r => r.Spec.WeightScale)
            .Select(g =>
            {
                RunResult batchNorm = g.Single(r => r.Spec.Norm == NormKind.Batch);
                RunResult noNorm = g.Single(r => r.Spec.Norm == NormKind.None);
                return (g.Key, batchNorm.BestValidationAccuracy, noNorm.BestValidationAccuracy, batchNorm.RecalibratedValidationAccuracy);
            });

    /// <summary>
    /// The batch-size runs grouped by norm variant (by <see cref="RunSpec.Label"/>, in plan order), each group's runs
    /// ordered by batch size: one line of the batch-size plot and one row of its summary table.
    /// </summary>
    public IEnumerable<(string Label, RunResult[] Runs)> BatchSizeVariants() =>
        BatchSize
            .GroupBy(r => r.Spec.Label)
            .Select(g => (g.Key, g.OrderBy(r => r.Spec.BatchSize).ToArray()));
}
