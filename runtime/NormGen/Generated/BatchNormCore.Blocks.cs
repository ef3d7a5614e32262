using System;

namespace NormGen.Generated;

/// <summary>
/// How a call's rows are split: into groups (one, or the ghost batches), and each group into fixed blocks of whole
/// statistics chunks, the unit of work a thread takes. The split depends on the batch and the layer, never on the
/// number of threads, and blocks are combined in order, so results are the same whatever MaxDegreeOfParallelism is.
/// </summary>
public abstract partial class BatchNormCore<T> : IBlockWork
{
    /// <summary>Elements a block aims at: enough work (about 256 KB of float) to be worth a thread.</summary>
    private const int BlockElements = 1 << 16;

    // The call in progress, for the blocks: its plan and phase, and the caller's spans, pinned for the call.
    private BlockPlan _plan;
    private Phase _phase;
    private unsafe T* _x;
    private unsafe T* _y;
    private unsafe T* _dy;

    // Per block: its statistics or backward sums in double (two per feature), and a chunk's in the element type.
    private double[] _blockSums = [];
    private T[] _blockChunk = [];

    // Per group: the scale and shift of the normalization, and Backward's two dx coefficients.
    private T[] _groupScale = [];
    private T[] _groupShift = [];
    private T[] _groupXCoefficient = [];
    private T[] _groupBias = [];

    /// <summary>What a block does in the current step of the call.</summary>
    private enum Phase
    {
        Statistics,
        Normalize,
        BackwardSums,
        BackwardInput,
    }

    /// <summary>The split of a batch into groups and blocks.</summary>
    /// <param name="Groups">Groups normalized separately: 1, or the ghost batches.</param>
    /// <param name="RowsPerGroup">Samples per group.</param>
    /// <param name="BlockRows">Samples per block: whole chunks, at most a group.</param>
    /// <param name="Streaming">How the call moves its data (see <see cref="LayerCore{T}.Streams"/>).</param>
    private readonly record struct BlockPlan(int Groups, int RowsPerGroup, int BlockRows, StreamMode Streaming)
    {
        public int BlocksPerGroup => (RowsPerGroup + BlockRows - 1) / BlockRows;

        public int Blocks => Groups * BlocksPerGroup;

        public int GroupOf(int block) => block / BlocksPerGroup;

        /// <summary>The first row of a block, counted in the batch, and the rows it holds.</summary>
        public (int Start, int Rows) RowsOf(int block)
        {
            int inGroup = block % BlocksPerGroup * BlockRows;
            return (GroupOf(block) * RowsPerGroup + inGroup, Math.Min(BlockRows, RowsPerGroup - inGroup));
        }

        /// <summary>The first row of a block counted in its group.</summary>
        public int StartInGroup(int block) => block % BlocksPerGroup * BlockRows;
    }

    /// <summary>The plan of a batch: its groups, and blocks of about <see cref="BlockElements"/> elements of whole chunks.</summary>
    private BlockPlan PlanOf(int batch, int groups)
    {
        int rowsPerGroup = batch / groups;
        int chunksPerBlock = Math.Max(1, BlockElements / (_rowsPerChunk * SampleLength));
        int blockRows = (int)Math.Min((long)chunksPerBlock * _rowsPerChunk, rowsPerGroup);
        return new BlockPlan(groups, rowsPerGroup, Math.Max(1, blockRows), Streams(batch));
    }

    /// <summary>Grows the per-block and per-group scratch to hold a plan; a batch seen before reuses it.</summary>
    private void EnsureScratch(BlockPlan plan)
    {
        int blocks = plan.Blocks * 2 * FeatureCount;
        if (_blockSums.Length < blocks)
        {
            _blockSums = new double[blocks];
            _blockChunk = new T[blocks];
        }

        int groups = plan.Groups * FeatureCount;
        if (_groupScale.Length < groups)
        {
            _groupScale = new T[groups];
            _groupShift = new T[groups];
            _groupXCoefficient = new T[groups];
            _groupBias = new T[groups];
        }
    }

    /// <summary>Runs one step of the call over every block, on up to MaxDegreeOfParallelism threads when it pays.</summary>
    private unsafe void RunBlocks(Phase phase, BlockPlan plan, ReadOnlySpan<T> x, ReadOnlySpan<T> second, ReadOnlySpan<T> third)
    {
        fixed (T* xPointer = x, secondPointer = second, thirdPointer = third)
        {
            _phase = phase;
            _plan = plan;
            _x = xPointer;
            _dy = secondPointer;
            _y = thirdPointer;
            try
            {
                // Threads pay only for blocks that are large and many: a small batch stays on the calling thread.
                bool worthThreads = plan.Blocks > 1 && (long)plan.RowsPerGroup * plan.Groups * SampleLength >= 2 * BlockElements;
                ParallelBlocks.Run(this, plan.Blocks, worthThreads ? Degree : 1);
            }
            finally
            {
                _x = null;
                _dy = null;
                _y = null;
            }
        }
    }

