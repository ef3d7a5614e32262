using System;

namespace NormGen.Tests.BatchNorm;

/// <summary>
/// A plain scalar batch norm in double precision, written straight from the textbook: statistics by the
/// definition, and Backward as the staged computational graph of the cs231n assignment (not the closed form
/// the generator uses), so agreement is evidence rather than the same formula twice. x is (n, features, spatial).
/// </summary>
internal sealed class ReferenceBatchNorm
{
    public ReferenceBatchNorm(int features, int spatial, double epsilon, bool relu = false)
    {
        Features = features;
        Spatial = spatial;
        Epsilon = epsilon;
        Relu = relu;
    }

    public int Features { get; }

    public int Spatial { get; }

    public double Epsilon { get; }

    public bool Relu { get; }

    private double At(double[] data, int n, int f, int s) => data[((n * Features) + f) * Spatial + s];

    private ref double AtRef(double[] data, int n, int f, int s) => ref data[((n * Features) + f) * Spatial + s];

    /// <summary>Per-feature mean and biased variance over batch and spatial positions.</summary>
    public (double[] Mean, double[] Variance) Statistics(double[] x)
    {
        int batch = x.Length / (Features * Spatial);
        double count = batch * Spatial;
        var mean = new double[Features];
        var variance = new double[Features];
        for (int f = 0; f < Features; f++)
        {
            double sum = 0;
            for (int n = 0; n < batch; n++)
            {
                for (int s = 0; s < Spatial; s++)
                {
                    sum += At(x, n, f, s);
                }
            }

            mean[f] = sum / count;
            double squares = 0;
            for (int n = 0; n < batch; n++)
            {
                for (int s = 0; s < Spatial; s++)
                {
                    double d = At(x, n, f, s) - mean[f];
                    squares += d * d;
                }
            }

            variance[f] = squares / count;
        }

        return (mean, variance);
    }

    /// <summary>y = gamma * (x - mean) / sqrt(var + eps) + beta, optionally followed by ReLU.</summary>
    public double[] Normalize(double[] x, double[] mean, double[] variance, double[]? gamma, double[]? beta)
    {
        int batch = x.Length / (Features * Spatial);
        var y = new double[x.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int f = 0; f < Features; f++)
            {
                for (int s = 0; s < Spatial; s++)
                {
                    double value = (gamma?[f] ?? 1) * (At(x, n, f, s) - mean[f]) / Math.Sqrt(variance[f] + Epsilon) + (beta?[f] ?? 0);
                    AtRef(y, n, f, s) = Relu ? Math.Max(0, value) : value;
                }
            }
        }

        return y;
    }

    /// <summary>The staged backward pass of cs231n's batchnorm_backward, feature by feature.</summary>
    public (double[] Dx, double[] DGamma, double[] DBeta) Backward(double[] x, double[] dyIn, double[]? gamma, double[]? beta)
    {
        int batch = x.Length / (Features * Spatial);
        double count = batch * Spatial;
        (double[] mean, double[] variance) = Statistics(x);
        var dy = (double[])dyIn.Clone();
        if (Relu)
        {
            double[] y = Normalize(x, mean, variance, gamma, beta);
            for (int i = 0; i < dy.Length; i++)
            {
                dy[i] = y[i] > 0 ? dy[i] : 0;
            }
        }

        var dx = new double[x.Length];
        var dGamma = new double[Features];
        var dBeta = new double[Features];
        for (int f = 0; f < Features; f++)
        {
            double g = gamma?[f] ?? 1;
            double sqrtVar = Math.Sqrt(variance[f] + Epsilon);
            double inverseStd = 1 / sqrtVar;
            double dInverseStd = 0;
            for (int n = 0; n < batch; n++)
            {
                for (int s = 0; s < Spatial; s++)
                {
                    double centered = At(x, n, f, s) - mean[f];
                    double xhat = centered * inverseStd;
                    dBeta[f] += At(dy, n, f, s);
                    dGamma[f] += At(dy, n, f, s) * xhat;
                    dInverseStd += At(dy, n, f, s) * g * centered;
                }
            }

            double dSqrtVar = -dInverseStd / (sqrtVar * sqrtVar);
            double dVariance = 0.5 / sqrtVar * dSqrtVar;
            double dMean = 0;
            for (int n = 0; n < batch; n++)
            {
                for (int s = 0; s < Spatial; s++)
                {
                    double centered = At(x, n, f, s) - mean[f];
                    double dCentered = At(dy, n, f, s) * g * inverseStd + 2 * centered * dVariance / count;
                    AtRef(dx, n, f, s) = dCentered;
                    dMean -= dCentered;
                }
            }

            for (int n = 0; n < batch; n++)
            {
                for (int s = 0; s < Spatial; s++)
                {
                    AtRef(dx, n, f, s) += dMean / count;
                }
            }
        }

        return (dx, dGamma, dBeta);
    }
}
