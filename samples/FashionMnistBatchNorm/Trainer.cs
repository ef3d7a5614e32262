using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using NormGen;

namespace FashionMnistBatchNorm;

/// <summary>Which normalization the hidden layers use.</summary>
internal enum NormKind
{
    /// <summary>No normalization: affine - ReLU.</summary>
    None,

    /// <summary>Generated <c>[BatchNorm(Features = 100)]</c> layers.</summary>
    Batch,

    /// <summary>Generated <c>[LayerNorm(Features = 100)]</c> layers.</summary>
    Layer,

    /// <summary>Generated <c>[BatchNorm(Features = 100, Renorm = true)]</c> layers: batch renormalization.</summary>
    BatchRenorm,

    /// <summary>Generated <c>[BatchNorm(Features = 100, VirtualBatchSize = n)]</c> layers: ghost batch norm (n from <see cref="RunSpec.VirtualBatchSize"/>).</summary>
    GhostBatch,
}

/// <summary>One training run.</summary>
/// <param name="Experiment">Experiment it belongs to (main, weight-scale, batch-size).</param>
/// <param name="Norm">Normalization of the hidden layers.</param>
/// <param name="BatchSize">Training batch size.</param>
/// <param name="WeightScale">Standard deviation of the initial weights.</param>
/// <param name="Epochs">Passes over the training set.</param>
/// <param name="TrainCount">Training images used (the first ones of the training set).</param>
/// <param name="Seed">Seed of the initial weights and the shuffles; runs that are compared share it.</param>
/// <param name="VirtualBatchSize">Samples per ghost batch of <see cref="NormKind.GhostBatch"/> (10 or 5); 0 for the other kinds.</param>
internal sealed record RunSpec(string Experiment, NormKind Norm, int BatchSize, double WeightScale, int Epochs, int TrainCount, int Seed, int VirtualBatchSize = 0)
{
    /// <summary>
    /// Label for tables and legends: the norm with the settings that tell its variants apart, e.g. "batch norm",
    /// "batch renorm (r_max 3, d_max 5)" or "ghost batch norm, virtual 10".
    /// </summary>
    public string Label => Norm switch
    {
        NormKind.BatchRenorm => string.Create(
            CultureInfo.InvariantCulture, $"batch renorm (r_max {HiddenRenorm.RenormMaxScale}, d_max {HiddenRenorm.RenormMaxShift})"),
        NormKind.GhostBatch => string.Create(CultureInfo.InvariantCulture, $"ghost batch norm, virtual {VirtualBatchSize}"),
        _ => NormTitle,
    };

    /// <summary>The kind of norm alone: "batch norm", "batch renorm", "ghost batch norm", "layer norm" or "no norm".</summary>
    public string NormTitle => Norm switch
    {
        NormKind.Batch => "batch norm",
        NormKind.BatchRenorm => "batch renorm",
        NormKind.GhostBatch => "ghost batch norm",
        NormKind.Layer => "layer norm",
        _ => "no norm",
    };

    /// <summary>The norm's name in results.json: none, batch, renorm, ghost or layer.</summary>
    public string NormName => Norm switch
    {
        NormKind.Batch => "batch",
        NormKind.BatchRenorm => "renorm",
        NormKind.GhostBatch => "ghost",
        NormKind.Layer => "layer",
        _ => "none",
    };

    /// <summary>True for the batch-norm variants: they normalize with batch statistics in training and running statistics at inference.</summary>
    public bool IsBatchNorm => Norm is NormKind.Batch or NormKind.BatchRenorm or NormKind.GhostBatch;
}

/// <summary>What a run measured.</summary>
internal sealed class RunResult
{
    /// <summary>The run's settings.</summary>
    public required RunSpec Spec { get; init; }

    /// <summary>Mean training loss of each iteration.</summary>
    public List<double> IterationLoss { get; } = [];

    /// <summary>Mean training loss over each epoch.</summary>
    public List<double> EpochLoss { get; } = [];

    /// <summary>Training accuracy of each epoch, measured on the training batches as they were trained (training mode).</summary>
    public List<double> EpochTrainAccuracy { get; } = [];