    /// <inheritdoc/>
    unsafe void IBlockWork.RunBlock(int block)
    {
        (int start, int rows) = _plan.RowsOf(block);
        int g = _plan.GroupOf(block);
        int length = rows * SampleLength;
        var x = new ReadOnlySpan<T>(_x + (long)start * SampleLength, length);
        Span<double> sums = _blockSums.AsSpan(block * 2 * FeatureCount, 2 * FeatureCount);
        Span<T> chunk = _blockChunk.AsSpan(block * 2 * FeatureCount, 2 * FeatureCount);
        switch (_phase)
        {
            case Phase.Statistics:
                BlockMoments(x, rows, OfGroup<T>(_groupPivot, g), sums, chunk, _plan.Streaming);
                break;
            case Phase.Normalize:
                NormalizeStreamed(x, new Span<T>(_y + (long)start * SampleLength, length), OfGroup<T>(_pivot, g), OfGroup<T>(_groupScale, g), OfGroup<T>(_groupShift, g), _plan.Streaming);
                break;
            case Phase.BackwardSums:
                BlockBackwardSums(x, new ReadOnlySpan<T>(_dy + (long)start * SampleLength, length), rows, g, sums, chunk, _plan.Streaming);
                break;
            case Phase.BackwardInput:
                BackwardInput(
                    x,
                    new ReadOnlySpan<T>(_dy + (long)start * SampleLength, length),
                    new Span<T>(_y + (long)start * SampleLength, length),
                    OfGroup<T>(_pivot, g),
                    OfGroup<T>(_groupScale, g),
                    OfGroup<T>(_groupShift, g),
                    OfGroup<T>(_groupScale, g),
                    OfGroup<T>(_groupXCoefficient, g),
                    OfGroup<T>(_groupBias, g),
                    _plan.Streaming);
                NonTemporal.FenceAfter(_plan.Streaming);
                break;
        }
    }

    /// <summary>A block's mean (relative to its group's pivot) and M2 in double: its chunks, merged in order.</summary>
    private void BlockMoments(ReadOnlySpan<T> x, int rows, ReadOnlySpan<T> pivot, Span<double> sums, Span<T> chunk, StreamMode streaming)
    {
        Span<double> mean = sums.Slice(0, FeatureCount);
        Span<double> m2 = sums.Slice(FeatureCount, FeatureCount);
        Span<T> chunkMean = chunk.Slice(0, FeatureCount);
        Span<T> chunkM2 = chunk.Slice(FeatureCount, FeatureCount);
        for (int start = 0; start < rows; start += _rowsPerChunk)
        {
            int chunkRows = Math.Min(_rowsPerChunk, rows - start);
            ChunkMoments(Rows(x, start, chunkRows), pivot, chunkMean, chunkM2, streaming);
            if (start == 0)
            {
                Moments.Start<T>(mean, m2, chunkMean, chunkM2);
            }
            else
            {
                Moments.Merge<T>(mean, m2, (long)start * SpatialLength, chunkMean, chunkM2, (long)chunkRows * SpatialLength);
            }
        }
    }

    /// <summary>A block's sums of dy and dy * (x - pivot) in double: its chunks, added in order.</summary>
    private void BlockBackwardSums(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, int rows, int g, Span<double> sums, Span<T> chunk, StreamMode streaming)
    {
        Span<double> sumDy = sums.Slice(0, FeatureCount);
        Span<double> sumDyCentered = sums.Slice(FeatureCount, FeatureCount);
        Span<T> chunkDy = chunk.Slice(0, FeatureCount);
        Span<T> chunkDyCentered = chunk.Slice(FeatureCount, FeatureCount);
        sums.Clear();
        for (int start = 0; start < rows; start += _rowsPerChunk)
        {
            int chunkRows = Math.Min(_rowsPerChunk, rows - start);
            BackwardSums(Rows(x, start, chunkRows), Rows(dy, start, chunkRows), OfGroup<T>(_pivot, g), OfGroup<T>(_groupScale, g), OfGroup<T>(_groupShift, g), chunkDy, chunkDyCentered, streaming);
            Moments.Add<T>(sumDy, chunkDy);
            Moments.Add<T>(sumDyCentered, chunkDyCentered);
        }
    }
}
