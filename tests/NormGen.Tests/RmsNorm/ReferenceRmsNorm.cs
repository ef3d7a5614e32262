using System;

namespace NormGen.Tests.RmsNorm;

/// <summary>
/// A plain scalar RMS norm in double precision from the definition <c>y = x / sqrt(mean(x^2) + eps) * gamma</c>,
/// with Backward as the staged graph (mean square, rms, quotient), not the generator's closed form. x is (n, features).
/// </summary>
internal sealed class ReferenceRmsNorm
{
    public ReferenceRmsNorm(int features, double epsilon)
    {
        Features = features;
        Epsilon = epsilon;
    }

    public int Features { get; }

    public double Epsilon { get; }

    /// <summary>sqrt(mean(x^2) + eps) of each row.</summary>
    public double[] Rms(double[] x)
    {
        int batch = x.Length / Features;
        var rms = new double[batch];
        for (int n = 0; n < batch; n++)
        {
            double squares = 0;
            for (int f = 0; f < Features; f++)
            {
                squares += x[n * Features + f] * x[n * Features + f];
            }

            rms[n] = Math.Sqrt(squares / Features + Epsilon);
        }

        return rms;
    }

    /// <summary>y = x / rms * gamma; empty gamma means 1.</summary>
    public double[] Forward(double[] x, double[] gamma)
    {
        double[] rms = Rms(x);
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] / rms[i / Features] * (gamma.Length == 0 ? 1 : gamma[i % Features]);
        }

        return y;
    }

    /// <summary>dx and dGamma (empty when gamma is) by the staged graph.</summary>
    public (double[] Dx, double[] DGamma) Backward(double[] x, double[] dy, double[] gamma)
    {
        int batch = x.Length / Features;
        double[] rms = Rms(x);
        var dx = new double[x.Length];
        var dGamma = new double[gamma.Length];
        for (int n = 0; n < batch; n++)
        {
            // y_f = q_f * gamma_f, q_f = x_f / r, r = sqrt(m + eps), m = mean(x^2).
            double r = rms[n];
            double dR = 0;
            for (int f = 0; f < Features; f++)
            {
                int i = n * Features + f;
                double dq = dy[i] * (gamma.Length == 0 ? 1 : gamma[f]);
                if (gamma.Length > 0)
                {
                    dGamma[f] += dy[i] * x[i] / r;
                }

                dR -= dq * x[i] / (r * r);
            }

            double dMeanSquare = dR / (2 * r);
            for (int f = 0; f < Features; f++)
            {
                int i = n * Features + f;
                double dq = dy[i] * (gamma.Length == 0 ? 1 : gamma[f]);
                dx[i] = dq / r + dMeanSquare * 2 * x[i] / Features;
            }
        }

        return (dx, dGamma);
    }
}
