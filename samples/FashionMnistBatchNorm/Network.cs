using System;
using System.Collections.Generic;
using NormGen;

namespace FashionMnistBatchNorm;

/// <summary>
/// The cs231n FullyConnectedNet: <c>{affine - [norm] - relu} x hidden layers - affine - softmax</c>.
/// The optional norms are NormGen-generated layers, one per hidden layer; everything else is in this sample.
/// Activations are kept per layer for the backward pass, in buffers sized for the largest batch.
/// </summary>
internal sealed class Network
{
    private readonly Linear[] _linear;
    private readonly INormalizationLayer<float>[]? _norms;
    private readonly int _capacity;

    // Per hidden layer i: _affine[i] = linear output, _normalized[i] = norm output (when normed),
    // _hidden[i] = ReLU output. Backward reuses _gradA and _gradB as ping-pong buffers.
    private readonly float[][] _affine;
    private readonly float[][] _normalized;
    private readonly float[][] _hidden;
    private readonly float[] _logits;
    private readonly float[] _gradLogits;
    private readonly float[] _gradA;
    private readonly float[] _gradB;

    /// <summary>Creates the network with weights drawn from N(0, weightScale^2).</summary>
    /// <param name="inputs">Features per input sample.</param>
    /// <param name="hidden">Width of each hidden layer; one entry per hidden layer.</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="norms">One normalization layer per hidden layer (SampleLength = its width), or null for none.</param>
    /// <param name="weightScale">Standard deviation of the initial weights.</param>
    /// <param name="capacity">Largest batch Forward will see.</param>
    /// <param name="random">Source of the initial weights.</param>
    public Network(int inputs, int[] hidden, int classes, INormalizationLayer<float>[]? norms, double weightScale, int capacity, Random random)
    {
        if (norms is not null && norms.Length != hidden.Length)
        {
            throw new ArgumentException($"Network: {norms.Length} norm layers for {hidden.Length} hidden layers.", nameof(norms));
        }

        _norms = norms;
        _capacity = capacity;
        _linear = new Linear[hidden.Length + 1];
        _affine = new float[hidden.Length][];
        _normalized = new float[hidden.Length][];
        _hidden = new float[hidden.Length][];
        int previous = inputs;
        int widest = inputs;
        for (int i = 0; i < hidden.Length; i++)
        {
            if (norms is not null && norms[i].SampleLength != hidden[i])
            {
                throw new ArgumentException($"Network: {norms[i].Name} normalizes {norms[i].SampleLength} features, hidden layer {i + 1} has {hidden[i]}.", nameof(norms));
            }

            _linear[i] = new Linear(previous, hidden[i], weightScale, random);
            _affine[i] = new float[capacity * hidden[i]];
            _normalized[i] = norms is null ? [] : new float[capacity * hidden[i]];
            _hidden[i] = new float[capacity * hidden[i]];
            previous = hidden[i];
            widest = Math.Max(widest, hidden[i]);
        }

        _linear[^1] = new Linear(previous, classes, weightScale, random);
        Classes = classes;
        _logits = new float[capacity * classes];
        _gradLogits = new float[capacity * classes];
        _gradA = new float[capacity * widest];
        _gradB = new float[capacity * widest];
    }

    /// <summary>Number of classes (outputs).</summary>
    public int Classes { get; }

    /// <summary>The normalization layers, or null for the plain net.</summary>
    public IReadOnlyList<INormalizationLayer<float>>? Norms => _norms;

    /// <summary>Every learnable array with its gradient: weights, biases, and the norms' Gamma and Beta.</summary>
    public IReadOnlyList<Parameter> Parameters()
    {
        var parameters = new List<Parameter>();
        foreach (Linear layer in _linear)
        {
            parameters.Add(new Parameter(layer.Weight, layer.WeightGrad));
            parameters.Add(new Parameter(layer.Bias, layer.BiasGrad));
        }

        if (_norms is not null)
        {
            foreach (INormalizationLayer<float> norm in _norms)
            {
                if (norm.Gamma.Length > 0)
                {
                    parameters.Add(new Parameter(norm.Gamma, norm.GammaGrad));
                }

                if (norm.Beta.Length > 0)
                {
                    parameters.Add(new Parameter(norm.Beta, norm.BetaGrad));
                }
            }
        }

        return parameters;
    }

    /// <summary>Training mode of every norm layer: batch statistics (true) or running statistics (false).</summary>
    public bool Training
    {
        set
        {
            if (_norms is not null)
            {
                foreach (INormalizationLayer<float> norm in _norms)
                {
                    norm.Training = value;
                }
            }
        }
    }

