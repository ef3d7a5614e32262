using System;

namespace NormGen.Tests.LayerNorm;

/// <summary>
/// A plain scalar layer norm in double precision, straight from the definition: per-row mean and biased variance,
/// and Backward as the staged computational graph (mean, centered values, variance, std, xhat), not the closed
/// form the generator uses, so agreement is evidence rather than the same formula twice. x is (n, features).
/// </summary>
internal sealed class ReferenceLayerNorm
{
    public ReferenceLayerNorm(int features, double epsilon, bool relu = false)
    {
        Features = features;
        Epsilon = epsilon;
        Relu = relu;
    }

    public int Features { get; }

    public double Epsilon { get; }

    public bool Relu { get; }

    /// <summary>Per-row mean and biased variance.</summary>
    public (double[] Mean, double[] Variance) Statistics(double[] x)
    {
        int batch = x.Length / Features;
        var mean = new double[batch];
        var variance = new double[batch];
        for (int n = 0; n < batch; n++)
        {
            double sum = 0;
            for (int f = 0; f < Features; f++)
            {
                sum += x[n * Features + f];
            }

            mean[n] = sum / Features;
            double squares = 0;
            for (int f = 0; f < Features; f++)
            {
                double d = x[n * Features + f] - mean[n];
                squares += d * d;
            }

            variance[n] = squares / Features;
        }

        return (mean, variance);
    }

    /// <summary>y = [relu](gamma * xhat + beta); empty gamma and beta mean 1 and 0.</summary>
    public double[] Forward(double[] x, double[] gamma, double[] beta)
    {
        (double[] mean, double[] variance) = Statistics(x);
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int n = i / Features, f = i % Features;
            double xhat = (x[i] - mean[n]) / Math.Sqrt(variance[n] + Epsilon);
            double z = Scale(gamma, f) * xhat + Shift(beta, f);
            y[i] = Relu ? Math.Max(0, z) : z;
        }

        return y;
    }

    /// <summary>dx, dGamma, dBeta by the staged graph; dGamma and dBeta are empty when gamma is.</summary>
    public (double[] Dx, double[] DGamma, double[] DBeta) Backward(double[] x, double[] dy, double[] gamma, double[] beta)
    {
        int batch = x.Length / Features;
        (double[] mean, double[] variance) = Statistics(x);
        var dx = new double[x.Length];
        var dGamma = new double[gamma.Length];
        var dBeta = new double[beta.Length];
        var dxhat = new double[Features];
        var centered = new double[Features];
        for (int n = 0; n < batch; n++)
        {
            double std = Math.Sqrt(variance[n] + Epsilon);
            double dStd = 0;
            for (int f = 0; f < Features; f++)
            {
                int i = n * Features + f;
                centered[f] = x[i] - mean[n];
                double xhat = centered[f] / std;
                double z = Scale(gamma, f) * xhat + Shift(beta, f);
                double dz = Relu && z <= 0 ? 0 : dy[i];
                if (gamma.Length > 0)
                {
                    dGamma[f] += dz * xhat;
                    dBeta[f] += dz;
                }

                dxhat[f] = dz * Scale(gamma, f);

                // xhat = centered / std: both depend on x.
                dStd -= dxhat[f] * centered[f] / (std * std);
            }

            // std = sqrt(var + eps), var = mean(centered^2), centered = x - mean(x).
            double dVariance = dStd / (2 * std);
            var dCentered = new double[Features];
            double sumDCentered = 0;
            for (int f = 0; f < Features; f++)
            {
                dCentered[f] = dxhat[f] / std + dVariance * 2 * centered[f] / Features;
                sumDCentered += dCentered[f];
            }

            for (int f = 0; f < Features; f++)
            {
                dx[n * Features + f] = dCentered[f] - sumDCentered / Features;
            }
        }

        return (dx, dGamma, dBeta);
    }

    private static double Scale(double[] gamma, int f) => gamma.Length == 0 ? 1 : gamma[f];

    private static double Shift(double[] beta, int f) => beta.Length == 0 ? 0 : beta[f];
}
