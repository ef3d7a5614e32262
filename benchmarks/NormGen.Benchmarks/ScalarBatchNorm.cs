using System;

namespace NormGen.Benchmarks;

/// <summary>
/// The peer a user writes by hand: batch norm over row-major (batch, features) float input with the
/// feature count known only at run time, straight from the cs231n math. Two passes for mean and
/// biased variance, one to normalize; backward in the simplified closed form
/// <c>dx = gamma * invStd / N * (N * dy - sum(dy) - xhat * sum(dy * xhat))</c>.
/// Same conventions as the generated layer: Momentum is the weight of the old running value,
/// the running variance gets the unbiased N/(N-1) factor.
/// </summary>
public sealed class ScalarBatchNorm : INormalizationLayer<float>
{
    private readonly float momentum;
    private readonly float epsilon;
    private readonly float[] mean;
    private readonly float[] variance;
    private readonly float[] invStd;
    private int forwardBatch;

    /// <summary>Creates a layer with Gamma = 1, Beta = 0, running mean 0 and running variance 1.</summary>
    /// <param name="features">Features per sample (row length of x).</param>
    /// <param name="momentum">Weight of the old running value.</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    public ScalarBatchNorm(int features, float momentum = 0.9f, float epsilon = 1e-5f)
    {
        Features = features;
        this.momentum = momentum;
        this.epsilon = epsilon;
        Gamma = new float[features];
        Array.Fill(Gamma, 1f);
        Beta = new float[features];
        GammaGrad = new float[features];
        BetaGrad = new float[features];
        RunningMean = new float[features];
        RunningVariance = new float[features];
        Array.Fill(RunningVariance, 1f);
        mean = new float[features];
        variance = new float[features];
        invStd = new float[features];
    }

    /// <summary>Features per sample.</summary>
    public int Features { get; }

    /// <summary>The class name, for messages.</summary>
    public string Name => nameof(ScalarBatchNorm);

    /// <summary>Elements per sample: <see cref="Features"/>.</summary>
    public int SampleLength => Features;

    /// <summary>True: batch statistics and running-statistics update. False: running statistics.</summary>
    public bool Training { get; set; } = true;
    public int MaxDegreeOfParallelism { get; set; } = 1;

    /// <summary>Per-feature scale.</summary>
    public float[] Gamma { get; }

    /// <summary>Per-feature shift.</summary>
    public float[] Beta { get; }

    /// <summary>dLoss/dGamma, written by <see cref="Backward"/>.</summary>
    public float[] GammaGrad { get; }

    /// <summary>dLoss/dBeta, written by <see cref="Backward"/>.</summary>
    public float[] BetaGrad { get; }

    /// <summary>Running mean per feature.</summary>
    public float[] RunningMean { get; }

    /// <summary>Running (unbiased) variance per feature.</summary>
    public float[] RunningVariance { get; }

    /// <summary>Normalizes x (batch, Features) into y.</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        int d = Features;
        int n = x.Length / d;
        if (!Training)
        {
            for (int j = 0; j < d; j++)
            {
                invStd[j] = 1f / MathF.Sqrt(RunningVariance[j] + epsilon);
            }

            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < d; j++)
                {
                    y[i * d + j] = Gamma[j] * (x[i * d + j] - RunningMean[j]) * invStd[j] + Beta[j];
                }
            }

            return;
        }

        // Row-major loops (batch outer, features inner): the cache-friendly order a careful hand-writer picks.
        Array.Clear(mean);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                mean[j] += x[i * d + j];
            }
        }

        for (int j = 0; j < d; j++)
        {
            mean[j] /= n;
        }

        Array.Clear(variance);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                float centered = x[i * d + j] - mean[j];
                variance[j] += centered * centered;
            }
        }

        for (int j = 0; j < d; j++)
        {
            variance[j] /= n;
            invStd[j] = 1f / MathF.Sqrt(variance[j] + epsilon);
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                float xhat = (x[i * d + j] - mean[j]) * invStd[j];
                y[i * d + j] = Gamma[j] * xhat + Beta[j];
            }
        }

        float unbias = (float)n / (n - 1);
        for (int j = 0; j < d; j++)
        {
            RunningMean[j] = momentum * RunningMean[j] + (1 - momentum) * mean[j];
            RunningVariance[j] = momentum * RunningVariance[j] + (1 - momentum) * variance[j] * unbias;
        }

        forwardBatch = n;
    }

    /// <summary>Back-propagates dy through the last training Forward on the same x.</summary>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int d = Features;
        int n = x.Length / d;
        if (n != forwardBatch)
        {
            throw new InvalidOperationException("Backward needs a training Forward on the same x first.");
        }

        // cs231n caches xhat (N x D); recomputing it from mean and invStd keeps the call allocation-free.
        Array.Clear(BetaGrad);
        Array.Clear(GammaGrad);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                float xhat = (x[i * d + j] - mean[j]) * invStd[j];
                BetaGrad[j] += dy[i * d + j];
                GammaGrad[j] += dy[i * d + j] * xhat;
            }
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                float xhat = (x[i * d + j] - mean[j]) * invStd[j];
                dx[i * d + j] = Gamma[j] * invStd[j] / n * (n * dy[i * d + j] - BetaGrad[j] - xhat * GammaGrad[j]);
            }
        }
    }
}
