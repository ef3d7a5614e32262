using System;
using System.Collections.Generic;

namespace FashionMnistBatchNorm;

/// <summary>A learnable array and the array its gradient is written to.</summary>
/// <param name="Value">The parameter values, updated in place.</param>
/// <param name="Gradient">The gradient of the loss, same length.</param>
internal readonly record struct Parameter(float[] Value, float[] Gradient);

/// <summary>
/// Adam (Kingma and Ba), written as cs231n's <c>adam</c>: m and v are exponential averages of the gradient and
/// its square, bias-corrected by 1 - beta^t, and <c>p -= lr * m_hat / (sqrt(v_hat) + eps)</c>.
/// The update is one fused SIMD pass per parameter (<see cref="Kernels.AdamUpdate"/>): with batches of 5 it runs
/// 1,000 times an epoch over 120,000 weights, so separate passes per term would cost more than the layers.
/// </summary>
internal sealed class Adam
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _m;
    private readonly float[][] _v;
    private int _step;

    /// <summary>Creates the optimizer state (zeros) for the given parameters.</summary>
    public Adam(IReadOnlyList<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        _parameters = [.. parameters];
        _m = new float[_parameters.Length][];
        _v = new float[_parameters.Length][];
        for (int i = 0; i < _parameters.Length; i++)
        {
            _m[i] = new float[_parameters[i].Value.Length];
            _v[i] = new float[_parameters[i].Value.Length];
        }

        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>Step size (cs231n: learning_rate).</summary>
    public double LearningRate { get; }

    /// <summary>Decay of the gradient average.</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the squared-gradient average.</summary>
    public double Beta2 { get; }

    /// <summary>Added to sqrt(v_hat) so that a zero gradient gives a zero step.</summary>
    public double Epsilon { get; }

    /// <summary>Updates every parameter from its current gradient.</summary>
    public void Step()
    {
        _step++;
        float beta1 = (float)Beta1;
        float beta2 = (float)Beta2;
        float stepSize = (float)(LearningRate / (1 - Math.Pow(Beta1, _step)));
        float invSqrtCorrection2 = (float)(1 / Math.Sqrt(1 - Math.Pow(Beta2, _step)));
        float epsilon = (float)Epsilon;
        for (int i = 0; i < _parameters.Length; i++)
        {
            Kernels.AdamUpdate(
                _parameters[i].Value, _parameters[i].Gradient, _m[i], _v[i],
                beta1, beta2, stepSize, invSqrtCorrection2, epsilon);
        }
    }
}