    /// <summary>Validation accuracy after each epoch, in inference mode (running statistics).</summary>
    public List<double> EpochValidationAccuracy { get; } = [];

    /// <summary>Best of <see cref="EpochValidationAccuracy"/>.</summary>
    public double BestValidationAccuracy { get; set; }

    /// <summary>Validation accuracy after the last epoch with the exponential running statistics.</summary>
    public double FinalValidationAccuracy { get; set; }

    /// <summary>Final validation accuracy after recalibrating the running statistics exactly over the training set (batch norm only).</summary>
    public double? RecalibratedValidationAccuracy { get; set; }

    /// <summary>
    /// Accuracy on the run's training images at the final weights in inference mode (running statistics, before
    /// recalibration). With <see cref="TrainingModeTrainAccuracy"/>, it measures the train/inference mismatch on the same data.
    /// </summary>
    public double InferenceModeTrainAccuracy { get; set; }

    /// <summary>
    /// Accuracy on the run's training images at the final weights in training mode: consecutive batches of the run's
    /// batch size, normalized as in training (batch statistics; ghost groups; renorm's correction).
    /// </summary>
    public double TrainingModeTrainAccuracy { get; set; }

    /// <summary>Wall time of the run.</summary>
    public double Seconds { get; set; }
}

/// <summary>Trains one network per <see cref="RunSpec"/>: Adam, shuffled mini-batches, validation after each epoch.</summary>
internal sealed class Trainer
{
    /// <summary>Hidden layer widths (cs231n: five layers of 100).</summary>
    public static readonly int[] HiddenLayers = [100, 100, 100, 100, 100];

    /// <summary>Adam learning rate.</summary>
    public const double LearningRate = 1e-3;

    /// <summary>Validation is run in chunks of this many images.</summary>
    private const int EvaluationChunk = 500;

    private readonly FashionMnist _data;
    private readonly IProgressReporter _progress;

    /// <summary>Creates a trainer over the given data, reporting through <paramref name="progress"/>.</summary>
    public Trainer(FashionMnist data, IProgressReporter progress)
    {
        _data = data;
        _progress = progress;
    }

    /// <summary>Creates the five generated norm layers of a kind (null for none).</summary>
    /// <param name="kind">The norm.</param>
    /// <param name="virtualBatchSize">Samples per ghost batch for <see cref="NormKind.GhostBatch"/>: 10 or 5 (the generated variants).</param>
    /// <exception cref="ArgumentOutOfRangeException">Ghost batch norm with a virtual batch size that has no generated layer.</exception>
    public static INormalizationLayer<float>[]? CreateNorms(NormKind kind, int virtualBatchSize = 0) => kind switch
    {
        NormKind.Batch => [new Hidden1Norm(), new Hidden2Norm(), new Hidden3Norm(), new Hidden4Norm(), new Hidden5Norm()],
        NormKind.Layer => [new Hidden1LayerNorm(), new Hidden2LayerNorm(), new Hidden3LayerNorm(), new Hidden4LayerNorm(), new Hidden5LayerNorm()],
        NormKind.BatchRenorm => Five(() => new HiddenRenorm()),
        NormKind.GhostBatch => virtualBatchSize switch
        {
            HiddenGhost10Norm.VirtualBatchSize => Five(() => new HiddenGhost10Norm()),
            HiddenGhost5Norm.VirtualBatchSize => Five(() => new HiddenGhost5Norm()),
            _ => throw new ArgumentOutOfRangeException(
                nameof(virtualBatchSize), virtualBatchSize, $"Trainer: ghost batch norm is generated for virtual batches of 10 and 5, not {virtualBatchSize}."),
        },
        _ => null,
    };

    /// <summary>Trains and evaluates one network.</summary>
    public RunResult Run(RunSpec spec)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(spec.Seed);
        Dataset train = _data.Train.Take(spec.TrainCount);
        Dataset validation = _data.Validation;
        INormalizationLayer<float>[]? norms = CreateNorms(spec.Norm, spec.VirtualBatchSize);
        var network = new Network(
            train.Features, HiddenLayers, FashionMnist.ClassNames.Length, norms, spec.WeightScale,
            Math.Max(spec.BatchSize, EvaluationChunk), random);
        var adam = new Adam(network.Parameters(), LearningRate);
        var result = new RunResult { Spec = spec };

