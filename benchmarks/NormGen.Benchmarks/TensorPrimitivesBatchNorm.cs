using System;
using System.Numerics.Tensors;

namespace NormGen.Benchmarks;

/// <summary>
/// The peer a careful user writes with a well-kept library: the same batch norm as
/// <see cref="ScalarBatchNorm"/> over <see cref="TensorPrimitives"/>, feature count known only at run time.
/// Input is row-major (batch, features), so per-feature reductions are row-by-row vector accumulations
/// (one TensorPrimitives call per row and step); the affine parts are folded into per-feature
/// scale and shift so each element costs one fused multiply-add.
/// </summary>
public sealed class TensorPrimitivesBatchNorm : INormalizationLayer<float>
{
    private readonly float momentum;
    private readonly float epsilon;
    private readonly float[] mean;
    private readonly float[] variance;
    private readonly float[] invStd;
    private readonly float[] scale;
    private readonly float[] shift;
    private readonly float[] row;
    private readonly float[] dxScale;
    private readonly float[] dxSlope;
    private readonly float[] dxShift;
    private int forwardBatch;

    /// <summary>Creates a layer with Gamma = 1, Beta = 0, running mean 0 and running variance 1.</summary>
    /// <param name="features">Features per sample (row length of x).</param>
    /// <param name="momentum">Weight of the old running value.</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    public TensorPrimitivesBatchNorm(int features, float momentum = 0.9f, float epsilon = 1e-5f)
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
        scale = new float[features];
        shift = new float[features];
        row = new float[features];
        dxScale = new float[features];
        dxSlope = new float[features];
        dxShift = new float[features];
    }

    /// <summary>Features per sample.</summary>
    public int Features { get; }

    /// <summary>The class name, for messages.</summary>
    public string Name => nameof(TensorPrimitivesBatchNorm);

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
            TensorPrimitives.Add(RunningVariance, epsilon, invStd);
            TensorPrimitives.ReciprocalSqrt(invStd, invStd);
            ApplyScaleShift(x, y, n, RunningMean);
            return;
        }

        // Pass 1: mean.
        Array.Clear(mean);
        for (int i = 0; i < n; i++)
        {
            TensorPrimitives.Add(mean, x.Slice(i * d, d), mean);
        }

        TensorPrimitives.Multiply(mean, 1f / n, mean);

        // Pass 2: biased variance of the centered values (two-pass, no E[x^2] - E[x]^2 cancellation).
        Array.Clear(variance);
        for (int i = 0; i < n; i++)
        {
            TensorPrimitives.Subtract(x.Slice(i * d, d), mean, row);
            TensorPrimitives.MultiplyAdd(row, row, variance, variance);
        }

        TensorPrimitives.Multiply(variance, 1f / n, variance);
        TensorPrimitives.Add(variance, epsilon, invStd);
        TensorPrimitives.ReciprocalSqrt(invStd, invStd);

        // Pass 3: y = x * scale + shift.
        ApplyScaleShift(x, y, n, mean);

        TensorPrimitives.Multiply(RunningMean, momentum, RunningMean);
        TensorPrimitives.MultiplyAdd(mean, 1 - momentum, RunningMean, RunningMean);
        TensorPrimitives.Multiply(RunningVariance, momentum, RunningVariance);
        TensorPrimitives.MultiplyAdd(variance, (1 - momentum) * n / (n - 1), RunningVariance, RunningVariance);
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

        // Pass 1: dBeta = sum(dy), dGamma = sum(dy * xhat).
        Array.Clear(BetaGrad);
        Array.Clear(GammaGrad);
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> dyRow = dy.Slice(i * d, d);
            TensorPrimitives.Subtract(x.Slice(i * d, d), mean, row);
            TensorPrimitives.Multiply(row, invStd, row);
            TensorPrimitives.Add(BetaGrad, dyRow, BetaGrad);
            TensorPrimitives.MultiplyAdd(dyRow, row, GammaGrad, GammaGrad);
        }

        // dx = k * dy + a * (x - mean) + c with k = gamma * invStd, a = -k * invStd * dGamma / N, c = -k * dBeta / N.
        Span<float> k = dxScale;
        Span<float> a = dxSlope;
        Span<float> c = dxShift;
        TensorPrimitives.Multiply(Gamma, invStd, k);
        TensorPrimitives.Multiply(k, invStd, a);
        TensorPrimitives.Multiply(a, GammaGrad, a);
        TensorPrimitives.Multiply(a, -1f / n, a);
        TensorPrimitives.Multiply(k, BetaGrad, c);
        TensorPrimitives.Multiply(c, -1f / n, c);

        // Pass 2: dx.
        for (int i = 0; i < n; i++)
        {
            Span<float> dxRow = dx.Slice(i * d, d);
            TensorPrimitives.Subtract(x.Slice(i * d, d), mean, row);
            TensorPrimitives.MultiplyAdd(row, a, c, row);
            TensorPrimitives.MultiplyAdd(dy.Slice(i * d, d), k, row, dxRow);
        }
    }

    /// <summary>y = (x - center) * invStd * Gamma + Beta, as one multiply-add per element.</summary>
    private void ApplyScaleShift(ReadOnlySpan<float> x, Span<float> y, int n, float[] center)
    {
        int d = Features;
        TensorPrimitives.Multiply(Gamma, invStd, scale);
        TensorPrimitives.Multiply(center, scale, shift);
        TensorPrimitives.Subtract(Beta, shift, shift);
        for (int i = 0; i < n; i++)
        {
            TensorPrimitives.MultiplyAdd(x.Slice(i * d, d), scale, shift, y.Slice(i * d, d));
        }
    }
}
