using System;

namespace NormGen.Tests.GroupNorm;

/// <summary>
/// Group normalization written the plain way, in double, straight from the definition (PyTorch nn.GroupNorm on
/// (N, C, S)): per sample, per group of Channels/Groups consecutive channels, mean and biased variance over the group's
/// M values; y = Gamma_c * xhat + Beta_c. Backward with g = dy * Gamma_c:
/// dx = invstd / M * (M * g - sum(g) - xhat * sum(g * xhat)), GammaGrad_c = sum dy * xhat, BetaGrad_c = sum dy.
/// </summary>
internal static class ReferenceGroupNorm
{
    /// <summary>
    /// y, dx and the parameter gradients (empty when gamma is empty: not affine), and DxScale: the largest invstd * |g|,
    /// the size of the terms whose difference is dx.
    /// </summary>
    public sealed record Result(double[] Y, double[] Dx, double[] GammaGrad, double[] BetaGrad, double DxScale);

    public static Result Run(int groups, int channels, int spatial, double epsilon, double[] gamma, double[] beta, double[] x, double[] dy)
    {
        int sampleLength = channels * spatial;
        int batch = x.Length / sampleLength;
        int perGroup = channels / groups;
        int m = perGroup * spatial;
        bool affine = gamma.Length > 0;
        var y = new double[x.Length];
        var dx = new double[x.Length];
        var gammaGrad = new double[gamma.Length];
        var betaGrad = new double[beta.Length];
        var xhat = new double[m];
        var g = new double[m];
        double dxScale = 0;
        for (int n = 0; n < batch; n++)
        {
            for (int group = 0; group < groups; group++)
            {
                int start = n * sampleLength + group * m;
                double mean = 0;
                for (int i = 0; i < m; i++)
                {
                    mean += x[start + i];
                }

                mean /= m;
                double variance = 0;
                for (int i = 0; i < m; i++)
                {
                    variance += (x[start + i] - mean) * (x[start + i] - mean);
                }

                variance /= m;
                double invstd = 1 / Math.Sqrt(variance + epsilon);
                double sumG = 0;
                double sumGXhat = 0;
                for (int i = 0; i < m; i++)
                {
                    int c = group * perGroup + i / spatial;
                    xhat[i] = (x[start + i] - mean) * invstd;
                    y[start + i] = affine ? gamma[c] * xhat[i] + beta[c] : xhat[i];
                    g[i] = affine ? dy[start + i] * gamma[c] : dy[start + i];
                    sumG += g[i];
                    sumGXhat += g[i] * xhat[i];
                    if (affine)
                    {
                        gammaGrad[c] += dy[start + i] * xhat[i];
                        betaGrad[c] += dy[start + i];
                    }
                }

                for (int i = 0; i < m; i++)
                {
                    dx[start + i] = invstd / m * (m * g[i] - sumG - xhat[i] * sumGXhat);
                    dxScale = Math.Max(dxScale, invstd * Math.Abs(g[i]));
                }
            }
        }

        return new Result(y, dx, gammaGrad, betaGrad, dxScale);
    }
}
