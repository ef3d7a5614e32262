using System;

namespace NormGen.Generated;

/// <summary>
/// Inference with running statistics on several threads: an element-wise pass, split into blocks of whole rows. The work
/// of a call lives in an object of the calling thread, not in the layer, so concurrent inference calls share nothing.
/// </summary>
public abstract partial class BatchNormCore<T>
{
    [ThreadStatic]
    private static InferenceRows? t_inferenceRows;

    /// <summary>
    /// <c>y = (x - center) * scale + shift</c> over the batch: on the calling thread, or in blocks of about
    /// <see cref="BlockElements"/> elements on up to MaxDegreeOfParallelism threads when the batch spans two blocks or
    /// more. Each row's result is the same either way.
    /// </summary>
    private unsafe void NormalizeRows(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> center, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift)
    {
        int rowsPerBlock = Math.Max(1, BlockElements / SampleLength);
        int batch = x.Length / SampleLength;
        int blocks = (batch + rowsPerBlock - 1) / rowsPerBlock;
        StreamMode streaming = Streams(batch);
        if (blocks < 2 || Degree == 1)
        {
            NormalizeStreamed(x, y, center, scale, shift, streaming);
            return;
        }

        InferenceRows work = t_inferenceRows ??= new InferenceRows();
        fixed (T* xPointer = x, yPointer = y, centerPointer = center, scalePointer = scale, shiftPointer = shift)
        {
            work.Begin(this, batch, rowsPerBlock, streaming, xPointer, yPointer, centerPointer, scalePointer, shiftPointer);
            try
            {
                ParallelBlocks.Run(work, blocks, Degree);
            }
            finally
            {
                work.End();
            }
        }
    }

    /// <summary>One inference call in progress: the layer, the row split and the caller's memory, pinned for the call.</summary>
    private sealed unsafe class InferenceRows : IBlockWork
    {
        private BatchNormCore<T>? _layer;
        private int _batch;
        private int _rowsPerBlock;
        private StreamMode _streaming;
        private T* _x;
        private T* _y;
        private T* _center;
        private T* _scale;
        private T* _shift;

        public void Begin(BatchNormCore<T> layer, int batch, int rowsPerBlock, StreamMode streaming, T* x, T* y, T* center, T* scale, T* shift)
        {
            _layer = layer;
            _batch = batch;
            _rowsPerBlock = rowsPerBlock;
            _streaming = streaming;
            _x = x;
            _y = y;
            _center = center;
            _scale = scale;
            _shift = shift;
        }

        public void End()
        {
            _layer = null;
            _x = _y = _center = _scale = _shift = null;
        }

        public void RunBlock(int block)
        {
            BatchNormCore<T> layer = _layer!;
            int first = block * _rowsPerBlock;
            int rows = Math.Min(_rowsPerBlock, _batch - first);
            long start = (long)first * layer.SampleLength;
            int length = rows * layer.SampleLength;
            int features = layer.FeatureCount;
            layer.NormalizeStreamed(
                new ReadOnlySpan<T>(_x + start, length),
                new Span<T>(_y + start, length),
                new ReadOnlySpan<T>(_center, features),
                new ReadOnlySpan<T>(_scale, features),
                new ReadOnlySpan<T>(_shift, features),
                _streaming);
        }
    }
}
