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
/// <item>batch size: batch norm with batches of 5, 10 and 50, no norm with 5, and layer norm with 5, 10 and 50.</item>
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

        int batchSeed = unchecked(seed + 2000);
        int[] batchSizes = options.Quick ? [5, 50] : [5, 10, 50];
        var batchSize = new List<RunSpec>();
        foreach (int size in batchSizes)
        {
            batchSize.Add(new("batch-size", NormKind.Batch, size, DefaultWeightScale, epochs, batchSizeCount, batchSeed));
        }

        batchSize.Add(new("batch-size", NormKind.None, batchSizes[0], DefaultWeightScale, epochs, batchSizeCount, batchSeed));
        foreach (int size in batchSizes)
        {
            batchSize.Add(new("batch-size", NormKind.Layer, size, DefaultWeightScale, epochs, batchSizeCount, batchSeed));
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

        progress.Heading($"3/3 Batch-size experiment ({plan.BatchSize[0].TrainCount} images)");
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
}
