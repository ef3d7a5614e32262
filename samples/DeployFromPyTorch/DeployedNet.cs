using System;
using System.Collections.Generic;
using FashionMnistBatchNorm;
using NormGen;

namespace DeployFromPyTorch;

/// <summary>
/// The PyTorch net <c>nn.Sequential(Linear(784, 100), BatchNorm1d(100), ReLU, ... x5, Linear(100, 10))</c> in C#:
/// the main sample's <see cref="Linear"/> layers and five generated batch-norm layers. <see cref="State"/> binds them
/// to the state_dict's keys, so the same map loads PyTorch's weights and saves NormGen's.
/// </summary>
internal sealed class DeployedNet
{
    /// <summary>Pixels per image.</summary>
    public const int Inputs = 784;

    /// <summary>Output classes.</summary>
    public const int Classes = 10;

    private const int Width = 100;

    private readonly Linear[] _linear = new Linear[6];
    private readonly IBatchNormLayer<float>[] _norms = [new Norm1(), new Norm2(), new Norm3(), new Norm4(), new Norm5()];
    private readonly int _capacity;

    // Per hidden layer: affine output, norm output, ReLU output (kept for Backward).
    private readonly float[][] _affine = new float[5][];
    private readonly float[][] _normalized = new float[5][];
    private readonly float[][] _hidden = new float[5][];
    private readonly float[] _logits;
    private readonly float[] _gradLogits;
    private readonly float[] _gradA;
    private readonly float[] _gradB;

    /// <summary>Creates the net for batches of up to <paramref name="capacity"/> images (weights are loaded afterwards).</summary>
    public DeployedNet(int capacity)
    {
        _capacity = capacity;
        var random = new Random(0);
        for (int i = 0; i < 6; i++)
        {
            _linear[i] = new Linear(i == 0 ? Inputs : Width, i == 5 ? Classes : Width, 0.0, random);
        }

        for (int i = 0; i < 5; i++)
        {
            _affine[i] = new float[capacity * Width];
            _normalized[i] = new float[capacity * Width];
            _hidden[i] = new float[capacity * Width];
        }

        _logits = new float[capacity * Classes];
        _gradLogits = new float[capacity * Classes];
        _gradA = new float[capacity * Inputs];
        _gradB = new float[capacity * Inputs];
    }

    /// <summary>The batch-norm layers (net.1, net.4, net.7, net.10, net.13).</summary>
    public IReadOnlyList<IBatchNormLayer<float>> Norms => _norms;

    /// <summary>
    /// Every tensor of the state_dict, bound to this net: <c>net.{3i}.weight</c> (out, in) and <c>.bias</c> for the
    /// affine layers, <c>net.{3i+1}.*</c> for the batch norms, <c>net.15.*</c> for the output layer.
    /// </summary>
    public StateMap State()
    {
        var map = new StateMap();
        for (int i = 0; i < 6; i++)
        {
            Linear linear = _linear[i];
            map.Add($"net.{3 * i}.weight", linear.Weight, linear.Outputs, linear.Inputs);
            map.Add($"net.{3 * i}.bias", linear.Bias, linear.Outputs);
            if (i < 5)
            {
                map.Add($"net.{(3 * i) + 1}", _norms[i]);
            }
        }

        return map;
    }

    /// <summary>Learnable arrays with their gradients, for the optimizer.</summary>
    public IReadOnlyList<Parameter> Parameters()
    {
        var parameters = new List<Parameter>();
        foreach (Linear linear in _linear)
        {
            parameters.Add(new Parameter(linear.Weight, linear.WeightGrad));
            parameters.Add(new Parameter(linear.Bias, linear.BiasGrad));
        }

        foreach (IBatchNormLayer<float> norm in _norms)
        {
            parameters.Add(new Parameter(norm.Gamma, norm.GammaGrad));
            parameters.Add(new Parameter(norm.Beta, norm.BetaGrad));
        }

        return parameters;
    }

    /// <summary>Training (batch statistics, running statistics updated) or inference (running statistics), as model.train()/eval().</summary>
    public bool Training
    {
        set
        {
            foreach (IBatchNormLayer<float> norm in _norms)
            {
                norm.Training = value;
            }
        }
    }

    /// <summary>Logits (batch, 10) of the images x (batch, 784).</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> x, int batch)
    {
        if (batch > _capacity)
        {
            throw new ArgumentException($"DeployedNet: batch {batch} exceeds the capacity {_capacity}.", nameof(batch));
        }

        ReadOnlySpan<float> input = x;
        for (int i = 0; i < 5; i++)
        {
            Span<float> affine = _affine[i].AsSpan(0, batch * Width);
            Span<float> normalized = _normalized[i].AsSpan(0, batch * Width);
            Span<float> hidden = _hidden[i].AsSpan(0, batch * Width);
            _linear[i].Forward(input, affine, batch);
            _norms[i].Forward(affine, normalized);
            Relu.Forward(normalized, hidden);
            input = hidden;
        }

        Span<float> logits = _logits.AsSpan(0, batch * Classes);
        _linear[5].Forward(input, logits, batch);
        return logits;
    }

    /// <summary>Inference logits of every image of <paramref name="data"/>, (count, 10).</summary>
    public float[] Logits(Dataset data)
    {
        Training = false;
        var all = new float[data.Count * Classes];
        for (int start = 0; start < data.Count; start += _capacity)
        {
            int batch = Math.Min(_capacity, data.Count - start);
            Forward(data.Images.AsSpan(start * Inputs, batch * Inputs), batch).CopyTo(all.AsSpan(start * Classes));
        }

        return all;
    }

    /// <summary>Training forward, softmax cross-entropy, backward into every gradient; returns the mean loss and the correct count.</summary>
    public (double Loss, int Correct) TrainStep(ReadOnlySpan<float> x, ReadOnlySpan<byte> labels)
    {
        int batch = labels.Length;
        Training = true;
        ReadOnlySpan<float> logits = Forward(x, batch);
        Span<float> gradLogits = _gradLogits.AsSpan(0, batch * Classes);
        var (loss, correct) = SoftmaxCrossEntropy.Compute(logits, labels, Classes, gradLogits);

        ReadOnlySpan<float> gradOut = gradLogits;
        for (int i = 5; i >= 1; i--)
        {
            int length = batch * Width;
            Span<float> gradHidden = _gradA.AsSpan(0, length);
            _linear[i].Backward(_hidden[i - 1].AsSpan(0, length), gradOut, gradHidden, batch);
            Relu.Backward(_hidden[i - 1].AsSpan(0, length), gradHidden, gradHidden);
            Span<float> gradAffine = _gradB.AsSpan(0, length);
            _norms[i - 1].Backward(_affine[i - 1].AsSpan(0, length), gradHidden, gradAffine);
            gradOut = gradAffine;
        }

        _linear[0].Backward(x, gradOut, [], batch);
        return (loss, correct);
    }
}
