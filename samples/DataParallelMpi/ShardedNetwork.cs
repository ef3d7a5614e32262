using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using FashionMnistBatchNorm;
using NormGen;

namespace DataParallelMpi;

/// <summary>
/// The main sample's network, <c>{affine - batch norm - relu} x 5 - affine - softmax</c> with hidden layers of 100,
/// trained on one shard of each batch. With a worker group, every worker holds its own copy of the parameters (equal
/// at start: one seed) and a shard of the batch; after Backward:
/// <list type="bullet">
/// <item>the batch-norm layers (<see cref="IBatchNormLayer{T}.WorkerGroup"/>) have normalized with the whole batch's
/// statistics, so the running statistics, dx of the shard's rows, and GammaGrad and BetaGrad (the whole batch's sums)
/// are what one process computes on the whole batch: they need no further exchange;</item>
/// <item>the linear layers' gradients are only the shard's part, so they are all-reduced (summed over the workers, in
/// rank order, through <see cref="IWorkerGroup.AllGather"/>).</item>
/// </list>
/// The loss is the mean over the whole batch, so every worker's dLogits are divided by the whole batch size. Then
/// every worker has the same gradients and takes the same Adam step, and the copies stay equal.
/// </summary>
internal sealed class ShardedNetwork
{
    private readonly Linear[] _linear;
    private readonly IBatchNormLayer<float>[] _norms;
    private readonly IWorkerGroup? _group;
    private readonly int _capacity;
    private readonly float[][] _affine;
    private readonly float[][] _normalized;
    private readonly float[][] _hidden;
    private readonly float[] _logits;
    private readonly float[] _gradLogits;
    private readonly float[] _gradA;
    private readonly float[] _gradB;

    // The all-reduce of the linear gradients, the loss and the correct count: this worker's values and every worker's.
    private readonly double[] _reduceValues;
    private readonly double[] _reduceGathered;

    /// <summary>Creates the network with weights drawn from N(0, weightScale^2), as the main sample does.</summary>
    /// <param name="inputs">Features per image.</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="weightScale">Standard deviation of the initial weights.</param>
    /// <param name="capacity">Largest shard Forward will see.</param>
    /// <param name="seed">Seed of the initial weights: equal on every worker.</param>
    /// <param name="group">The workers to train with, or null to train alone on whole batches.</param>
    public ShardedNetwork(int inputs, int classes, double weightScale, int capacity, int seed, IWorkerGroup? group)
    {
        int[] hidden = [100, 100, 100, 100, 100];
        var random = new Random(seed);
        _group = group;
        _capacity = capacity;
        _norms = [new Hidden1Norm(), new Hidden2Norm(), new Hidden3Norm(), new Hidden4Norm(), new Hidden5Norm()];
        _linear = new Linear[hidden.Length + 1];
        _affine = new float[hidden.Length][];
        _normalized = new float[hidden.Length][];
        _hidden = new float[hidden.Length][];
        int previous = inputs;
        for (int i = 0; i < hidden.Length; i++)
        {
            _linear[i] = new Linear(previous, hidden[i], weightScale, random);
            _norms[i].WorkerGroup = group;
            _affine[i] = new float[capacity * hidden[i]];
            _normalized[i] = new float[capacity * hidden[i]];
            _hidden[i] = new float[capacity * hidden[i]];
            previous = hidden[i];
        }

        _linear[^1] = new Linear(previous, classes, weightScale, random);
        Classes = classes;
        _logits = new float[capacity * classes];
        _gradLogits = new float[capacity * classes];
        _gradA = new float[capacity * Math.Max(inputs, 100)];
        _gradB = new float[capacity * Math.Max(inputs, 100)];

        int gradients = 2; // the loss and the correct count
        foreach (Linear layer in _linear)
        {
            gradients += layer.WeightGrad.Length + layer.BiasGrad.Length;
        }

        _reduceValues = new double[gradients];
        _reduceGathered = new double[gradients * (group?.Size ?? 1)];
    }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>The batch-norm layers, one per hidden layer.</summary>
    public IReadOnlyList<IBatchNormLayer<float>> Norms => _norms;

