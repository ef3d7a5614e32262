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
        int n = 0;
        for (; n + 4 <= batch; n += 4)
        {
            // Four samples share each pass over a weight row: a quarter of the memory traffic of four Dot calls.
            ReadOnlySpan<float> x0 = x.Slice(n * Inputs, Inputs);
            ReadOnlySpan<float> x1 = x.Slice((n + 1) * Inputs, Inputs);
            ReadOnlySpan<float> x2 = x.Slice((n + 2) * Inputs, Inputs);
            ReadOnlySpan<float> x3 = x.Slice((n + 3) * Inputs, Inputs);
            for (int o = 0; o < Outputs; o++)
            {
                var (d0, d1, d2, d3) = Kernels.Dot4(Weight.AsSpan(o * Inputs, Inputs), x0, x1, x2, x3);
                y[(n * Outputs) + o] = d0 + Bias[o];
                y[((n + 1) * Outputs) + o] = d1 + Bias[o];
                y[((n + 2) * Outputs) + o] = d2 + Bias[o];
                y[((n + 3) * Outputs) + o] = d3 + Bias[o];
            }
        }

        for (; n < batch; n++)
        {
            ReadOnlySpan<float> xRow = x.Slice(n * Inputs, Inputs);
            for (int o = 0; o < Outputs; o++)
            {
                y[(n * Outputs) + o] = TensorPrimitives.Dot(xRow, Weight.AsSpan(o * Inputs, Inputs)) + Bias[o];
            }
        }
    }

    /// <summary>
    /// Writes dW = dy^T x, db = column sums of dy and, unless <paramref name="dx"/> is empty (first layer), dx = dy W.
    /// </summary>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int batch)
    {
        Array.Clear(BiasGrad);
        for (int n = 0; n < batch; n++)
        {
            TensorPrimitives.Add(BiasGrad, dy.Slice(n * Outputs, Outputs), BiasGrad);
        }

        // dW[o, :] = sum over n of dy[n, o] * x[n, :], four samples per pass over the row.
        Array.Clear(WeightGrad);
        for (int o = 0; o < Outputs; o++)
        {
            Span<float> gradRow = WeightGrad.AsSpan(o * Inputs, Inputs);
            int n = 0;
            for (; n + 4 <= batch; n += 4)
            {
                Kernels.MultiplyAdd4(
                    gradRow,
                    dy[(n * Outputs) + o], x.Slice(n * Inputs, Inputs),
                    dy[((n + 1) * Outputs) + o], x.Slice((n + 1) * Inputs, Inputs),
                    dy[((n + 2) * Outputs) + o], x.Slice((n + 2) * Inputs, Inputs),
                    dy[((n + 3) * Outputs) + o], x.Slice((n + 3) * Inputs, Inputs));
            }

            for (; n < batch; n++)
            {
                TensorPrimitives.MultiplyAdd(x.Slice(n * Inputs, Inputs), dy[(n * Outputs) + o], gradRow, gradRow);
            }
        }

        if (dx.IsEmpty)
        {
            return;
        }

        // dx[n, :] = sum over o of dy[n, o] * W[o, :], four weight rows per pass over dx[n, :].
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> dyRow = dy.Slice(n * Outputs, Outputs);
            Span<float> dxRow = dx.Slice(n * Inputs, Inputs);
            dxRow.Clear();
            int o = 0;
            for (; o + 4 <= Outputs; o += 4)
            {
                Kernels.MultiplyAdd4(
                    dxRow,
                    dyRow[o], Weight.AsSpan(o * Inputs, Inputs),
                    dyRow[o + 1], Weight.AsSpan((o + 1) * Inputs, Inputs),
                    dyRow[o + 2], Weight.AsSpan((o + 2) * Inputs, Inputs),
                    dyRow[o + 3], Weight.AsSpan((o + 3) * Inputs, Inputs));
            }

            for (; o < Outputs; o++)
            {
                TensorPrimitives.MultiplyAdd(Weight.AsSpan(o * Inputs, Inputs), dyRow[o], dxRow, dxRow);
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
