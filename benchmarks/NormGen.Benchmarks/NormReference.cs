using System;

namespace NormGen.Benchmarks;

/// <summary>
/// Double-precision reference outputs of a case, computed node by node through the computational graph (the staged
/// cs231n form: mean, centered x, variance, sqrt, inverse, xhat, out, then back through the same nodes), not with
/// the closed-form backward that the implementations use. One routine serves every kind: each element belongs to a
/// statistics group (a feature for batch norm, or a (ghost batch, feature) pair for ghost batch norm; a sample for layer
/// and RMS norm; a sample's group of channels for group norm) and has a channel (its Gamma and Beta).
/// </summary>
public sealed class NormReference
{
    /// <summary>Epsilon of every layer under test (the attributes' default).</summary>
    public const double Epsilon = 1e-5;

    /// <summary>Momentum of the batch-norm layers (weight of the old running value; the attribute's default).</summary>
    public const double Momentum = 0.9;

    private NormReference(BenchCase benchCase, int virtualBatchSize)
    {
        Case = benchCase;
        VirtualBatchSize = virtualBatchSize;
        TrainY = new double[benchCase.Elements];
        Dx = new double[benchCase.Elements];
        DGamma = new double[benchCase.Channels];
    }

    /// <summary>The case.</summary>
    public BenchCase Case { get; }

    /// <summary>Samples per ghost batch (batch norm), or 0: statistics over the whole batch.</summary>
    public int VirtualBatchSize { get; }

    /// <summary>y of a training Forward.</summary>
    public double[] TrainY { get; }

    /// <summary>
    /// Running mean after one training Forward from 0 (batch norm), else null. With ghost batches: the batch value is the
    /// mean over ghost batches of their means (Keras).
    /// </summary>
    public double[]? RunningMean { get; private set; }

    /// <summary>
    /// Running (unbiased) variance after one training Forward from 1 (batch norm), else null. With ghost batches: the
    /// batch value is the mean over ghost batches of their unbiased variances (Keras).
    /// </summary>
    public double[]? RunningVariance { get; private set; }

    /// <summary>dx of Backward.</summary>
    public double[] Dx { get; }

    /// <summary>Gamma gradient.</summary>
    public double[] DGamma { get; }

    /// <summary>Beta gradient (null for RMS norm, which has no Beta).</summary>
    public double[]? DBeta { get; private set; }

    /// <summary>y of inference: batch norm with the case's given running statistics; the other kinds equal <see cref="TrainY"/>.</summary>
    public double[] InferY { get; private set; } = [];

    /// <summary>
    /// Computes every reference output of <paramref name="data"/>; for batch norm with <paramref name="virtualBatchSize"/>
    /// above 0, ghost batch norm: each consecutive group of that many samples normalized with its own statistics.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A ghost batch size for a kind other than batch norm, or one that does not divide the batch.
    /// </exception>
    public static NormReference Compute(CaseData data, int virtualBatchSize = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (virtualBatchSize < 0 || (virtualBatchSize > 0 && (!data.Case.Kind.IsBatchNorm() || data.Case.Batch % virtualBatchSize != 0)))
        {
            throw new ArgumentOutOfRangeException(
                nameof(virtualBatchSize), virtualBatchSize, $"Ghost batches apply to batch norm only and must divide the batch ({data.Case.Id}).");
        }

        var reference = new NormReference(data.Case, virtualBatchSize);
        if (data.Case.Kind == NormKind.RmsNorm)
        {
            reference.ComputeRms(data);
        }
        else
        {
            reference.ComputeCentered(data);
        }

        return reference;
    }

    /// <summary>Ghost batches per batch (1 without ghost batches).</summary>
    private int GhostBatches => VirtualBatchSize > 0 ? Case.Batch / VirtualBatchSize : 1;

    /// <summary>Number of statistics groups.</summary>
    private int GroupCount(BenchCase c) => c.Kind switch
    {
        NormKind.BatchNorm or NormKind.BatchNormSpatial => GhostBatches * c.Channels,
        NormKind.LayerNorm or NormKind.RmsNorm => c.Batch,
        NormKind.GroupNorm => c.Batch * c.Groups,
        _ => throw new ArgumentOutOfRangeException(nameof(c), c.Kind, "Unknown kind."),
    };

    /// <summary>The statistics group of element <paramref name="e"/> (batch norm: ghost batch * Channels + channel).</summary>
    private int GroupOf(BenchCase c, long e) => c.Kind switch
    {
        NormKind.BatchNorm or NormKind.BatchNormSpatial =>
            (VirtualBatchSize > 0 ? (int)(e / c.SampleLength / VirtualBatchSize) * c.Channels : 0) + c.ChannelOf(e),
        NormKind.LayerNorm or NormKind.RmsNorm => (int)(e / c.Channels),
        NormKind.GroupNorm => (int)(e / c.SampleLength) * c.Groups + c.ChannelOf(e) / (c.Channels / c.Groups),
        _ => throw new ArgumentOutOfRangeException(nameof(c), c.Kind, "Unknown kind."),
    };

