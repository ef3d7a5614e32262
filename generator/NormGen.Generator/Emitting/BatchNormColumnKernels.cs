using System.Collections.Generic;
using NormGen.Generator.Model;

namespace NormGen.Generator.Emitting;

/// <summary>
/// The O(batch * Features) kernels of a batch-norm layer with Spatial = 1: every row of x is Features
/// contiguous values, one per feature, so each vector lane is one feature and reductions over the batch are
/// plain vector adds (no horizontal sums). Each kernel is emitted once per vector width that fits in a row,
/// plus a scalar version, behind a dispatcher on IsHardwareAccelerated (a JIT-time constant).
/// </summary>
internal sealed class BatchNormColumnKernels
{
    private readonly BatchNormSpec _spec;
    private readonly string _t;
    private readonly List<VectorPlan> _plans;

    public BatchNormColumnKernels(BatchNormSpec spec)
    {
        _spec = spec;
        _t = Literals.TypeKeyword(spec.Element);
        _plans = VectorPlan.For(spec.Features, spec.Element);
    }

    private bool Relu => _spec.Activation == ActivationKind.Relu;

    public void Write(SourceWriter w)
    {
        WriteDispatcher(w, "ChunkMoments", "ref " + _t + " chunk, nint rows", "ref chunk, rows",
            "Mean and M2 of x - pivot per feature over the rows of one chunk, into _chunkMean and _chunkM2.");
        WriteDispatcher(w, "Normalize", "ref " + _t + " x, ref " + _t + " y, nint rows, " + _t + "[] center, " + _t + "[] scale, " + _t + "[] shift",
            "ref x, ref y, rows, center, scale, shift",
            Relu ? "y = max(0, (x - center) * scale + shift), per feature. y may be x itself." : "y = (x - center) * scale + shift, per feature. y may be x itself.");
        WriteDispatcher(w, "BackwardSums", "ref " + _t + " x, ref " + _t + " dy, nint rows", "ref x, ref dy, rows",
            Relu ? "Per feature, sum(dy') and sum(dy' * (x - pivot)), where dy' is dy masked by the ReLU, into _sumDy and _sumDyCentered."
                 : "Per feature, sum(dy) and sum(dy * (x - pivot)), into _sumDy and _sumDyCentered.");
        WriteDispatcher(w, "BackwardInput", "ref " + _t + " x, ref " + _t + " dy, ref " + _t + " dx, nint rows", "ref x, ref dy, ref dx, rows",
            "dx = dyCoefficient * dy + xCoefficient * (x - pivot) + bias, per feature. dx may be dy itself.");

        foreach (VectorPlan plan in _plans)
        {
            WriteChunkMoments(w, plan);
            WriteNormalize(w, plan);
            WriteBackwardSums(w, plan);
            WriteBackwardInput(w, plan);
        }

        WriteScalarKernels(w);
    }

    private void WriteDispatcher(SourceWriter w, string name, string parameters, string arguments, string summary)
    {
        string modifiers = name == "Normalize" ? "private static void " : "private void ";
        w.Line();
        w.Summary(summary);
        w.Open(modifiers + name + "(" + parameters + ")");
        string keyword = "if";
        foreach (VectorPlan plan in _plans)
        {
            w.Open(keyword + " (" + plan.Vector + ".IsHardwareAccelerated)");
            w.Line(name + Literals.Int(plan.Bits) + "(" + arguments + ");");
            w.Close();
            keyword = "else if";
        }

        if (_plans.Count == 0)
        {
            w.Line(name + "Scalar(" + arguments + ");");
        }
        else
        {
            w.Open("else");
            w.Line(name + "Scalar(" + arguments + ");");
            w.Close();
        }

        w.Close();
    }

    private string RowRef(string row, string source) => "ref " + _t + " " + row + " = ref Unsafe.Add(ref " + source + ", r * Features);";

    private string ArrayRef(string local, string field) => "ref " + _t + " " + local + " = ref MemoryMarshal.GetArrayDataReference(" + field + ");";

