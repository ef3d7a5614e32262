using NormGen.Generator.Model;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Emitting;

/// <summary>
/// The O(batch * Features * Spatial) kernels of a spatial batch-norm layer (Spatial &gt; 1, NCHW input):
/// each (sample, channel) pair is a contiguous run of Spatial values sharing one channel's statistics,
/// handled by the runtime's <c>SegmentKernels</c> with the constant run length Spatial. The elementwise kernels walk x
/// in memory order (sample by sample, channel by channel), so the hardware prefetchers stream it; the statistics take
/// a chunk channel by channel, two passes over each run while it is in cache, and merge the runs with Chan's formula in
/// double, so x is read from memory once and no float sum covers more than one run.
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

    private string Relu => _spec.Activation == Activation.Relu ? "true" : "false";

    private string ReadOnlySpan => "ReadOnlySpan<" + _t + ">";

    private string Span => "Span<" + _t + ">";

    public void Write(SourceWriter w)
    {
        string zero = "(" + _t + ")0";
        string mask = _spec.Activation == Activation.Relu ? "scale[c], shift[c]" : zero + ", " + zero;
        string chunkMoments = ReadOnlySpan + " x, " + ReadOnlySpan + " pivot, " + Span + " mean, " + Span + " m2, StreamMode streaming)";
        StreamingCopies.Write(w, "protected override void ChunkMoments(" + chunkMoments, "ChunkMomentsRuns(x, pivot, mean, m2", writesOutput: false);
        w.Open("private void ChunkMomentsRuns(" + chunkMoments);
        w.Line("ref " + _t + " chunk = ref MemoryMarshal.GetReference(x);");
        w.Line("nint rows = x.Length / (Features * Spatial);");
        w.Line("// Per channel, each (sample, channel) run gets two passes while it is in cache, and the runs' moments are");
        w.Line("// merged in double with the Chan-Golub-LeVeque formula, so no float sum covers more than one run.");
        w.Open("for (int c = 0; c < Features; c++)");
        w.Line("double channelMean = 0, channelM2 = 0;");
        w.Open("for (nint n = 0; n < rows; n++)");
        w.Line(_t + " runM2 = SegmentKernels.Moments(ref Unsafe.Add(ref chunk, n * (Features * Spatial) + c * Spatial), Spatial, pivot[c], streaming, out " + _t + " runMean);");
        w.Line("// The new run's weight among the n + 1 merged so far, and Chan's factor Spatial * n / (n + 1) for delta^2.");
        w.Line("double weight = 1.0 / (n + 1);");
        w.Line("double delta = runMean - channelMean;");
        w.Line("channelMean += delta * weight;");
        w.Line("channelM2 += runM2 + delta * delta * (Spatial * n * weight);");
        w.Close();
        w.Line("mean[c] = (" + _t + ")channelMean;");
        w.Line("m2[c] = (" + _t + ")channelM2;");
        w.Close();
        w.Close();

        string normalize = ReadOnlySpan + " x, " + Span + " y, " + ReadOnlySpan + " center, " + ReadOnlySpan + " scale, " + ReadOnlySpan + " shift, StreamMode streaming)";
        StreamingCopies.Write(w, "protected override void Normalize(" + normalize, "NormalizeRuns(x, y, center, scale, shift", writesOutput: true);
        w.Open("private void NormalizeRuns(" + normalize);
        w.Line("ref " + _t + " xStart = ref MemoryMarshal.GetReference(x);");
        w.Line("ref " + _t + " yStart = ref MemoryMarshal.GetReference(y);");
        w.Line("nint rows = x.Length / (Features * Spatial);");
        w.Open("for (nint n = 0; n < rows; n++)");
        w.Open("for (int c = 0; c < Features; c++)");
        w.Line("nint start = n * (Features * Spatial) + c * Spatial;");
        w.Line("SegmentKernels.ScaleShift(ref Unsafe.Add(ref xStart, start), ref Unsafe.Add(ref yStart, start), Spatial, center[c], scale[c], shift[c], relu: " + Relu + ", streaming);");
        w.Close();
        w.Close();
        w.Close();

        string backwardSums = ReadOnlySpan + " x, " + ReadOnlySpan + " dy, " + ReadOnlySpan + " pivot, " + ReadOnlySpan + " scale, " + ReadOnlySpan + " shift, " + Span + " sumDy, " + Span + " sumDyCentered, StreamMode streaming)";
        StreamingCopies.Write(w, "protected override void BackwardSums(" + backwardSums, "BackwardSumsRuns(x, dy, pivot, scale, shift, sumDy, sumDyCentered", writesOutput: false);
        w.Open("private void BackwardSumsRuns(" + backwardSums);
        w.Line("ref " + _t + " xStart = ref MemoryMarshal.GetReference(x);");
        w.Line("ref " + _t + " dyStart = ref MemoryMarshal.GetReference(dy);");
        w.Line("nint rows = x.Length / (Features * Spatial);");
        w.Line("sumDy.Clear();");
        w.Line("sumDyCentered.Clear();");
        w.Line("// In memory order, so x and dy stream from memory; each run adds its two sums to its channel's.");
        w.Open("for (nint n = 0; n < rows; n++)");
        w.Open("for (int c = 0; c < Features; c++)");
        w.Line("nint start = n * (Features * Spatial) + c * Spatial;");
        w.Line("sumDy[c] += SegmentKernels.BackwardSums(ref Unsafe.Add(ref xStart, start), ref Unsafe.Add(ref dyStart, start), Spatial, pivot[c], " + Relu + ", " + mask + ", streaming, out " + _t + " centered);");
        w.Line("sumDyCentered[c] += centered;");
        w.Close();
        w.Close();
        w.Close();

        string backwardInput = ReadOnlySpan + " x, " + ReadOnlySpan + " dy, " + Span + " dx, " + ReadOnlySpan + " pivot, " + ReadOnlySpan + " scale, " + ReadOnlySpan + " shift,\n" +
            "    " + ReadOnlySpan + " dyCoefficient, " + ReadOnlySpan + " xCoefficient, " + ReadOnlySpan + " bias, StreamMode streaming)";
        StreamingCopies.Write(w, "protected override void BackwardInput(\n    " + backwardInput, "BackwardInputRuns(x, dy, dx, pivot, scale, shift, dyCoefficient, xCoefficient, bias", writesOutput: true);
        string[] backwardInputLines = ("private void BackwardInputRuns(\n    " + backwardInput).Split('\n');
        w.Line(backwardInputLines[0]);
        w.Line(backwardInputLines[1]);
        w.Open(backwardInputLines[2]);
        w.Line("ref " + _t + " xStart = ref MemoryMarshal.GetReference(x);");
        w.Line("ref " + _t + " dyStart = ref MemoryMarshal.GetReference(dy);");
        w.Line("ref " + _t + " dxStart = ref MemoryMarshal.GetReference(dx);");
        w.Line("nint rows = x.Length / (Features * Spatial);");
        w.Open("for (nint n = 0; n < rows; n++)");
        w.Open("for (int c = 0; c < Features; c++)");
        w.Line("nint start = n * (Features * Spatial) + c * Spatial;");
        w.Line("SegmentKernels.BackwardInput(");
        w.Line("    ref Unsafe.Add(ref xStart, start), ref Unsafe.Add(ref dyStart, start), ref Unsafe.Add(ref dxStart, start), Spatial, pivot[c], " + Relu + ", " + mask + ",");
        w.Line("    dyCoefficient[c], xCoefficient[c], bias[c], streaming);");
        w.Close();
        w.Close();
        w.Close();
    }
}
