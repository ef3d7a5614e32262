using System;
using System.Numerics;

namespace NormGen.Tests.Collection;

/// <summary>
/// Reference mean and M2 per feature computed in double-double arithmetic (about 106 bits), so they are exact to well
/// below double's own rounding: the truth a double FeatureMoments is checked against at 1e-12, and a float one at 1e-6.
/// </summary>
/// <remarks>
/// Two passes, as a textbook would: the sum in double-double (Knuth's TwoSum), the mean as a double-double quotient,
/// then the sum of squared deviations with each square split exactly by a fused multiply-add (TwoProduct). Written
/// independently of the runtime: no pivots, no chunks, no Chan-Golub-LeVeque merge.
/// </remarks>
internal static class ExactReference
{
    /// <summary>Mean and M2 of feature <paramref name="feature"/> of x with shape (rows, features, spatial).</summary>
    public static (double Mean, double M2) Of<T>(ReadOnlySpan<T> x, int features, int spatial, int feature)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int sampleLength = features * spatial;
        int rows = x.Length / sampleLength;
        double count = (double)rows * spatial;

        double sumHigh = 0, sumLow = 0;
        for (int r = 0; r < rows; r++)
        {
            for (int s = 0; s < spatial; s++)
            {
                Add(ref sumHigh, ref sumLow, double.CreateTruncating(x[(r * sampleLength) + (feature * spatial) + s]), 0);
            }
        }

        // mean = sum / count in double-double: the quotient's high part, then the remainder (exact by FMA) over count.
        double meanHigh = sumHigh / count;
        double remainder = Math.FusedMultiplyAdd(-meanHigh, count, sumHigh) + sumLow;
        double meanLow = remainder / count;

        double m2High = 0, m2Low = 0;
        for (int r = 0; r < rows; r++)
        {
            for (int s = 0; s < spatial; s++)
            {
                double value = double.CreateTruncating(x[(r * sampleLength) + (feature * spatial) + s]);
                (double difference, double error) = TwoSum(value, -meanHigh);
                double deviation = difference + (error - meanLow);
                double square = deviation * deviation;
                Add(ref m2High, ref m2Low, square, Math.FusedMultiplyAdd(deviation, deviation, -square));
            }
        }

        return (meanHigh + meanLow, m2High + m2Low);
    }

    /// <summary>(high, low) += (value, valueLow), renormalized.</summary>
    private static void Add(ref double high, ref double low, double value, double valueLow)
    {
        (double sum, double error) = TwoSum(high, value);
        error += low + valueLow;
        high = sum + error;
        low = error - (high - sum);
    }

    /// <summary>a + b = sum + error exactly (Knuth).</summary>
    private static (double Sum, double Error) TwoSum(double a, double b)
    {
        double sum = a + b;
        double bVirtual = sum - a;
        double aVirtual = sum - bVirtual;
        return (sum, (a - aVirtual) + (b - bVirtual));
    }
}