    private void ComputeCentered(CaseData data)
    {
        BenchCase c = Case;
        float[] x = data.X;
        float[] dy = data.Dy;
        int groups = GroupCount(c);
        int[] group = new int[x.Length];
        int[] channel = new int[x.Length];
        for (int e = 0; e < x.Length; e++)
        {
            group[e] = GroupOf(c, e);
            channel[e] = c.ChannelOf(e);
        }

        double m = (double)x.Length / groups;

        // Forward: mu, xmu, var, sqrtvar, ivar, xhat, out.
        var mu = new double[groups];
        for (int e = 0; e < x.Length; e++)
        {
            mu[group[e]] += x[e];
        }

        for (int g = 0; g < groups; g++)
        {
            mu[g] /= m;
        }

        var xmu = new double[x.Length];
        var variance = new double[groups];
        for (int e = 0; e < x.Length; e++)
        {
            xmu[e] = x[e] - mu[group[e]];
            variance[group[e]] += xmu[e] * xmu[e];
        }

        var sqrtvar = new double[groups];
        var ivar = new double[groups];
        for (int g = 0; g < groups; g++)
        {
            variance[g] /= m;
            sqrtvar[g] = Math.Sqrt(variance[g] + Epsilon);
            ivar[g] = 1 / sqrtvar[g];
        }

        for (int e = 0; e < x.Length; e++)
        {
            TrainY[e] = data.Gamma[channel[e]] * (xmu[e] * ivar[group[e]]) + data.Beta[channel[e]];
        }

        // Backward through the same graph, node by node.
        DBeta = new double[c.Channels];
        var divar = new double[groups];
        for (int e = 0; e < x.Length; e++)
        {
            int g = group[e];
            int j = channel[e];
            DBeta[j] += dy[e];
            DGamma[j] += dy[e] * xmu[e] * ivar[g];
            double dxhat = dy[e] * data.Gamma[j];
            divar[g] += dxhat * xmu[e];
        }

        var dvar = new double[groups];
        for (int g = 0; g < groups; g++)
        {
            double dsqrtvar = -1 / (sqrtvar[g] * sqrtvar[g]) * divar[g];
            dvar[g] = 0.5 / Math.Sqrt(variance[g] + Epsilon) * dsqrtvar;
        }

        var dmu = new double[groups];
        for (int e = 0; e < x.Length; e++)
        {
            int g = group[e];
            double dxmu1 = dy[e] * data.Gamma[channel[e]] * ivar[g];
            double dxmu2 = 2 * xmu[e] * dvar[g] / m;
            Dx[e] = dxmu1 + dxmu2;
            dmu[g] -= Dx[e];
        }

        for (int e = 0; e < x.Length; e++)
        {
            Dx[e] += dmu[group[e]] / m;
        }

        if (!c.Kind.IsBatchNorm())
        {
            InferY = TrainY;
            return;
        }

        // Running statistics after one step from (0, 1), unbiased variance; with ghost batches, the batch values are
        // the means over ghost batches of their means and unbiased variances. Group g is (ghost batch g / Channels,
        // feature g % Channels). Inference with the given statistics.
        RunningMean = new double[c.Channels];
        RunningVariance = new double[c.Channels];
        var batchMean = new double[c.Channels];
        var batchVariance = new double[c.Channels];
        for (int g = 0; g < groups; g++)
        {
            batchMean[g % c.Channels] += mu[g] / GhostBatches;
            batchVariance[g % c.Channels] += variance[g] * m / (m - 1) / GhostBatches;
        }

        for (int j = 0; j < c.Channels; j++)
        {
            RunningMean[j] = (1 - Momentum) * batchMean[j];
            RunningVariance[j] = Momentum + (1 - Momentum) * batchVariance[j];
        }

        InferY = new double[x.Length];
        for (int e = 0; e < x.Length; e++)
        {
            int j = channel[e];
            double invStd = 1 / Math.Sqrt((double)data.RunningVariance[j] + Epsilon);
            InferY[e] = data.Gamma[j] * (x[e] - (double)data.RunningMean[j]) * invStd + data.Beta[j];
        }
    }

    private void ComputeRms(CaseData data)
    {
        BenchCase c = Case;
        float[] x = data.X;
        float[] dy = data.Dy;
        int rows = c.Batch;
        int d = c.Channels;

        // Forward: ms = mean(x^2), r = sqrt(ms + eps), ir = 1 / r, xhat = x * ir, out = gamma * xhat.
        var ir = new double[rows];
        var r = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            double ms = 0;
            for (int j = 0; j < d; j++)
            {
                double v = x[i * d + j];
                ms += v * v;
            }

            ms /= d;
            r[i] = Math.Sqrt(ms + Epsilon);
            ir[i] = 1 / r[i];
            for (int j = 0; j < d; j++)
            {
                TrainY[i * d + j] = data.Gamma[j] * (x[i * d + j] * ir[i]);
            }
        }

        // Backward: dxhat = dy * gamma; dir = sum(dxhat * x); dr = -dir / r^2; dms = dr / (2 r); dx = dxhat * ir + 2 x dms / d.
        for (int i = 0; i < rows; i++)
        {
            double dir = 0;
            for (int j = 0; j < d; j++)
            {
                int e = i * d + j;
                DGamma[j] += dy[e] * x[e] * ir[i];
                dir += dy[e] * data.Gamma[j] * x[e];
            }

            double dr = -dir / (r[i] * r[i]);
            double dms = 0.5 / r[i] * dr;
            for (int j = 0; j < d; j++)
            {
                int e = i * d + j;
                Dx[e] = dy[e] * data.Gamma[j] * ir[i] + 2 * x[e] / d * dms;
            }
        }

        InferY = TrainY;
    }
}
