using System;

namespace NormGen.Generated;

/// <summary>Folding the inference form of the layer into the preceding linear or convolution layer.</summary>
public abstract partial class BatchNormCore<T>
{
    /// <summary>
    /// Folds this layer, in its inference form, into the preceding layer y = x W^T + b (or a convolution with
    /// Features output channels), so that the folded layer alone gives the same outputs (PyTorch fuse_linear_bn_eval,
    /// fuse_conv_bn_eval): W[f, :] *= s_f and b[f] = (b[f] - RunningMean_f) * s_f + Beta_f, where
    /// s_f = Gamma_f / sqrt(RunningVariance_f + Epsilon).
    /// </summary>
    /// <param name="weight">Row-major (Features, inputs) weights (for a convolution, inputs = in_channels * kernel size); scaled in place.</param>
    /// <param name="bias">Features biases; rewritten in place.</param>
    /// <exception cref="ArgumentException">weight is not (Features, inputs) or bias does not hold Features values; nothing changes.</exception>
    /// <exception cref="InvalidOperationException">A fused ReLU, or RunningStats = None: there is no linear inference form; nothing changes.</exception>
    public void FoldInto(Span<T> weight, Span<T> bias)
    {
        if (Activation == Activation.Relu)
        {
            throw new InvalidOperationException(
                $"{Name}: cannot fold a layer with a fused ReLU into a linear layer; apply max(0, .) after the folded layer instead, or declare the layer without Activation.");
        }

        if (!KeepsRunningStatistics)
        {
            throw new InvalidOperationException(
                $"{Name}: cannot fold a layer without running statistics (RunningStats = None): it normalizes with batch statistics even at inference.");
        }

        if (weight.Length == 0 || weight.Length % FeatureCount != 0)
        {
            throw new ArgumentException(
                $"{Name}: weight must have shape ({FeatureCount}, inputs), a positive multiple of {FeatureCount} elements; got weight.Length = {weight.Length}.",
                nameof(weight));
        }

        if (bias.Length != FeatureCount)
        {
            throw new ArgumentException($"{Name}: bias must have shape ({FeatureCount}); got bias.Length = {bias.Length}.", nameof(bias));
        }

        int inputs = weight.Length / FeatureCount;
        for (int f = 0; f < FeatureCount; f++)
        {
            T scale = (Gamma.Length == 0 ? T.One : Gamma[f]) / T.Sqrt(RunningVariance[f] + _epsilon);
            Span<T> row = weight.Slice(f * inputs, inputs);
            for (int i = 0; i < row.Length; i++)
            {
                row[i] *= scale;
            }

            bias[f] = (bias[f] - RunningMean[f]) * scale + (Beta.Length == 0 ? T.Zero : Beta[f]);
        }
    }
}
