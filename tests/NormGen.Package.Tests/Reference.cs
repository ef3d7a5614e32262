using System;

namespace NormGen.Package.Tests;

/// <summary>
/// Textbook scalar formulas in double, written independently of the generator, for the consumer's expected outputs.
/// Layout: x[(n * features + f) * spatial + s] (row-major (batch, features, spatial)).
/// </summary>
internal static class Reference
{
    /// <summary>Per-feature mean and biased variance over the batch and spatial positions.</summary>
    public static (double[] Mean, double[] Variance) BatchMoments(double[] x, int features, int spatial)
    {
        int batch = x.Length / (features * spatial);
        int count = batch * spatial;
        var mean = new double[features];
        var variance = new double[features];
        for (int f = 0; f < features; f++)
        {
            double sum = 0;
            for (int n = 0; n < batch; n++)
            {
                for (int s = 0; s < spatial; s++)
                {
                    sum += x[((n * features) + f) * spatial + s];
                }
            }
            mean[f] = sum / count;
            double squares = 0;
            for (int n = 0; n < batch; n++)
            {
                for (int s = 0; s < spatial; s++)
                {
                    double d = x[((n * features) + f) * spatial + s] - mean[f];
                    squares += d * d;
                }
            }
            variance[f] = squares / count;
        }
        return (mean, variance);
    }

    /// <summary>y = gamma * (x - mean) / sqrt(variance + epsilon) + beta, then max(0, y) when relu.</summary>
    public static double[] Normalize(
        double[] x, int features, int spatial, double[] mean, double[] variance, double[] gamma, double[] beta,
        double epsilon, bool relu)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int f = i / spatial % features;
            double value = gamma[f] * (x[i] - mean[f]) / Math.Sqrt(variance[f] + epsilon) + beta[f];
            y[i] = relu ? Math.Max(0, value) : value;
        }
        return y;
    }

    /// <summary>running = momentum * running + (1 - momentum) * batch value, the variance with the N/(N-1) factor.</summary>
    public static void UpdateRunning(
        double[] runningMean, double[] runningVariance, double[] mean, double[] variance, double momentum, int count)
    {
        for (int f = 0; f < runningMean.Length; f++)
        {
            runningMean[f] = momentum * runningMean[f] + (1 - momentum) * mean[f];
            runningVariance[f] = momentum * runningVariance[f] + (1 - momentum) * variance[f] * count / (count - 1);
        }
    }

    /// <summary>
    /// Batch-norm backward (no activation): dx = gamma / (N sigma) (N dy - sum dy - xhat sum(dy xhat)),
    /// dGamma = sum(dy xhat), dBeta = sum(dy), sums over batch and spatial positions.
    /// </summary>
    public static (double[] Dx, double[] DGamma, double[] DBeta) BatchNormBackward(
        double[] x, double[] dy, int features, int spatial, double[] gamma, double epsilon)
    {
        (double[] mean, double[] variance) = BatchMoments(x, features, spatial);
        int count = x.Length / features;
        var dGamma = new double[features];
        var dBeta = new double[features];
        for (int i = 0; i < x.Length; i++)
        {
            int f = i / spatial % features;
            double xhat = (x[i] - mean[f]) / Math.Sqrt(variance[f] + epsilon);
            dGamma[f] += dy[i] * xhat;
            dBeta[f] += dy[i];
        }
        var dx = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int f = i / spatial % features;
            double inverseStd = 1 / Math.Sqrt(variance[f] + epsilon);
            double xhat = (x[i] - mean[f]) * inverseStd;
            dx[i] = gamma[f] * inverseStd / count * (count * dy[i] - dBeta[f] - xhat * dGamma[f]);
        }
        return (dx, dGamma, dBeta);
    }

    /// <summary>Layer norm over the last <paramref name="features"/> values of each sample: forward and backward.</summary>
    public static (double[] Y, double[] Dx, double[] DGamma, double[] DBeta) LayerNorm(
        double[] x, double[] dy, int features, double[] gamma, double[] beta, double epsilon)
    {
        int batch = x.Length / features;
        var y = new double[x.Length];
        var dx = new double[x.Length];
        var dGamma = new double[features];
        var dBeta = new double[features];
        for (int n = 0; n < batch; n++)
        {
            var row = new double[features];
            Array.Copy(x, n * features, row, 0, features);
            (double[] mean, double[] variance) = BatchMoments(row, 1, features);
            double inverseStd = 1 / Math.Sqrt(variance[0] + epsilon);
            double sumG = 0, sumGXhat = 0;
            var xhat = new double[features];
            for (int f = 0; f < features; f++)
            {
                int i = n * features + f;
                xhat[f] = (x[i] - mean[0]) * inverseStd;
                y[i] = gamma[f] * xhat[f] + beta[f];
                dGamma[f] += dy[i] * xhat[f];
                dBeta[f] += dy[i];
                double g = dy[i] * gamma[f];
                sumG += g;
                sumGXhat += g * xhat[f];
            }
            for (int f = 0; f < features; f++)
            {
                int i = n * features + f;
                dx[i] = inverseStd / features * (features * dy[i] * gamma[f] - sumG - xhat[f] * sumGXhat);
            }
        }
        return (y, dx, dGamma, dBeta);
    }
}
