using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace FashionMnistBatchNorm;

/// <summary>Softmax cross-entropy over row-major logits (batch, classes), averaged over the batch.</summary>
internal static class SoftmaxCrossEntropy
{
    /// <summary>
    /// Returns the mean loss and the number of rows whose largest logit is the label, and writes
    /// dLogits = (softmax - onehot) / batch. Subtracting the row maximum keeps Exp finite for any logits.
    /// </summary>
    public static (double Loss, int Correct) Compute(
        ReadOnlySpan<float> logits, ReadOnlySpan<byte> labels, int classes, Span<float> dLogits)
    {
        int batch = labels.Length;
        double loss = 0;
        int correct = 0;
        float invBatch = 1f / batch;
        for (int n = 0; n < batch; n++)
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

        return (loss / batch, correct);
    }

    /// <summary>Counts rows whose largest logit is the label.</summary>
    public static int CountCorrect(ReadOnlySpan<float> logits, ReadOnlySpan<byte> labels, int classes)
    {
        int correct = 0;
        for (int n = 0; n < labels.Length; n++)
        {
            if (TensorPrimitives.IndexOfMax(logits.Slice(n * classes, classes)) == labels[n])
            {
                correct++;
            }
        }

        return correct;
    }
}

/// <summary>ReLU on a span, and its backward pass.</summary>
internal static class Relu
{
    /// <summary>y = max(x, 0).</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    /// <summary>dx = dy where the output y was positive, else 0 (dx may alias dy).</summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector<float> positive = Vector.GreaterThan(new Vector<float>(y.Slice(i)), Vector<float>.Zero).As<int, float>();
            Vector.ConditionalSelect(positive, new Vector<float>(dy.Slice(i)), Vector<float>.Zero).CopyTo(dx.Slice(i));
        }

        for (; i < y.Length; i++)
        {
            dx[i] = y[i] > 0f ? dy[i] : 0f;
        }
    }
}