    /// <summary>Runs the batch x (batch, inputs) forward and returns the logits (batch, Classes).</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> x, int batch)
    {
        ReadOnlySpan<float> input = ForwardHidden(x, batch, _hidden.Length);
        Span<float> logits = _logits.AsSpan(0, batch * Classes);
        _linear[^1].Forward(input, logits, batch);
        return logits;
    }

    /// <summary>Runs only the first <paramref name="layers"/> hidden layers and returns the last one's ReLU output.</summary>
    public ReadOnlySpan<float> ForwardHidden(ReadOnlySpan<float> x, int batch, int layers)
    {
        if (batch > _capacity)
        {
            throw new ArgumentException($"Network: batch {batch} exceeds the capacity {_capacity}.", nameof(batch));
        }

        ReadOnlySpan<float> input = x;
        for (int i = 0; i < layers; i++)
        {
            int width = _linear[i].Outputs * batch;
            Span<float> affine = _affine[i].AsSpan(0, width);
            _linear[i].Forward(input, affine, batch);
            ReadOnlySpan<float> preActivation = affine;
            if (_norms is not null)
            {
                Span<float> normalized = _normalized[i].AsSpan(0, width);
                _norms[i].Forward(affine, normalized);
                preActivation = normalized;
            }

            Span<float> hidden = _hidden[i].AsSpan(0, width);
            Relu.Forward(preActivation, hidden);
            input = hidden;
        }

        return input;
    }

    /// <summary>
    /// Forward in training mode, softmax cross-entropy against <paramref name="labels"/>, then backward:
    /// fills every parameter gradient. Returns the mean loss and the number of correct predictions.
    /// </summary>
    public (double Loss, int Correct) TrainStep(ReadOnlySpan<float> x, ReadOnlySpan<byte> labels)
    {
        int batch = labels.Length;
        ReadOnlySpan<float> logits = Forward(x, batch);
        Span<float> gradLogits = _gradLogits.AsSpan(0, batch * Classes);
        var (loss, correct) = SoftmaxCrossEntropy.Compute(logits, labels, Classes, gradLogits);

        // gradOut flows into the current layer's output; "free" is the scratch buffer not holding it.
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
            if (_norms is null)
            {
                gradOut = gradHidden;
                free = free == _gradA ? _gradB : _gradA;
            }
            else
            {
                // The other buffer held the gradOut consumed above, so it can take the norm's dx.
                Span<float> gradAffine = (free == _gradA ? _gradB : _gradA).AsSpan(0, length);
                _norms[h].Backward(_affine[h].AsSpan(0, length), gradHidden, gradAffine);
                gradOut = gradAffine;
            }
        }

        return (loss, correct);
    }

    /// <summary>Accuracy on a dataset in inference mode (norms use running statistics), in chunks of the capacity.</summary>
    public double Accuracy(Dataset data)
    {
        Training = false;
        int correct = 0;
        for (int start = 0; start < data.Count; start += _capacity)
        {
            int batch = Math.Min(_capacity, data.Count - start);
            ReadOnlySpan<float> logits = Forward(data.Images.AsSpan(start * data.Features, batch * data.Features), batch);
            correct += SoftmaxCrossEntropy.CountCorrect(logits, data.Labels.AsSpan(start, batch), Classes);
        }

        Training = true;
        return (double)correct / data.Count;
    }

    /// <summary>
    /// Accuracy on a dataset in training mode: consecutive batches of <paramref name="batch"/> samples (an incomplete
    /// last batch is left out, as in training), each normalized with its own statistics. No weights change, but batch
    /// norms update their running statistics as in any training Forward.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="batch"/> is below 2, above the capacity, or above the dataset.</exception>
    public double TrainingModeAccuracy(Dataset data, int batch)
    {
        if (batch < 2 || batch > _capacity || batch > data.Count)
        {
            throw new ArgumentException($"Network: training-mode batch {batch} must be in [2, min(capacity {_capacity}, dataset {data.Count})].", nameof(batch));
        }

        Training = true;
        int correct = 0;
        int batches = data.Count / batch;
        for (int b = 0; b < batches; b++)
        {
            int start = b * batch;
            ReadOnlySpan<float> logits = Forward(data.Images.AsSpan(start * data.Features, batch * data.Features), batch);
            correct += SoftmaxCrossEntropy.CountCorrect(logits, data.Labels.AsSpan(start, batch), Classes);
        }

        return (double)correct / (batches * batch);
    }
}