    /// <summary>
    /// The vectors one register group covers: every vector of an unrolled plan (literal offsets), or
    /// <see cref="VectorPlan.GroupVectors"/> vectors at <c>f</c>, <c>f + lanes</c>, ... inside a loop over feature groups.
    /// </summary>
    private static List<(string Suffix, string Offset)> GroupBlocks(VectorPlan p)
    {
        var blocks = new List<(string Suffix, string Offset)>();
        for (int i = 0; i < p.GroupVectors; i++)
        {
            blocks.Add((Literals.Int(i), i == 0 ? "f" : "f + " + Literals.Int(i * p.Lanes)));
        }

        return blocks;
    }

    private static List<(string Suffix, string Offset)> Literal(IEnumerable<(string Suffix, int Offset)> blocks)
    {
        var list = new List<(string Suffix, string Offset)>();
        foreach ((string suffix, int offset) in blocks)
        {
            list.Add((suffix, Literals.Int(offset)));
        }

        return list;
    }

    private string GroupLoop(VectorPlan p) =>
        "for (nuint f = 0; f < " + Literals.Int(p.LoopEnd) + "; f += " + Literals.Int(p.GroupVectors * p.Lanes) + ")";

    private void WriteChunkMoments(SourceWriter w, VectorPlan p)
    {
        w.Line();
        w.Summary("<see cref=\"ChunkMoments\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector + ", accumulators in registers.");
        w.Open("private void ChunkMoments" + Literals.Int(p.Bits) + "(ref " + _t + " chunk, nint rows)");
        w.Line(ArrayRef("pivot", "_pivot"));
        w.Line(ArrayRef("mean", "_chunkMean"));
        w.Line(ArrayRef("squares", "_chunkM2"));
        w.Line("var inverseRows = " + p.Vector + ".Create((" + _t + ")1 / rows);");
        if (p.Unrolled)
        {
            WriteMomentsGroup(w, p, Literal(p.AllBlocks));
            w.Close();
            return;
        }

        w.Line();
        w.Line("// " + Literals.Int(p.GroupVectors) + " vectors at a time walk down the chunk (which stays in cache), their sums in registers.");
        w.Open(GroupLoop(p));
        WriteMomentsGroup(w, p, GroupBlocks(p));
        w.Close();
        if (p.HasTail)
        {
            w.Line();
            w.Line("// The overlapping last vector, stored after the groups: shared lanes get the same values again.");
            WriteMomentsGroup(w, p, Literal(new[] { ("Tail", p.TailOffset) }));
        }

        w.Close();
    }

    /// <summary>Both passes over the chunk's rows for one group of vectors, then the stores.</summary>
    private void WriteMomentsGroup(SourceWriter w, VectorPlan p, List<(string Suffix, string Offset)> blocks)
    {
        w.Line("// Pass 1: sums of x - pivot.");
        foreach ((string k, string _) in blocks)
        {
            w.Line("var sum" + k + " = " + p.Zero + ";");
        }

        w.Open("for (nint r = 0; r < rows; r++)");
        w.Line(RowRef("row", "chunk"));
        foreach ((string k, string offset) in blocks)
        {
            w.Line("sum" + k + " += " + p.Load("row", offset) + " - " + p.Load("pivot", offset) + ";");
        }

        w.Close();
        w.Line();
        w.Line("// Pass 2: squared deviations from the chunk mean; the chunk is still in cache.");
        foreach ((string k, string _) in blocks)
        {
            w.Line("var mean" + k + " = sum" + k + " * inverseRows;");
            w.Line("var squares" + k + " = " + p.Zero + ";");
        }

        w.Open("for (nint r = 0; r < rows; r++)");
        w.Line(RowRef("row", "chunk"));
        foreach ((string k, string offset) in blocks)
        {
            w.Line("var deviation" + k + " = " + p.Load("row", offset) + " - " + p.Load("pivot", offset) + " - mean" + k + ";");
            w.Line("squares" + k + " += deviation" + k + " * deviation" + k + ";");
        }

        w.Close();
        w.Line();
        foreach ((string k, string offset) in blocks)
        {
            w.Line("mean" + k + ".StoreUnsafe(ref mean, " + offset + ");");
            w.Line("squares" + k + ".StoreUnsafe(ref squares, " + offset + ");");
        }
    }

    private string Activate(VectorPlan p, string value) => Relu ? p.Vector + ".Max(" + value + ", " + p.Zero + ")" : value;

    private void WriteNormalize(SourceWriter w, VectorPlan p)
    {
        w.Line();
        w.Summary("<see cref=\"Normalize\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector + ".");
        w.Open("private static void Normalize" + Literals.Int(p.Bits) + "(ref " + _t + " x, ref " + _t + " y, nint rows, " + _t + "[] center, " + _t + "[] scale, " + _t + "[] shift)");
        w.Line(ArrayRef("c", "center"));
        w.Line(ArrayRef("s", "scale"));
        w.Line(ArrayRef("b", "shift"));
        w.Open("for (nint r = 0; r < rows; r++)");
        w.Line(RowRef("xRow", "x"));
        w.Line(RowRef("yRow", "y"));
        string Value(string offset) => Activate(p, "(" + p.Load("xRow", offset) + " - " + p.Load("c", offset) + ") * " + p.Load("s", offset) + " + " + p.Load("b", offset));
        string tail = Literals.Int(p.TailOffset);
        if (p.HasTail)
        {
            w.Line("// The overlapping last vector is read before any store, so y may be x itself.");
            w.Line("var yTail = " + Value(tail) + ";");
        }

        if (p.Unrolled)
        {
            foreach ((string _, int offset) in p.FullBlocks)
            {
                w.Line("(" + Value(Literals.Int(offset)) + ").StoreUnsafe(ref yRow, " + Literals.Int(offset) + ");");
            }
        }
        else
        {
            w.Open("for (nuint f = 0; f < " + Literals.Int(p.LoopEnd) + "; f += " + Literals.Int(p.Lanes) + ")");
            w.Line("(" + Value("f") + ").StoreUnsafe(ref yRow, f);");
            w.Close();
        }

        if (p.HasTail)
        {
            w.Line("yTail.StoreUnsafe(ref yRow, " + tail + ");");
        }

        w.Close();
        w.Close();
    }

    /// <summary>Lines that compute centered{k} = x - pivot and dy{k}, masked by the ReLU where fused.</summary>
    private void WriteCenteredAndDy(SourceWriter w, VectorPlan p, string k, string offset)
    {
        w.Line("var centered" + k + " = " + p.Load("xRow", offset) + " - " + p.Load("pivot", offset) + ";");
        if (Relu)
        {
            w.Line("var dy" + k + " = " + p.Load("dyRow", offset) + " & " + p.Vector + ".GreaterThan(centered" + k + " * " + p.Load("s", offset) + " + " + p.Load("b", offset) + ", " + p.Zero + ");");
        }
        else
        {
            w.Line("var dy" + k + " = " + p.Load("dyRow", offset) + ";");
        }
    }

    private void WriteBackwardSums(SourceWriter w, VectorPlan p)
    {
        w.Line();
        w.Summary("<see cref=\"BackwardSums\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector + ", accumulators in registers.");
        w.Open("private void BackwardSums" + Literals.Int(p.Bits) + "(ref " + _t + " x, ref " + _t + " dy, nint rows)");
        w.Line(ArrayRef("pivot", "_pivot"));
        if (Relu)
        {
            w.Line(ArrayRef("s", "_scale"));
            w.Line(ArrayRef("b", "_shift"));
        }

        w.Line(ArrayRef("sumDy", "_sumDy"));
        w.Line(ArrayRef("sumDyCentered", "_sumDyCentered"));
        if (p.Unrolled)
        {
            List<(string Suffix, string Offset)> all = Literal(p.AllBlocks);
            DeclareSums(w, p, all);
            WriteSumsOverRows(w, p, all, "rows", "x", "dy");
            StoreSums(w, p, all);
            w.Close();
            return;
        }

        List<(string Suffix, string Offset)> tail = Literal(new[] { ("Tail", p.TailOffset) });
        w.Line("_sumDy.AsSpan().Clear();");
        w.Line("_sumDyCentered.AsSpan().Clear();");
        if (p.HasTail)
        {
            DeclareSums(w, p, tail);
        }

        w.Line();
        w.Line("// Chunks of rows stay in cache while " + Literals.Int(p.GroupVectors) + " vectors at a time walk down them, their sums in registers.");
        w.Open("for (nint start = 0; start < rows; start += RowsPerChunk)");
        w.Line("nint count = Math.Min(RowsPerChunk, rows - start);");
        w.Line("ref " + _t + " xChunk = ref Unsafe.Add(ref x, start * Features);");
        w.Line("ref " + _t + " dyChunk = ref Unsafe.Add(ref dy, start * Features);");
        w.Open(GroupLoop(p));
        List<(string Suffix, string Offset)> group = GroupBlocks(p);
        foreach ((string k, string offset) in group)
        {
            w.Line("var sumDy" + k + " = " + p.Load("sumDy", offset) + ";");
            w.Line("var sumDyCentered" + k + " = " + p.Load("sumDyCentered", offset) + ";");
        }

        WriteSumsOverRows(w, p, group, "count", "xChunk", "dyChunk");
        StoreSums(w, p, group);
        w.Close();
        if (p.HasTail)
        {
            w.Line();
            w.Line("// The overlapping last vector keeps its own sums in registers across chunks; stored last.");
            WriteSumsOverRows(w, p, tail, "count", "xChunk", "dyChunk");
        }

        w.Close();
        if (p.HasTail)
        {
            StoreSums(w, p, tail);
        }

        w.Close();
    }

    private void DeclareSums(SourceWriter w, VectorPlan p, List<(string Suffix, string Offset)> blocks)
    {
        foreach ((string k, string _) in blocks)
        {
            w.Line("var sumDy" + k + " = " + p.Zero + ";");
            w.Line("var sumDyCentered" + k + " = " + p.Zero + ";");
        }
    }

    private void WriteSumsOverRows(SourceWriter w, VectorPlan p, List<(string Suffix, string Offset)> blocks, string rows, string x, string dy)
    {
        w.Open("for (nint r = 0; r < " + rows + "; r++)");
        w.Line(RowRef("xRow", x));
        w.Line(RowRef("dyRow", dy));
        foreach ((string k, string offset) in blocks)
        {
            WriteCenteredAndDy(w, p, k, offset);
            w.Line("sumDy" + k + " += dy" + k + ";");
            w.Line("sumDyCentered" + k + " += dy" + k + " * centered" + k + ";");
        }

        w.Close();
    }

    private static void StoreSums(SourceWriter w, VectorPlan p, List<(string Suffix, string Offset)> blocks)
    {
        foreach ((string k, string offset) in blocks)
        {
            w.Line("sumDy" + k + ".StoreUnsafe(ref sumDy, " + offset + ");");
            w.Line("sumDyCentered" + k + ".StoreUnsafe(ref sumDyCentered, " + offset + ");");
        }
    }

    private void WriteBackwardInput(SourceWriter w, VectorPlan p)
    {
        w.Line();
        w.Summary("<see cref=\"BackwardInput\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector + ".");
        w.Open("private void BackwardInput" + Literals.Int(p.Bits) + "(ref " + _t + " x, ref " + _t + " dy, ref " + _t + " dx, nint rows)");
        w.Line(ArrayRef("pivot", "_pivot"));
        if (Relu)
        {
            w.Line(ArrayRef("s", "_scale"));
            w.Line(ArrayRef("b", "_shift"));
        }

        w.Line(ArrayRef("a", "_dyCoefficient"));
        w.Line(ArrayRef("k", "_xCoefficient"));
        w.Line(ArrayRef("c", "_bias"));
        w.Open("for (nint r = 0; r < rows; r++)");
        w.Line(RowRef("xRow", "x"));
        w.Line(RowRef("dyRow", "dy"));
        w.Line(RowRef("dxRow", "dx"));
        string Dx(string k, string offset) => p.Load("a", offset) + " * dy" + k + " + " + p.Load("k", offset) + " * centered" + k + " + " + p.Load("c", offset);
        string tail = Literals.Int(p.TailOffset);
        if (p.HasTail)
        {
            w.Line("// The overlapping last vector is read before any store, so dx may be dy itself.");
            WriteCenteredAndDy(w, p, "Tail", tail);
            w.Line("var dxTail = " + Dx("Tail", tail) + ";");
        }

        if (p.Unrolled)
        {
            foreach ((string k, int offset) in p.FullBlocks)
            {
                WriteCenteredAndDy(w, p, k, Literals.Int(offset));
                w.Line("(" + Dx(k, Literals.Int(offset)) + ").StoreUnsafe(ref dxRow, " + Literals.Int(offset) + ");");
            }
        }
        else
        {
            w.Open("for (nuint f = 0; f < " + Literals.Int(p.LoopEnd) + "; f += " + Literals.Int(p.Lanes) + ")");
            WriteCenteredAndDy(w, p, "Block", "f");
            w.Line("(" + Dx("Block", "f") + ").StoreUnsafe(ref dxRow, f);");
            w.Close();
        }

        if (p.HasTail)
        {
            w.Line("dxTail.StoreUnsafe(ref dxRow, " + tail + ");");
        }

        w.Close();
        w.Close();
    }

    /// <summary>Scalar kernels: the fallback without SIMD, and the only path when Features is below the narrowest vector.</summary>
    private void WriteScalarKernels(SourceWriter w)
    {
        string zero = "(" + _t + ")0";
        w.Line();
        w.Summary("<see cref=\"ChunkMoments\"/> one feature at a time.");
        w.Open("private void ChunkMomentsScalar(ref " + _t + " chunk, nint rows)");
        w.Line(_t + "[] pivot = _pivot, mean = _chunkMean, squares = _chunkM2;");
        w.Line("Array.Clear(mean);");
        w.Line("Array.Clear(squares);");
        w.Open("for (nint r = 0; r < rows; r++)");
        w.Line(RowRef("row", "chunk"));
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line("mean[f] += Unsafe.Add(ref row, f) - pivot[f];");
        w.Close();
        w.Close();
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line("mean[f] /= rows;");
        w.Close();
        w.Open("for (nint r = 0; r < rows; r++)");
        w.Line(RowRef("row", "chunk"));
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line(_t + " deviation = Unsafe.Add(ref row, f) - pivot[f] - mean[f];");
        w.Line("squares[f] += deviation * deviation;");
        w.Close();
        w.Close();
        w.Close();

        w.Line();
        w.Summary("<see cref=\"Normalize\"/> one feature at a time.");
        w.Open("private static void NormalizeScalar(ref " + _t + " x, ref " + _t + " y, nint rows, " + _t + "[] center, " + _t + "[] scale, " + _t + "[] shift)");
        w.Open("for (nint r = 0; r < rows; r++)");
        w.Line(RowRef("xRow", "x"));
        w.Line(RowRef("yRow", "y"));
        w.Open("for (int f = 0; f < Features; f++)");
        string value = "(Unsafe.Add(ref xRow, f) - center[f]) * scale[f] + shift[f]";
        w.Line("Unsafe.Add(ref yRow, f) = " + (Relu ? "Math.Max(" + value + ", " + zero + ")" : value) + ";");
        w.Close();
        w.Close();
        w.Close();

        void CenteredAndDy()
        {
            w.Line(_t + " centered = Unsafe.Add(ref xRow, f) - _pivot[f];");
            w.Line(_t + " dyValue = " + (Relu ? "centered * _scale[f] + _shift[f] > 0 ? Unsafe.Add(ref dyRow, f) : " + zero : "Unsafe.Add(ref dyRow, f)") + ";");
        }

        w.Line();
        w.Summary("<see cref=\"BackwardSums\"/> one feature at a time.");
        w.Open("private void BackwardSumsScalar(ref " + _t + " x, ref " + _t + " dy, nint rows)");
        w.Line("Array.Clear(_sumDy);");
        w.Line("Array.Clear(_sumDyCentered);");
        w.Open("for (nint r = 0; r < rows; r++)");
        w.Line(RowRef("xRow", "x"));
        w.Line(RowRef("dyRow", "dy"));
        w.Open("for (int f = 0; f < Features; f++)");
        CenteredAndDy();
        w.Line("_sumDy[f] += dyValue;");
        w.Line("_sumDyCentered[f] += dyValue * centered;");
        w.Close();
        w.Close();
        w.Close();

        w.Line();
        w.Summary("<see cref=\"BackwardInput\"/> one feature at a time.");
        w.Open("private void BackwardInputScalar(ref " + _t + " x, ref " + _t + " dy, ref " + _t + " dx, nint rows)");
        w.Open("for (nint r = 0; r < rows; r++)");
        w.Line(RowRef("xRow", "x"));
        w.Line(RowRef("dyRow", "dy"));
        w.Line(RowRef("dxRow", "dx"));
        w.Open("for (int f = 0; f < Features; f++)");
        CenteredAndDy();
        w.Line("Unsafe.Add(ref dxRow, f) = _dyCoefficient[f] * dyValue + _xCoefficient[f] * centered + _bias[f];");
        w.Close();
        w.Close();
        w.Close();
    }
}
