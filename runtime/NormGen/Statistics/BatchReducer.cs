using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NormGen.Statistics;

/// <summary>
/// Reduces a batch of shape (rows, features, spatial) to per-feature count, mean and M2 in a
/// <see cref="MomentAccumulator"/>: cache-sized chunks reduced two-pass in <typeparamref name="T"/> about the chunk's
/// first values, chunks merged in double. The vectorized loops <see cref="FeatureMoments{T}"/> runs.
/// </summary>
/// <remarks>
/// <para>
/// Two layouts. With one value per feature per sample (or fewer than a vector of them), chunks are blocks of
/// <see cref="MinRowsPerChunk"/> to <see cref="MaxRowsPerChunk"/> rows reduced column by column (<see cref="ColumnMoments"/>); rows narrower than a
/// few vectors are viewed as "super-rows" of several rows whose width is a multiple of the vector width, and the
/// columns of one feature are folded together in double. With a spatial run of at least a vector per feature,
/// chunks are a few samples' runs of one feature (<see cref="RunMoments"/>).
/// </para>
/// <para>
/// Float results that the fast path cannot represent (squares of deviations, or their short float sums, beyond
/// float's range, or near its subnormal range: a variance below <see cref="TinyFloatVariance"/>) are recomputed for that
/// feature in double from the data; what is still not finite then comes from NaN or infinity in the data.
/// </para>
/// </remarks>
internal sealed class BatchReducer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Fewest rows per column chunk. Accuracy does not depend on chunk size (the kernels widen short float sums to
    /// double); it trades the per-chunk merge, O(columns) in double, against cache. Wide rows get this many rows
    /// (a column block of four vectors is then 8 KiB); narrow rows get up to <see cref="ColumnChunkBytes"/>.
    /// </summary>
    public const int MinRowsPerChunk = 64;

    /// <summary>Bytes of x per column chunk when rows are narrow: the second pass reads them from L1 or L2.</summary>
    public const int ColumnChunkBytes = 64 * 1024;

    /// <summary>Most rows per column chunk (narrow rows): enough that the merge costs nothing.</summary>
    public const int MaxRowsPerChunk = 4096;

    /// <summary>Values per run chunk (8 KiB of float): a few samples' runs of one feature, or a piece of one long run.</summary>
    public const int MaxRunChunkLength = 2048;

    /// <summary>Rows narrower than this many vectors, and not a multiple of the vector width, are grouped into super-rows.</summary>
    private const int SuperRowVectors = 8;

    /// <summary>
    /// Below this variance (2^-100) float squares of small deviations approach float's subnormal range, so the feature
    /// is recomputed in double (constant features, with M2 and mean offset exactly 0, are exact and are not).
    /// </summary>
    public static readonly double TinyFloatVariance = Math.ScaleB(1.0, -100);

    private readonly int _features;

    // Per feature: a chunk's pivot, and (run layout) its mean and M2.
    private readonly T[] _pivot;

    // Per column of a chunk (at least per feature): mean and M2 from ColumnMoments, or per feature from RunMoments.
    private T[] _columnMean;
    private double[] _columnM2;

    // Per feature, columns folded in double (super-rows and spatial column chunks only; allocated on first use).
    private double[]? _foldMean;
    private double[]? _foldM2;

    /// <summary>Creates a reducer for batches of <paramref name="features"/> features.</summary>
    public BatchReducer(int features)
    {
        _features = features;
        _pivot = new T[features];
        _columnMean = new T[features];
        _columnM2 = new double[features];
    }

    /// <summary>
    /// Restarts <paramref name="destination"/> and fills it with the statistics of x, shape (rows, features, spatial).
    /// Returns -1, or the first feature whose statistics are not finite (NaN or infinity in its values, or for double
    /// an M2 beyond double's range); then <paramref name="destination"/> holds partial results.
    /// </summary>
    /// <param name="x">The batch: exactly rows * features * spatial values.</param>
    /// <param name="rows">Samples; at least 1.</param>
    /// <param name="spatial">Values per feature per sample; at least 1.</param>
    /// <param name="destination">Receives the statistics (cleared first).</param>
    public int Reduce(ReadOnlySpan<T> x, int rows, int spatial, MomentAccumulator destination)
    {
        destination.Restart();
        int lanes = Vector.IsHardwareAccelerated ? Vector<T>.Count : 1;
        if (spatial > 1 && spatial >= lanes)
        {
            ReduceRuns(x, rows, spatial, destination);
        }
        else
        {
            ReduceColumns(x, rows, spatial, lanes, destination);
        }

        return Repair(x, rows, spatial, destination);
    }

    /// <summary>Column chunks of (super-)rows, about <see cref="ColumnChunkBytes"/> each or <see cref="MinRowsPerChunk"/> rows.</summary>
    private void ReduceColumns(ReadOnlySpan<T> x, int rows, int spatial, int lanes, MomentAccumulator destination)
    {
        int width = _features * spatial;
        int group = 1;
        if (width % lanes != 0 && width < SuperRowVectors * lanes)
        {
            // The smallest number of rows whose total width is a multiple of the vector width (lanes is a power of 2).
            group = lanes / Math.Min(lanes, width & -width);
        }

        int superWidth = group * width;
        EnsureColumns(superWidth);
        ref T start = ref MemoryMarshal.GetReference(x);
        int superRows = rows / group;
        int rowsPerChunk = (int)Math.Clamp(ColumnChunkBytes / ((long)superWidth * Unsafe.SizeOf<T>()), MinRowsPerChunk, MaxRowsPerChunk);
        for (int r = 0; r < superRows; r += rowsPerChunk)
        {
            int count = Math.Min(rowsPerChunk, superRows - r);
            ref T chunk = ref Unsafe.Add(ref start, (nint)r * superWidth);
            ColumnMoments.Compute(ref chunk, superWidth, count, superWidth, ref chunk, ref _columnMean[0], ref _columnM2[0]);
            MergeColumns(MemoryMarshal.CreateReadOnlySpan(ref chunk, superWidth), count, group, spatial, destination);
        }

        int leftover = rows - (superRows * group);
        if (leftover > 0)
        {
            ref T chunk = ref Unsafe.Add(ref start, (nint)superRows * superWidth);
            ColumnMoments.Compute(ref chunk, width, leftover, width, ref chunk, ref _columnMean[0], ref _columnM2[0]);
            MergeColumns(MemoryMarshal.CreateReadOnlySpan(ref chunk, width), leftover, 1, spatial, destination);
        }
    }

    /// <summary>
    /// Merges one column chunk: directly when every column is one feature, else after folding the group * spatial
    /// columns of each feature (each with its own pivot, all with <paramref name="rows"/> values) in double.
    /// </summary>
    private void MergeColumns(ReadOnlySpan<T> pivotRow, int rows, int group, int spatial, MomentAccumulator destination)
    {
        if (group == 1 && spatial == 1)
        {
            destination.MergeChunk<T>(rows, pivotRow, _columnMean, _columnM2);
            return;
        }

        double[] foldMean = _foldMean ??= new double[_features];
        double[] foldM2 = _foldM2 ??= new double[_features];
        int width = _features * spatial;
        int columnsPerFeature = group * spatial;
        for (int f = 0; f < _features; f++)
        {
            _pivot[f] = pivotRow[f * spatial];
            double pivot = double.CreateTruncating(_pivot[f]);
            double sumOffsets = 0, sumM2 = 0;
            for (int k = 0; k < group; k++)
            {
                for (int j = k * width + f * spatial, end = j + spatial; j < end; j++)
                {
                    sumOffsets += (double.CreateTruncating(pivotRow[j]) - pivot) + double.CreateTruncating(_columnMean[j]);
                    sumM2 += _columnM2[j];
                }
            }

            double mean = sumOffsets / columnsPerFeature;
            double between = 0;
            for (int k = 0; k < group; k++)
            {
                for (int j = k * width + f * spatial, end = j + spatial; j < end; j++)
                {
                    double delta = (double.CreateTruncating(pivotRow[j]) - pivot) + double.CreateTruncating(_columnMean[j]) - mean;
                    between += delta * delta;
                }
            }

            foldMean[f] = mean;
            foldM2[f] = sumM2 + (between * rows);
        }

        destination.MergeFoldedChunk<T>((long)rows * columnsPerFeature, _pivot, foldMean, foldM2);
    }

    /// <summary>Run chunks: a few samples' runs of each feature, or pieces of one run when a run is long.</summary>
    private void ReduceRuns(ReadOnlySpan<T> x, int rows, int spatial, MomentAccumulator destination)
    {
        int runsPerChunk = Math.Max(1, MaxRunChunkLength / spatial);
        int pieces = (spatial + MaxRunChunkLength - 1) / MaxRunChunkLength;
        int sampleLength = _features * spatial;
        ref T start = ref MemoryMarshal.GetReference(x);
        for (int r = 0; r < rows; r += runsPerChunk)
        {
            int runs = Math.Min(runsPerChunk, rows - r);
            for (int piece = 0; piece < pieces; piece++)
            {
                // Balanced pieces of a long run: each holds at least half of MaxRunChunkLength values.
                int from = (int)((long)piece * spatial / pieces);
                int length = (int)((long)(piece + 1) * spatial / pieces) - from;
                ref T first = ref Unsafe.Add(ref start, ((nint)r * sampleLength) + from);
                for (int f = 0; f < _features; f++)
                {
                    ref T run = ref Unsafe.Add(ref first, (nint)f * spatial);
                    _pivot[f] = run;
                    RunMoments.Compute(ref run, sampleLength, runs, length, run, out _columnMean[f], out _columnM2[f]);
                }

                destination.MergeChunk<T>((long)runs * length, _pivot, _columnMean, _columnM2);
            }
        }
    }

    /// <summary>
    /// Recomputes in double, from the data, every float feature the fast path could not represent; returns the first
    /// feature that is still not finite (NaN or infinity in the data; for double, also an M2 beyond double's range), or -1.
    /// </summary>
    private int Repair(ReadOnlySpan<T> x, int rows, int spatial, MomentAccumulator destination)
    {
        bool isFloat = typeof(T) == typeof(float);
        double tiny = isFloat ? destination.Count * TinyFloatVariance : 0;
        for (int f = NextSuspect(destination, tiny, 0); f < _features; f = NextSuspect(destination, tiny, f + 1))
        {
            if (!isFloat)
            {
                return f;
            }

            WideMoments.Feature(x, rows, _features, spatial, f, out double pivot, out double offset, out double m2);
            if (!double.IsFinite(offset) || !double.IsFinite(m2))
            {
                return f;
            }

            destination.SetFeature(f, pivot, offset, m2);
        }

        return -1;
    }

    /// <summary>
    /// The first feature from <paramref name="start"/> on whose mean offset or M2 is not finite, or whose M2 is below
    /// <paramref name="tiny"/> without being exactly 0 with a zero offset (a constant feature); Features if none.
    /// </summary>
    private int NextSuspect(MomentAccumulator accumulator, double tiny, int start)
    {
        ReadOnlySpan<double> offsets = accumulator.MeanOffset, m2s = accumulator.M2;
        int f = start;
        if (Vector.IsHardwareAccelerated)
        {
            // value * 0 is 0 for finite values and NaN otherwise; NaN is the one value unequal to itself.
            var tinyVector = new Vector<double>(tiny);
            for (; f <= _features - Vector<double>.Count; f += Vector<double>.Count)
            {
                var offset = new Vector<double>(offsets.Slice(f));
                var m2 = new Vector<double>(m2s.Slice(f));
                var probe = (offset * Vector<double>.Zero) + (m2 * Vector<double>.Zero);
                if (!Vector.EqualsAll(probe, probe) || Vector.LessThanAny(m2, tinyVector))
                {
                    break;
                }
            }
        }

        for (; f < _features; f++)
        {
            double offset = offsets[f], m2 = m2s[f];
            if (!double.IsFinite(offset) || !double.IsFinite(m2) || (m2 < tiny && (m2 != 0 || offset != 0)))
            {
                return f;
            }
        }

        return _features;
    }

    private void EnsureColumns(int columns)
    {
        if (_columnMean.Length < columns)
        {
            _columnMean = new T[columns];
            _columnM2 = new double[columns];
        }
    }
}