    /// <summary>
    /// Every learnable array with its gradient, in a fixed order: weights and biases, then Gamma and Beta. The biases
    /// of the linear layers before a batch norm are left out (they stay 0, as PyTorch's <c>bias=False</c> before
    /// BatchNorm): batch norm subtracts the mean, so their gradient is exactly 0, and what float rounding leaves of it
    /// (about 1e-9, of either sign) Adam would turn into full steps of the learning rate in random directions, which
    /// makes two runs that differ only in rounding drift apart.
    /// </summary>
    public IReadOnlyList<Parameter> Parameters()
    {
        var parameters = new List<Parameter>();
        for (int i = 0; i < _linear.Length; i++)
        {
            parameters.Add(new Parameter(_linear[i].Weight, _linear[i].WeightGrad));
            if (i == _linear.Length - 1)
            {
                parameters.Add(new Parameter(_linear[i].Bias, _linear[i].BiasGrad));
            }
        }

        foreach (IBatchNormLayer<float> norm in _norms)
        {
            parameters.Add(new Parameter(norm.Gamma, norm.GammaGrad));
            parameters.Add(new Parameter(norm.Beta, norm.BetaGrad));
        }

        return parameters;
    }

    /// <summary>Copies another network's parameters and running statistics into this one (the same shape).</summary>
    public void CopyStateFrom(ShardedNetwork other)
    {
        foreach ((Parameter mine, Parameter theirs) in Parameters().Zip(other.Parameters()))
        {
            theirs.Value.CopyTo(mine.Value, 0);
        }

        for (int i = 0; i < _norms.Length; i++)
        {
            other._norms[i].RunningMean.CopyTo(_norms[i].RunningMean, 0);
            other._norms[i].RunningVariance.CopyTo(_norms[i].RunningVariance, 0);
            _norms[i].BatchesTracked = other._norms[i].BatchesTracked;
        }
    }

    /// <summary>
    /// Forward and backward of one shard (rows of the whole batch; may be empty with a group): fills every gradient with
    /// the gradient of the whole batch's mean loss. Returns the whole batch's mean loss and correct count.
    /// </summary>
    /// <param name="x">The shard's images, (rows, inputs).</param>
    /// <param name="labels">The shard's labels.</param>
    /// <param name="wholeBatch">Images in the whole batch, over every worker.</param>
    public (double Loss, int Correct) TrainStep(ReadOnlySpan<float> x, ReadOnlySpan<byte> labels, int wholeBatch)
    {
        int batch = labels.Length;
        ReadOnlySpan<float> input = x;
        for (int i = 0; i < _norms.Length; i++)
        {
            int width = _linear[i].Outputs * batch;
            _linear[i].Forward(input, _affine[i].AsSpan(0, width), batch);
            _norms[i].Forward(_affine[i].AsSpan(0, width), _normalized[i].AsSpan(0, width));
            Relu.Forward(_normalized[i].AsSpan(0, width), _hidden[i].AsSpan(0, width));
            input = _hidden[i].AsSpan(0, width);
        }

        Span<float> logits = _logits.AsSpan(0, batch * Classes);
        _linear[^1].Forward(input, logits, batch);
        Span<float> gradLogits = _gradLogits.AsSpan(0, batch * Classes);
        (double lossSum, int correct) = LossSum(logits, labels, Classes, wholeBatch, gradLogits);

        ReadOnlySpan<float> gradOut = gradLogits;
        float[] free = _gradA;
        for (int layer = _linear.Length - 1; layer >= 0; layer--)
        {
            Linear linear = _linear[layer];
            if (layer == 0)
            {
                linear.Backward(x, gradOut, [], batch);
                break;
            }

            int h = layer - 1;
            int length = batch * linear.Inputs;
            Span<float> gradHidden = free.AsSpan(0, length);
            linear.Backward(_hidden[h].AsSpan(0, length), gradOut, gradHidden, batch);
            Relu.Backward(_hidden[h].AsSpan(0, length), gradHidden, gradHidden);
            Span<float> gradAffine = (free == _gradA ? _gradB : _gradA).AsSpan(0, length);
            _norms[h].Backward(_affine[h].AsSpan(0, length), gradHidden, gradAffine);
            gradOut = gradAffine;
        }

        if (_group is null)
        {
            return (lossSum / wholeBatch, correct);
        }

        return AllReduce(lossSum, correct, wholeBatch);
    }

