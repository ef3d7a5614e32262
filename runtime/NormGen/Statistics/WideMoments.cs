using System;
using System.Numerics;

namespace NormGen.Statistics;

/// <summary>
/// One feature's statistics of a batch of shape (rows, features, spatial), computed in double with plain scalar
/// loops: the slow, exact path for float features whose squares leave float's normal range, and the search for the
/// value to name when a batch is rejected.
/// </summary>
internal static class WideMoments
{
    /// <summary>Two passes in double about the feature's first value: pivot, mean minus pivot, and M2.</summary>
    public static void Feature<T>(ReadOnlySpan<T> x, int rows, int features, int spatial, int feature, out double pivot, out double meanOffset, out double m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int sampleLength = features * spatial;
        int first = feature * spatial;
        pivot = double.CreateTruncating(x[first]);
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            foreach (T value in x.Slice((r * sampleLength) + first, spatial))
            {
                sum += double.CreateTruncating(value) - pivot;
            }
        }

        meanOffset = sum / ((double)rows * spatial);
        double squares = 0;
        for (int r = 0; r < rows; r++)
        {
            foreach (T value in x.Slice((r * sampleLength) + first, spatial))
            {
                double deviation = double.CreateTruncating(value) - pivot - meanOffset;
                squares += deviation * deviation;
            }
        }

        m2 = squares;
    }

    /// <summary>The index in x of the feature's first NaN or infinite value, or -1 when all its values are finite.</summary>
    public static int FirstNonFiniteIndex<T>(ReadOnlySpan<T> x, int rows, int features, int spatial, int feature)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int sampleLength = features * spatial;
        for (int r = 0; r < rows; r++)
        {
            int start = (r * sampleLength) + (feature * spatial);
            for (int i = start; i < start + spatial; i++)
            {
                if (!T.IsFinite(x[i]))
                {
                    return i;
                }
            }
        }

        return -1;
    }
}
