using System.Collections.Generic;
using System.Linq;
using NormGen.Generator.Model;
using NormGen.Generator.Shared;

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

    private bool Relu => _spec.Activation == Activation.Relu;

    public void Write(SourceWriter w)
    {
        string t = _t;
        WriteDispatcher(w, "ChunkMoments",
            "ReadOnlySpan<" + t + "> x, ReadOnlySpan<" + t + "> pivot, Span<" + t + "> mean, Span<" + t + "> m2",
            new[] { "x", "pivot", "mean", "m2" });
        WriteDispatcher(w, "Normalize",
            "ReadOnlySpan<" + t + "> x, Span<" + t + "> y, ReadOnlySpan<" + t + "> center, ReadOnlySpan<" + t + "> scale, ReadOnlySpan<" + t + "> shift",
            new[] { "x", "y", "center", "scale", "shift" });
        WriteDispatcher(w, "BackwardSums",
            "ReadOnlySpan<" + t + "> x, ReadOnlySpan<" + t + "> dy, ReadOnlySpan<" + t + "> pivot, ReadOnlySpan<" + t + "> scale, ReadOnlySpan<" + t + "> shift, Span<" + t + "> sumDy, Span<" + t + "> sumDyCentered",
            Relu ? new[] { "x", "dy", "pivot", "scale", "shift", "sumDy", "sumDyCentered" } : new[] { "x", "dy", "pivot", "sumDy", "sumDyCentered" });
        WriteDispatcher(w, "BackwardInput",
            "ReadOnlySpan<" + t + "> x, ReadOnlySpan<" + t + "> dy, Span<" + t + "> dx, ReadOnlySpan<" + t + "> pivot, ReadOnlySpan<" + t + "> scale, ReadOnlySpan<" + t + "> shift,\n" +
            "    ReadOnlySpan<" + t + "> dyCoefficient, ReadOnlySpan<" + t + "> xCoefficient, ReadOnlySpan<" + t + "> bias",
            Relu ? new[] { "x", "dy", "dx", "pivot", "scale", "shift", "dyCoefficient", "xCoefficient", "bias" } : new[] { "x", "dy", "dx", "pivot", "dyCoefficient", "xCoefficient", "bias" });

        foreach (VectorPlan plan in _plans)
        {
            WriteChunkMoments(w, plan);
            WriteNormalize(w, plan);
            WriteBackwardSums(w, plan);
            WriteBackwardInput(w, plan);
        }

        WriteScalarKernels(w);
    }

    /// <summary>
    /// An override of the core's kernel: takes the spans apart into references and the row count, then calls the
    /// kernel of the widest vector the machine accelerates (IsHardwareAccelerated is a JIT-time constant).
    /// Under a fused ReLU the backward kernels also take scale and shift, to recompute the mask.
    /// </summary>
    private void WriteDispatcher(SourceWriter w, string name, string parameters, string[] used)
    {
        w.Line();
        string[] lines = ("protected override void " + name + "(" + parameters + ")").Split('\n');
        foreach (string line in lines.Take(lines.Length - 1))
        {
            w.Line(line);
        }

        w.Open(lines[lines.Length - 1]);
        string rowsOf = used[0];
        var arguments = new List<string>();
        foreach (string span in used)
        {
            w.Line("ref " + _t + " " + span + "Start = ref MemoryMarshal.GetReference(" + span + ");");
            arguments.Add("ref " + span + "Start");
            if (span == rowsOf)
            {
                arguments.Add("rows");
            }
        }

        w.Line("nint rows = " + rowsOf + ".Length / Features;");
        string call = "(" + string.Join(", ", arguments) + ");";
        string keyword = "if";
        foreach (VectorPlan plan in _plans)
        {
            w.Open(keyword + " (" + plan.Vector + ".IsHardwareAccelerated)");
            w.Line(name + Literals.Int(plan.Bits) + call);
            w.Close();
            keyword = "else if";
        }

        if (_plans.Count == 0)
        {
            w.Line(name + "Scalar" + call);
        }
        else
        {
            w.Open("else");
            w.Line(name + "Scalar" + call);
            w.Close();
        }

        w.Close();
    }

    private string RowRef(string row, string source) => "ref " + _t + " " + row + " = ref Unsafe.Add(ref " + source + ", r * Features);";

    /// <summary>The scale and shift parameters the backward kernels take to recompute a fused ReLU's mask.</summary>
    private string MaskParameters => Relu ? "ref " + _t + " s, ref " + _t + " b, " : "";

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
        w.Open("private static void ChunkMoments" + Literals.Int(p.Bits) + "(ref " + _t + " chunk, nint rows, ref " + _t + " pivot, ref " + _t + " mean, ref " + _t + " squares)");
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
        w.Open("private static void Normalize" + Literals.Int(p.Bits) + "(ref " + _t + " x, nint rows, ref " + _t + " y, ref " + _t + " c, ref " + _t + " s, ref " + _t + " b)");
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
        w.Open("private static void BackwardSums" + Literals.Int(p.Bits) + "(ref " + _t + " x, nint rows, ref " + _t + " dy, ref " + _t + " pivot, " +
            MaskParameters + "ref " + _t + " sumDy, ref " + _t + " sumDyCentered)");
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
        w.Line("MemoryMarshal.CreateSpan(ref sumDy, Features).Clear();");
        w.Line("MemoryMarshal.CreateSpan(ref sumDyCentered, Features).Clear();");
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
        w.Open("private static void BackwardInput" + Literals.Int(p.Bits) + "(ref " + _t + " x, nint rows, ref " + _t + " dy, ref " + _t + " dx, ref " + _t + " pivot, " +
            MaskParameters + "ref " + _t + " a, ref " + _t + " k, ref " + _t + " c)");
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
        w.Open("private static void ChunkMomentsScalar(ref " + _t + " chunk, nint rows, ref " + _t + " pivot, ref " + _t + " mean, ref " + _t + " squares)");
        w.Line("MemoryMarshal.CreateSpan(ref mean, Features).Clear();");
        w.Line("MemoryMarshal.CreateSpan(ref squares, Features).Clear();");
        w.Open("for (nint r = 0; r < rows; r++)");
        w.Line(RowRef("row", "chunk"));
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line("Unsafe.Add(ref mean, f) += Unsafe.Add(ref row, f) - Unsafe.Add(ref pivot, f);");
        w.Close();
        w.Close();
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line("Unsafe.Add(ref mean, f) /= rows;");
        w.Close();
        w.Open("for (nint r = 0; r < rows; r++)");
        w.Line(RowRef("row", "chunk"));
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line(_t + " deviation = Unsafe.Add(ref row, f) - Unsafe.Add(ref pivot, f) - Unsafe.Add(ref mean, f);");
        w.Line("Unsafe.Add(ref squares, f) += deviation * deviation;");
        w.Close();
        w.Close();
        w.Close();

        w.Line();
        w.Summary("<see cref=\"Normalize\"/> one feature at a time.");
        w.Open("private static void NormalizeScalar(ref " + _t + " x, nint rows, ref " + _t + " y, ref " + _t + " c, ref " + _t + " s, ref " + _t + " b)");
        w.Open("for (nint r = 0; r < rows; r++)");
        w.Line(RowRef("xRow", "x"));
        w.Line(RowRef("yRow", "y"));
        w.Open("for (int f = 0; f < Features; f++)");
        string value = "(Unsafe.Add(ref xRow, f) - Unsafe.Add(ref c, f)) * Unsafe.Add(ref s, f) + Unsafe.Add(ref b, f)";
        w.Line("Unsafe.Add(ref yRow, f) = " + (Relu ? "Math.Max(" + value + ", " + zero + ")" : value) + ";");
        w.Close();
        w.Close();
        w.Close();

        void CenteredAndDy()
        {
            w.Line(_t + " centered = Unsafe.Add(ref xRow, f) - Unsafe.Add(ref pivot, f);");
            w.Line(_t + " dyValue = " + (Relu ? "centered * Unsafe.Add(ref s, f) + Unsafe.Add(ref b, f) > 0 ? Unsafe.Add(ref dyRow, f) : " + zero : "Unsafe.Add(ref dyRow, f)") + ";");
        }

        w.Line();
        w.Summary("<see cref=\"BackwardSums\"/> one feature at a time.");
        w.Open("private static void BackwardSumsScalar(ref " + _t + " x, nint rows, ref " + _t + " dy, ref " + _t + " pivot, " + MaskParameters + "ref " + _t + " sumDy, ref " + _t + " sumDyCentered)");
        w.Line("MemoryMarshal.CreateSpan(ref sumDy, Features).Clear();");
        w.Line("MemoryMarshal.CreateSpan(ref sumDyCentered, Features).Clear();");
        w.Open("for (nint r = 0; r < rows; r++)");
        w.Line(RowRef("xRow", "x"));
        w.Line(RowRef("dyRow", "dy"));
        w.Open("for (int f = 0; f < Features; f++)");
        CenteredAndDy();
        w.Line("Unsafe.Add(ref sumDy, f) += dyValue;");
        w.Line("Unsafe.Add(ref sumDyCentered, f) += dyValue * centered;");
        w.Close();
        w.Close();
        w.Close();

        w.Line();
        w.Summary("<see cref=\"BackwardInput\"/> one feature at a time.");
        w.Open("private static void BackwardInputScalar(ref " + _t + " x, nint rows, ref " + _t + " dy, ref " + _t + " dx, ref " + _t + " pivot, " + MaskParameters + "ref " + _t + " a, ref " + _t + " k, ref " + _t + " c)");
        w.Open("for (nint r = 0; r < rows; r++)");
        w.Line(RowRef("xRow", "x"));
        w.Line(RowRef("dyRow", "dy"));
        w.Line(RowRef("dxRow", "dx"));
        w.Open("for (int f = 0; f < Features; f++)");
        CenteredAndDy();
        w.Line("Unsafe.Add(ref dxRow, f) = Unsafe.Add(ref a, f) * dyValue + Unsafe.Add(ref k, f) * centered + Unsafe.Add(ref c, f);");
        w.Close();
        w.Close();
        w.Close();
    }
}
