// TEMPORARY stand-in until the generator emits layers. DELETE before finishing.
using System;
using NormGen;

namespace FashionMnistBatchNorm;

internal partial class Hidden1Norm : TempBatchNorm { }
internal partial class Hidden2Norm : TempBatchNorm { }
internal partial class Hidden3Norm : TempBatchNorm { }
internal partial class Hidden4Norm : TempBatchNorm { }
internal partial class Hidden5Norm : TempBatchNorm { }
internal partial class Hidden1LayerNorm : TempLayerNorm { }
internal partial class Hidden2LayerNorm : TempLayerNorm { }
internal partial class Hidden3LayerNorm : TempLayerNorm { }
internal partial class Hidden4LayerNorm : TempLayerNorm { }
internal partial class Hidden5LayerNorm : TempLayerNorm { }

internal abstract class TempBatchNorm : IBatchNormLayer<float>
{
    const int F = 100;
    double[] mean = new double[F], inv = new double[F];
    public string Name => GetType().Name;
    public int SampleLength => F;
    public int FeatureCount => F;
    public bool Training { get; set; } = true;
    public float[] Gamma { get; } = Fill(1);
    public float[] Beta { get; } = new float[F];
    public float[] GammaGrad { get; } = new float[F];
    public float[] BetaGrad { get; } = new float[F];
    public float[] RunningMean { get; } = new float[F];
    public float[] RunningVariance { get; } = Fill(1);
    public long BatchesTracked { get; private set; }
    static float[] Fill(float v) { var a = new float[F]; Array.Fill(a, v); return a; }
    public void ResetRunningStatistics() { Array.Clear(RunningMean); Array.Fill(RunningVariance, 1f); BatchesTracked = 0; }
    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        int n = x.Length / F;
        for (int f = 0; f < F; f++)
        {
            double m, v;
            if (Training)
            {
                double s = 0; for (int i = 0; i < n; i++) s += x[i * F + f]; m = s / n;
                double q = 0; for (int i = 0; i < n; i++) { double d = x[i * F + f] - m; q += d * d; } v = q / n;
                RunningMean[f] = (float)(0.9 * RunningMean[f] + 0.1 * m);
                RunningVariance[f] = (float)(0.9 * RunningVariance[f] + 0.1 * v * n / (n - 1));
            }
            else { m = RunningMean[f]; v = RunningVariance[f]; }
            double iv = 1 / Math.Sqrt(v + 1e-5);
            mean[f] = m; inv[f] = iv;
            for (int i = 0; i < n; i++) y[i * F + f] = (float)(Gamma[f] * (x[i * F + f] - m) * iv + Beta[f]);
        }
        if (Training) BatchesTracked++;
    }
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int n = x.Length / F;
        for (int f = 0; f < F; f++)
        {
            double sdy = 0, sdyx = 0;
            for (int i = 0; i < n; i++) { double xh = (x[i * F + f] - mean[f]) * inv[f]; sdy += dy[i * F + f]; sdyx += dy[i * F + f] * xh; }
            GammaGrad[f] = (float)sdyx; BetaGrad[f] = (float)sdy;
            for (int i = 0; i < n; i++) { double xh = (x[i * F + f] - mean[f]) * inv[f]; dx[i * F + f] = (float)(Gamma[f] * inv[f] / n * (n * dy[i * F + f] - sdy - xh * sdyx)); }
        }
    }
}

internal abstract class TempLayerNorm : INormalizationLayer<float>
{
    const int F = 100;
    public string Name => GetType().Name;
    public int SampleLength => F;
    public bool Training { get; set; } = true;
    public float[] Gamma { get; } = Fill(1);
    public float[] Beta { get; } = new float[F];
    public float[] GammaGrad { get; } = new float[F];
    public float[] BetaGrad { get; } = new float[F];
    static float[] Fill(float v) { var a = new float[F]; Array.Fill(a, v); return a; }
    static (double, double) Stats(ReadOnlySpan<float> r) { double s = 0; foreach (var a in r) s += a; double m = s / F; double q = 0; foreach (var a in r) q += (a - m) * (a - m); return (m, 1 / Math.Sqrt(q / F + 1e-5)); }
    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length / F; i++)
        {
            var r = x.Slice(i * F, F); var (m, iv) = Stats(r);
            for (int f = 0; f < F; f++) y[i * F + f] = (float)(Gamma[f] * (r[f] - m) * iv + Beta[f]);
        }
    }
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Array.Clear(GammaGrad); Array.Clear(BetaGrad);
        for (int i = 0; i < x.Length / F; i++)
        {
            var r = x.Slice(i * F, F); var (m, iv) = Stats(r);
            double s1 = 0, s2 = 0;
            for (int f = 0; f < F; f++) { double xh = (r[f] - m) * iv; double g = dy[i * F + f] * Gamma[f]; s1 += g; s2 += g * xh; GammaGrad[f] += (float)(dy[i * F + f] * xh); BetaGrad[f] += dy[i * F + f]; }
            for (int f = 0; f < F; f++) { double xh = (r[f] - m) * iv; double g = dy[i * F + f] * Gamma[f]; dx[i * F + f] = (float)(iv / F * (F * g - s1 - xh * s2)); }
        }
    }
}