    /// <summary>Accuracy on a dataset in inference mode (running statistics; the group is not used).</summary>
    public double Accuracy(Dataset data)
    {
        foreach (IBatchNormLayer<float> norm in _norms)
        {
            norm.Training = false;
        }

        int correct = 0;
        for (int start = 0; start < data.Count; start += _capacity)
        {
            int batch = Math.Min(_capacity, data.Count - start);
            ReadOnlySpan<float> input = data.Images.AsSpan(start * data.Features, batch * data.Features);
            for (int i = 0; i < _norms.Length; i++)
            {
                int width = _linear[i].Outputs * batch;
                _linear[i].Forward(input, _affine[i].AsSpan(0, width), batch);
                _norms[i].Forward(_affine[i].AsSpan(0, width), _normalized[i].AsSpan(0, width));
                Relu.Forward(_normalized[i].AsSpan(0, width), _hidden[i].AsSpan(0, width));
                input = _hidden[i].AsSpan(0, width);
            }

            Span<float> logits = _logits.AsSpan(0, batch * Classes);
            _linear[^1].Forward(input, logits, batch);
            correct += SoftmaxCrossEntropy.CountCorrect(logits, data.Labels.AsSpan(start, batch), Classes);
        }

        foreach (IBatchNormLayer<float> norm in _norms)
        {
            norm.Training = true;
        }

        return (double)correct / data.Count;
    }

    /// <summary>
    /// Sums the linear layers' gradients, the loss and the correct count over the workers, in rank order (so every
    /// worker gets the same bits), and writes the sums back. Batch norm's gradients are already the whole batch's.
    /// </summary>
    private (double Loss, int Correct) AllReduce(double lossSum, int correct, int wholeBatch)
    {
        int n = 0;
        foreach (Linear layer in _linear)
        {
            n = Pack(layer.WeightGrad, n);
            n = Pack(layer.BiasGrad, n);
        }

        _reduceValues[n] = lossSum;
        _reduceValues[n + 1] = correct;
        _group!.AllGather(_reduceValues, _reduceGathered);
        int length = _reduceValues.Length;
        Array.Clear(_reduceValues);
        for (int r = 0; r < _group.Size; r++)
        {
            TensorPrimitives.Add(_reduceValues, _reduceGathered.AsSpan(r * length, length), _reduceValues);
        }

        n = 0;
        foreach (Linear layer in _linear)
        {
            n = Unpack(layer.WeightGrad, n);
            n = Unpack(layer.BiasGrad, n);
        }

        return (_reduceValues[n] / wholeBatch, (int)_reduceValues[n + 1]);
    }

    private int Pack(float[] values, int offset)
    {
        for (int i = 0; i < values.Length; i++)
        {
            _reduceValues[offset + i] = values[i];
        }

        return offset + values.Length;
    }

    private int Unpack(float[] values, int offset)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)_reduceValues[offset + i];
        }

        return offset + values.Length;
    }

    /// <summary>
    /// Softmax cross-entropy summed over the rows, and dLogits = (softmax - onehot) / wholeBatch: the gradient of the
    /// whole batch's mean loss with respect to these rows' logits. The same arithmetic as the main sample's
    /// <see cref="SoftmaxCrossEntropy.Compute"/>, which divides by its own batch.
    /// </summary>
    private static (double LossSum, int Correct) LossSum(ReadOnlySpan<float> logits, ReadOnlySpan<byte> labels, int classes, int wholeBatch, Span<float> dLogits)
    {
        double loss = 0;
        int correct = 0;
        float invBatch = 1f / wholeBatch;
        for (int n = 0; n < labels.Length; n++)
        {
            ReadOnlySpan<float> row = logits.Slice(n * classes, classes);
            Span<float> d = dLogits.Slice(n * classes, classes);
            int label = labels[n];
            float max = TensorPrimitives.Max(row);
            if (TensorPrimitives.IndexOfMax(row) == label)
            {
                correct++;
            }

            TensorPrimitives.Subtract(row, max, d);
            TensorPrimitives.Exp(d, d);
            float sum = TensorPrimitives.Sum(d);
            loss += Math.Log(sum) - (row[label] - max);
            TensorPrimitives.Multiply(d, invBatch / sum, d);
            d[label] -= invBatch;
        }

        return (loss, correct);
    }
}
