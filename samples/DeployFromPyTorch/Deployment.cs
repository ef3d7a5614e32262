using System;
using System.Collections.Generic;
using System.IO;
using FashionMnistBatchNorm;
using NormGen;

namespace DeployFromPyTorch;

/// <summary>How NormGen's logits compare with PyTorch's on the validation images.</summary>
/// <param name="Format">Which file the weights came from.</param>
/// <param name="Images">Validation images.</param>
/// <param name="MaxDifference">Largest |NormGen logit - PyTorch logit|.</param>
/// <param name="NormGenAccuracy">Accuracy of NormGen's logits.</param>
/// <param name="PyTorchAccuracy">Accuracy of PyTorch's logits.</param>
/// <param name="SamePredictions">Images whose predicted class is the same in both.</param>
public sealed record Comparison(ModelFormat Format, int Images, double MaxDifference, double NormGenAccuracy, double PyTorchAccuracy, int SamePredictions)
{
    /// <summary>Largest logit difference accepted as reproducing PyTorch.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Within <see cref="Tolerance"/>, same accuracy and every prediction the same.</summary>
    public bool Agrees => MaxDifference <= Tolerance && NormGenAccuracy == PyTorchAccuracy && SamePredictions == Images;
}

/// <summary>What a fine-tuning run did and wrote.</summary>
/// <param name="Epochs">Passes over the training images.</param>
/// <param name="BatchesBefore">BatchesTracked of the first norm after loading (PyTorch's num_batches_tracked).</param>
/// <param name="BatchesAfter">BatchesTracked after fine-tuning.</param>
/// <param name="AccuracyBefore">Validation accuracy with PyTorch's weights.</param>
/// <param name="AccuracyAfter">Validation accuracy after fine-tuning.</param>
/// <param name="StateFile">The fine-tuned state_dict as safetensors.</param>
/// <param name="LogitsFile">NormGen's validation logits after fine-tuning, as safetensors ("logits", (1000, 10)).</param>
public sealed record FineTuning(int Epochs, long BatchesBefore, long BatchesAfter, double AccuracyBefore, double AccuracyAfter, string StateFile, string LogitsFile);

/// <summary>The sample's steps, callable from tests: load and compare, fine-tune and save.</summary>
public static class Deployment
{
    /// <summary>Evaluation batch: the whole validation set in two passes.</summary>
    private const int Capacity = 500;

    /// <summary>Fine-tuning: Adam at a tenth of the training rate, PyTorch's batch size.</summary>
    private const double FineTuneLearningRate = 1e-4;

    private const int BatchSize = 50;

    /// <summary>
    /// Loads PyTorch's trained state_dict (strict: every key bound, none extra) into a fresh net and compares its
    /// validation logits with the ones PyTorch computed.
    /// </summary>
    /// <param name="format">safetensors or .pt.</param>
    /// <param name="modelDirectory">A directory holding train_pytorch.py's files, or null for the embedded ones.</param>
    public static Comparison CompareWithPyTorch(ModelFormat format, string? modelDirectory = null)
    {
        Dataset validation = FashionMnist.Load(null).Validation;
        var net = new DeployedNet(Capacity);
        net.State().Load(ModelFiles.ReadModel(format, modelDirectory));
        return Compare(format, net.Logits(validation), modelDirectory);
    }

    /// <summary>
    /// Loads PyTorch's weights (safetensors), trains <paramref name="epochs"/> more epochs in NormGen (running statistics
    /// and BatchesTracked continue from PyTorch's), and writes finetuned.safetensors (the state_dict, PyTorch's names)
    /// and finetuned-logits.safetensors into <paramref name="outputDirectory"/>.
    /// </summary>
    public static FineTuning FineTune(string outputDirectory, int epochs, int seed, string? modelDirectory = null, Action<string>? log = null)
    {
        FashionMnist data = FashionMnist.Load(null);
        var net = new DeployedNet(Capacity);
        StateMap state = net.State();
        state.Load(ModelFiles.ReadModel(ModelFormat.Safetensors, modelDirectory));
        long before = net.Norms[0].BatchesTracked;
        double accuracyBefore = Accuracy(net.Logits(data.Validation), data.Validation.Labels);

        var adam = new Adam(net.Parameters(), FineTuneLearningRate);
        var random = new Random(seed);
        int[] order = new int[data.Train.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var images = new float[BatchSize * DeployedNet.Inputs];
        var labels = new byte[BatchSize];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            random.Shuffle(order);
            double loss = 0;
            int batches = data.Train.Count / BatchSize;
            for (int b = 0; b < batches; b++)
            {
                for (int k = 0; k < BatchSize; k++)
                {
                    int index = order[(b * BatchSize) + k];
                    data.Train.Images.AsSpan(index * DeployedNet.Inputs, DeployedNet.Inputs).CopyTo(images.AsSpan(k * DeployedNet.Inputs));
                    labels[k] = data.Train.Labels[index];
                }

                loss += net.TrainStep(images, labels).Loss;
                adam.Step();
            }

            log?.Invoke(FormattableString.Invariant($"  fine-tuning epoch {epoch + 1}: train loss {loss / batches:F4}"));
        }

        float[] logits = net.Logits(data.Validation);
        Directory.CreateDirectory(outputDirectory);
        string stateFile = Path.Combine(outputDirectory, "finetuned.safetensors");
        string logitsFile = Path.Combine(outputDirectory, "finetuned-logits.safetensors");
        TensorSet saved = state.Capture();
        Safetensors.WriteFile(stateFile, new TensorSet(saved.Values, new Dictionary<string, string> { ["format"] = "pt", ["producer"] = "NormGen DeployFromPyTorch" }));
        Safetensors.WriteFile(logitsFile, new TensorSet([NamedTensor.FromSingles("logits", logits, [data.Validation.Count, DeployedNet.Classes])]));
        return new FineTuning(epochs, before, net.Norms[0].BatchesTracked, accuracyBefore, Accuracy(logits, data.Validation.Labels), stateFile, logitsFile);
    }

    private static Comparison Compare(ModelFormat format, float[] ours, string? modelDirectory)
    {
        (float[] theirs, long[] labels) = ModelFiles.ReadReference(modelDirectory);
        if (theirs.Length != ours.Length)
        {
            throw new InvalidDataException($"reference.safetensors holds {theirs.Length} logits; the net produced {ours.Length}.");
        }

        double worst = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(ours[i] - theirs[i]));
        }

        int same = 0, correctOurs = 0, correctTheirs = 0;
        for (int n = 0; n < labels.Length; n++)
        {
            int a = ArgMax(ours.AsSpan(n * DeployedNet.Classes, DeployedNet.Classes));
            int b = ArgMax(theirs.AsSpan(n * DeployedNet.Classes, DeployedNet.Classes));
            same += a == b ? 1 : 0;
            correctOurs += a == labels[n] ? 1 : 0;
            correctTheirs += b == labels[n] ? 1 : 0;
        }

        return new Comparison(format, labels.Length, worst, (double)correctOurs / labels.Length, (double)correctTheirs / labels.Length, same);
    }

    private static double Accuracy(float[] logits, byte[] labels)
    {
        int correct = 0;
        for (int n = 0; n < labels.Length; n++)
        {
            correct += ArgMax(logits.AsSpan(n * DeployedNet.Classes, DeployedNet.Classes)) == labels[n] ? 1 : 0;
        }

        return (double)correct / labels.Length;
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++)
        {
            best = row[i] > row[best] ? i : best;
        }

        return best;
    }
}
