using NormGen.Generator.Model;

namespace NormGen.Generator.Emitting;

/// <summary>
/// The O(batch * Features * Spatial) kernels of a spatial batch-norm layer (Spatial &gt; 1, NCHW input):
/// each (sample, channel) pair is a contiguous run of Spatial values sharing one channel's statistics,
/// handled by the runtime's <c>SegmentKernels</c> with the constant run length Spatial.
/// </summary>
internal sealed class BatchNormSpatialKernels
{
    private readonly BatchNormSpec _spec;
    private readonly string _t;

    public BatchNormSpatialKernels(BatchNormSpec spec)
    {
        _spec = spec;
        _t = Literals.TypeKeyword(spec.Element);
    }

    private string Relu => _spec.Activation == ActivationKind.Relu ? "true" : "false";

    public void Write(SourceWriter w)
    {
        string zero = "(" + _t + ")0";
        w.Line();
        w.Summary("Mean and M2 of x - pivot per channel over the samples of one chunk, into _chunkMean and _chunkM2.");
        w.Open("private void ChunkMoments(ref " + _t + " chunk, nint rows)");
        w.Line(_t + " inverseCount = (" + _t + ")1 / (rows * Spatial);");
        w.Open("for (int c = 0; c < Features; c++)");
        w.Line(_t + " sum = 0;");
        w.Open("for (nint n = 0; n < rows; n++)");
        w.Line("sum += SegmentKernels.SumOfDifferences(ref Unsafe.Add(ref chunk, n * (Features * Spatial) + c * Spatial), Spatial, _pivot[c]);");
        w.Close();
        w.Line(_t + " mean = sum * inverseCount;");
        w.Line(_t + " squares = 0;");
        w.Line("// Second pass over the chunk, which is still in cache.");
        w.Open("for (nint n = 0; n < rows; n++)");
        w.Line("squares += SegmentKernels.SumOfSquaredDeviations(ref Unsafe.Add(ref chunk, n * (Features * Spatial) + c * Spatial), Spatial, _pivot[c], mean);");
        w.Close();
        w.Line("_chunkMean[c] = mean;");
        w.Line("_chunkM2[c] = squares;");
        w.Close();
        w.Close();

        w.Line();
        w.Summary("y = " + (Relu == "true" ? "max(0, (x - center) * scale + shift)" : "(x - center) * scale + shift") + " per channel. y may be x itself.");
        w.Open("private static void Normalize(ref " + _t + " x, ref " + _t + " y, nint rows, " + _t + "[] center, " + _t + "[] scale, " + _t + "[] shift)");
        w.Open("for (nint n = 0; n < rows; n++)");
        w.Open("for (int c = 0; c < Features; c++)");
        w.Line("nint start = n * (Features * Spatial) + c * Spatial;");
        w.Line("SegmentKernels.ScaleShift(ref Unsafe.Add(ref x, start), ref Unsafe.Add(ref y, start), Spatial, center[c], scale[c], shift[c], relu: " + Relu + ");");
        w.Close();
        w.Close();
        w.Close();

        w.Line();
        w.Summary("Per channel, sum(dy) and sum(dy * (x - pivot)) (dy masked by a fused ReLU), into _sumDy and _sumDyCentered.");
        w.Open("private void BackwardSums(ref " + _t + " x, ref " + _t + " dy, nint rows)");
        w.Open("for (int c = 0; c < Features; c++)");
        w.Line(_t + " sumDy = " + zero + ", sumDyCentered = " + zero + ";");
        w.Open("for (nint n = 0; n < rows; n++)");
        w.Line("nint start = n * (Features * Spatial) + c * Spatial;");
        w.Line("sumDy += SegmentKernels.BackwardSums(ref Unsafe.Add(ref x, start), ref Unsafe.Add(ref dy, start), Spatial, _pivot[c], " + Relu + ", _scale[c], _shift[c], out " + _t + " centered);");
        w.Line("sumDyCentered += centered;");
        w.Close();
        w.Line("_sumDy[c] = sumDy;");
        w.Line("_sumDyCentered[c] = sumDyCentered;");
        w.Close();
        w.Close();

        w.Line();
        w.Summary("dx = dyCoefficient * dy + xCoefficient * (x - pivot) + bias per channel. dx may be dy itself.");
        w.Open("private void BackwardInput(ref " + _t + " x, ref " + _t + " dy, ref " + _t + " dx, nint rows)");
        w.Open("for (nint n = 0; n < rows; n++)");
        w.Open("for (int c = 0; c < Features; c++)");
        w.Line("nint start = n * (Features * Spatial) + c * Spatial;");
        w.Line("SegmentKernels.BackwardInput(ref Unsafe.Add(ref x, start), ref Unsafe.Add(ref dy, start), ref Unsafe.Add(ref dx, start), Spatial, _pivot[c], " + Relu + ", _scale[c], _shift[c], _dyCoefficient[c], _xCoefficient[c], _bias[c]);");
        w.Close();
        w.Close();
        w.Close();
    }
}
