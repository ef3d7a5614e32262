using System;
using System.Numerics.Tensors;

namespace FashionMnistBatchNorm;

/// <summary>
/// A fully connected layer <c>y = x W^T + b</c> on row-major batches: x (batch, Inputs), y (batch, Outputs).
/// W is stored (Outputs, Inputs) as in PyTorch, so every inner loop runs over a contiguous row and
/// maps to one TensorPrimitives call (Dot or MultiplyAdd), which is SIMD-vectorized.
/// </summary>
internal sealed class Linear
{
    /// <summary>Creates a layer with weights drawn from N(0, weightScale^2) and zero bias (cs231n's weight_scale).</summary>
    public Linear(int inputs, int outputs, double weightScale, Random random)
    {
        Inputs = inputs;
        Outputs = outputs;
        Weight = new float[outputs * inputs];
        WeightGrad = new float[outputs * inputs];
        Bias = new float[outputs];
        BiasGrad = new float[outputs];
        for (int i = 0; i < Weight.Length; i++)
        {
            Weight[i] = (float)(weightScale * Gaussian.Next(random));
        }
    }

    /// <summary>Input features.</summary>
    public int Inputs { get; }

    /// <summary>Output features.</summary>
    public int Outputs { get; }

    /// <summary>Weights, row-major (Outputs, Inputs).</summary>
    public float[] Weight { get; }

    /// <summary>Bias, one per output.</summary>
    public float[] Bias { get; }

    /// <summary>Gradient of the loss with respect to <see cref="Weight"/>, written by <see cref="Backward"/>.</summary>
    public float[] WeightGrad { get; }

    /// <summary>Gradient of the loss with respect to <see cref="Bias"/>, written by <see cref="Backward"/>.</summary>
    public float[] BiasGrad { get; }

    /// <summary>y[n, o] = dot(x[n, :], W[o, :]) + b[o].</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch)
    {
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> xRow = x.Slice(n * Inputs, Inputs);
            Span<float> yRow = y.Slice(n * Outputs, Outputs);
            for (int o = 0; o < Outputs; o++)
            {
                yRow[o] = TensorPrimitives.Dot(xRow, Weight.AsSpan(o * Inputs, Inputs)) + Bias[o];
            }
        }
    }

    /// <summary>
    /// Writes dW = dy^T x, db = column sums of dy and, unless <paramref name="dx"/> is empty (first layer), dx = dy W.
    /// </summary>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int batch)
    {
        Array.Clear(WeightGrad);
        Array.Clear(BiasGrad);
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> xRow = x.Slice(n * Inputs, Inputs);
            ReadOnlySpan<float> dyRow = dy.Slice(n * Outputs, Outputs);
            TensorPrimitives.Add(BiasGrad, dyRow, BiasGrad);
            for (int o = 0; o < Outputs; o++)
            {
                float g = dyRow[o];
                if (g != 0f)
                {
                    // Row o of dW accumulates g * x[n, :]; ReLU makes many g exactly zero.
                    Span<float> gradRow = WeightGrad.AsSpan(o * Inputs, Inputs);
                    TensorPrimitives.MultiplyAdd(xRow, g, gradRow, gradRow);
                }
            }
        }

        if (dx.IsEmpty)
        {
            return;
        }

        dx.Slice(0, batch * Inputs).Clear();
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> dyRow = dy.Slice(n * Outputs, Outputs);
            Span<float> dxRow = dx.Slice(n * Inputs, Inputs);
            for (int o = 0; o < Outputs; o++)
            {
                float g = dyRow[o];
                if (g != 0f)
                {
                    TensorPrimitives.MultiplyAdd(Weight.AsSpan(o * Inputs, Inputs), g, dxRow, dxRow);
                }
            }
        }
    }
}

/// <summary>Standard normal samples from a seeded <see cref="Random"/> (Box-Muller), so runs repeat exactly for a seed.</summary>
internal static class Gaussian
{
    /// <summary>One N(0, 1) sample.</summary>
    public static double Next(Random random)
    {
        double u1 = 1.0 - random.NextDouble(); // in (0, 1], so the logarithm is finite
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