        // Incomplete last batches are dropped: training batch norm needs a full batch (and never a batch of 1).
        int batchesPerEpoch = train.Count / spec.BatchSize;
        int[] order = new int[train.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        float[] batchImages = new float[spec.BatchSize * train.Features];
        byte[] batchLabels = new byte[spec.BatchSize];
        _progress.StartRun(spec, batchesPerEpoch);
        for (int epoch = 0; epoch < spec.Epochs; epoch++)
        {
            random.Shuffle(order);
            double lossSum = 0;
            int correct = 0;
            for (int b = 0; b < batchesPerEpoch; b++)
            {
                for (int k = 0; k < spec.BatchSize; k++)
                {
                    int index = order[(b * spec.BatchSize) + k];
                    train.Images.AsSpan(index * train.Features, train.Features).CopyTo(batchImages.AsSpan(k * train.Features));
                    batchLabels[k] = train.Labels[index];
                }

                var (loss, batchCorrect) = network.TrainStep(batchImages, batchLabels);
                adam.Step();
                result.IterationLoss.Add(loss);
                lossSum += loss;
                correct += batchCorrect;
                _progress.Iteration(epoch, b + 1, lossSum / (b + 1), (double)correct / ((b + 1) * spec.BatchSize));
            }

            double validationAccuracy = network.Accuracy(validation);
            result.EpochLoss.Add(lossSum / batchesPerEpoch);
            result.EpochTrainAccuracy.Add((double)correct / (batchesPerEpoch * spec.BatchSize));
            result.EpochValidationAccuracy.Add(validationAccuracy);
            _progress.EndEpoch(epoch, result.EpochLoss[^1], validationAccuracy);
        }

        result.FinalValidationAccuracy = result.EpochValidationAccuracy[^1];
        result.BestValidationAccuracy = Max(result.EpochValidationAccuracy);

        // Both before recalibration, which replaces the running statistics the training-mode pass has moved.
        result.InferenceModeTrainAccuracy = network.Accuracy(train);
        result.TrainingModeTrainAccuracy = network.TrainingModeAccuracy(train, spec.BatchSize);
        if (spec.IsBatchNorm && norms is not null)
        {
            result.RecalibratedValidationAccuracy = Recalibrate(network, norms, train, validation);
        }

        result.Seconds = clock.Elapsed.TotalSeconds;
        _progress.EndRun(result);
        return result;
    }

    /// <summary>
    /// Replaces the exponential running statistics by exact statistics over the whole training set, then
    /// returns the validation accuracy. The exponential averages mostly weight the last ~10 batches, seen by
    /// weights that were still changing and normalized by small-batch statistics; exact collection measures
    /// every training image once, at the final weights. Layer by layer: while layer k collects, the layers
    /// before it run in inference mode with their fresh statistics, so each layer sees its inference-time input.
    /// </summary>
    private static double Recalibrate(Network network, INormalizationLayer<float>[] norms, Dataset train, Dataset validation)
    {
        for (int k = 0; k < norms.Length; k++)
        {
            var collector = (IBatchNormLayer<float>)norms[k];
            network.Training = false;
            norms[k].Training = true;
            collector.BeginCollect();
            for (int start = 0; start < train.Count; start += EvaluationChunk)
            {
                int batch = Math.Min(EvaluationChunk, train.Count - start);
                network.ForwardHidden(train.Images.AsSpan(start * train.Features, batch * train.Features), batch, k + 1);
            }

            collector.EndCollect();
        }

        network.Training = true;
        return network.Accuracy(validation);
    }

    private static INormalizationLayer<float>[] Five(Func<INormalizationLayer<float>> create) =>
        [create(), create(), create(), create(), create()];

    private static double Max(List<double> values)
    {
        double best = double.NegativeInfinity;
        foreach (double v in values)
        {
            best = Math.Max(best, v);
        }

        return best;
    }
}
