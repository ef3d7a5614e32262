using System;
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
/// <remarks>
/// Every kernel walks the rows in memory order, so x, dy, y and dx stream through the caches front to back.
/// Reductions take the rows <see cref="ReductionRows"/> at a time: a block's values of one feature are summed as a
/// small tree, and the tree meets the feature's running sum once. The running sums of a row that fits in registers
/// (<see cref="VectorPlan.Unrolled"/>) stay in registers; those of a wider row live in the kernel's output spans,
/// which stay in L1 while the rows stream past, and since each vector of a row is a different set of features, the
/// updates of one row are independent of each other: no dependency chain limits the walk.
/// </remarks>
internal sealed class BatchNormColumnKernels
{
    /// <summary>Rows per block of the reductions (statistics and backward sums).</summary>
    internal const int ReductionRows = 4;

    /// <summary>Rows per block of the elementwise kernels: the per-feature coefficients are loaded once per block.</summary>
    internal const int ElementwiseRows = 2;

    /// <summary>
    /// Bytes of x per statistics chunk: the chunk stays in L2 (512 KiB per core on current x64 parts) between the two
    /// passes of <c>ChunkMoments</c>, and the core's O(Features) merge per chunk is spread over many rows.
    /// </summary>
    private const int ChunkBytes = 128 * 1024;

    /// <summary>
    /// Most rows per chunk: a chunk's sums are taken in the element type, one add per <see cref="ReductionRows"/>
    /// rows, so 256 rows make a float running sum of at most 64 adds (relative error about 64 * 2^-24 at worst,
    /// typically 8 * 2^-24); chunks are merged in double by the core.
    /// </summary>
    private const int MaxChunkRows = 256;

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

    /// <summary>
    /// Rows per statistics chunk for a (batch, Features) layer: about <see cref="ChunkBytes"/> of x, at most
    /// <see cref="MaxChunkRows"/>, at least 2, and a whole number of reduction blocks when there is more than one.
    /// </summary>
    public static int RowsPerChunk(BatchNormSpec spec)
    {
        int rowBytes = spec.Features * (spec.Element == ElementKind.Float ? 4 : 8);
        int rows = Math.Min(MaxChunkRows, ChunkBytes / rowBytes);
        return rows >= ReductionRows ? rows - rows % ReductionRows : Math.Max(2, rows);
    }

    /// <summary>The comment above the RowsPerChunk constant.</summary>
    public static string ChunkComment(BatchNormSpec spec) =>
        "// Samples per statistics chunk: up to " + Literals.Int(ChunkBytes / 1024) + " KiB of x (and at most " + Literals.Int(MaxChunkRows) +
        " rows), so the second pass over a chunk hits L2" + (RowsPerChunk(spec) * spec.Features * (spec.Element == ElementKind.Float ? 4 : 8) > ChunkBytes ? " or L3." : ".");

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

    /// <summary>The scale and shift parameters the backward kernels take to recompute a fused ReLU's mask.</summary>
    private string MaskParameters => Relu ? "ref " + _t + " s, ref " + _t + " b, " : "";

    /// <summary>
    /// The two loops over the rows: blocks of <paramref name="block"/> rows up to <c>blockedRows</c>, then the rest one
    /// at a time. Each iteration declares a reference to its rows of every stream (<c>xRow0</c>, <c>xRow1</c>, ...)
    /// and writes its body through <paramref name="body"/>, which gets the number of rows in the iteration.
    /// </summary>
    private void WriteRowLoops(SourceWriter w, int block, string[] streams, Action<int> body)
    {
        if (block > 1)
        {
            w.Open("for (nint r = 0; r < blockedRows; r += " + Literals.Int(block) + ")");
            WriteRowReferences(w, block, streams);
            body(block);
            w.Close();
            w.Open("for (nint r = blockedRows; r < rows; r++)");
        }
        else
        {
            w.Open("for (nint r = 0; r < rows; r++)");
        }

        WriteRowReferences(w, 1, streams);
        body(1);
        w.Close();
    }

    private void WriteRowReferences(SourceWriter w, int count, string[] streams)
    {
        foreach (string stream in streams)
        {
            w.Line("ref " + _t + " " + stream + "Row0 = ref Unsafe.Add(ref " + stream + ", r * Features);");
            for (int i = 1; i < count; i++)
            {
                w.Line("ref " + _t + " " + stream + "Row" + Literals.Int(i) + " = ref Unsafe.Add(ref " + stream + "Row" + Literals.Int(i - 1) + ", Features);");
            }
        }
    }

    /// <summary>
    /// The sum of <paramref name="terms"/> as a balanced tree, so its adds do not wait on each other. Every term and
    /// every partial sum is parenthesized: a term may be a difference, and <c>sum + x - p</c> would add x to the sum
    /// before subtracting the pivot, which loses the digits the pivot is there to keep.
    /// </summary>
    private static string Tree(IReadOnlyList<string> terms)
    {
        if (terms.Count == 1)
        {
            return "(" + terms[0] + ")";
        }

        int half = (terms.Count + 1) / 2;
        return "(" + Tree(terms.Take(half).ToList()) + " + " + Tree(terms.Skip(half).ToList()) + ")";
    }

    private static string[] Rows(int count, Func<string, string> term) =>
        Enumerable.Range(0, count).Select(i => term(Literals.Int(i))).ToArray();

    /// <summary>The vectors of a row that fits in registers: a name suffix and a literal offset each, the overlapping tail last.</summary>
    private static List<(string Suffix, string Offset)> RegisterBlocks(VectorPlan p) =>
        p.AllBlocks.Select(b => (b.Suffix, Literals.Int(b.Offset))).ToList();

    private string BlockedRows(int block) =>
        "nint blockedRows = rows - rows % " + Literals.Int(block) + ";";

    private string FeatureLoop(VectorPlan p) =>
        "for (nuint f = 0; f < " + Literals.Int(p.LoopEnd) + "; f += " + Literals.Int(p.Lanes) + ")";

    private void WriteChunkMoments(SourceWriter w, VectorPlan p)
    {
        w.Line();
        if (p.Unrolled)
        {
            w.Summary("<see cref=\"ChunkMoments\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector + ", the sums in registers.");
        }
        else
        {
            w.Summary("<see cref=\"ChunkMoments\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector + ", the running sums in mean and squares (in L1).");
        }

        w.Open("private static void ChunkMoments" + Literals.Int(p.Bits) + "(ref " + _t + " x, nint rows, ref " + _t + " pivot, ref " + _t + " mean, ref " + _t + " squares)");
        w.Line("var inverseRows = " + p.Vector + ".Create((" + _t + ")1 / rows);");
        w.Line(BlockedRows(ReductionRows));
        string[] streams = { "x" };
        if (p.Unrolled)
        {
            List<(string Suffix, string Offset)> blocks = RegisterBlocks(p);
            w.Line();
            w.Line("// Pass 1: sums of x - pivot.");
            foreach ((string k, string offset) in blocks)
            {
                w.Line("var pivot" + k + " = " + p.Load("pivot", offset) + ";");
                w.Line("var sum" + k + " = " + p.Zero + ";");
            }

            WriteRowLoops(w, ReductionRows, streams, rows =>
            {
                foreach ((string k, string offset) in blocks)
                {
                    w.Line("sum" + k + " += " + Tree(Rows(rows, i => p.Load("xRow" + i, offset) + " - pivot" + k)) + ";");
                }
            });
            w.Line();
            w.Line("// Pass 2: squared deviations from the chunk mean; the chunk is still in cache.");
            foreach ((string k, string _) in blocks)
            {
                w.Line("var mean" + k + " = sum" + k + " * inverseRows;");
                w.Line("var squares" + k + " = " + p.Zero + ";");
            }

            WriteRowLoops(w, ReductionRows, streams, rows =>
            {
                foreach ((string k, string offset) in blocks)
                {
                    WriteSquares(w, p, rows, k, offset, "pivot" + k, "mean" + k, "squares" + k + " += ");
                }
            });
            w.Line();
            foreach ((string k, string offset) in blocks)
            {
                w.Line("mean" + k + ".StoreUnsafe(ref mean, " + offset + ");");
                w.Line("squares" + k + ".StoreUnsafe(ref squares, " + offset + ");");
            }

            w.Close();
            return;
        }

        string tail = Literals.Int(p.TailOffset);
        w.Line();
        w.Line("// Pass 1: sums of x - pivot." + (p.HasTail ? " The overlapping last vector sums in a register, stored after the others: shared lanes get the same sums." : ""));
        w.Line("MemoryMarshal.CreateSpan(ref mean, Features).Clear();");
        if (p.HasTail)
        {
            w.Line("var pivotTail = " + p.Load("pivot", tail) + ";");
            w.Line("var sumTail = " + p.Zero + ";");
        }

        WriteRowLoops(w, ReductionRows, streams, rows =>
        {
            w.Open(FeatureLoop(p));
            w.Line("var p = " + p.Load("pivot", "f") + ";");
            w.Line("(" + p.Load("mean", "f") + " + " + Tree(Rows(rows, i => p.Load("xRow" + i, "f") + " - p")) + ").StoreUnsafe(ref mean, f);");
            w.Close();
            if (p.HasTail)
            {
                w.Line("sumTail += " + Tree(Rows(rows, i => p.Load("xRow" + i, tail) + " - pivotTail")) + ";");
            }
        });
        w.Line();
        w.Open(FeatureLoop(p));
        w.Line("(" + p.Load("mean", "f") + " * inverseRows).StoreUnsafe(ref mean, f);");
        w.Close();
        if (p.HasTail)
        {
            w.Line("var meanTail = sumTail * inverseRows;");
            w.Line("meanTail.StoreUnsafe(ref mean, " + tail + ");");
        }

        w.Line();
        w.Line("// Pass 2: squared deviations from the chunk mean; the chunk is still in cache.");
        w.Line("MemoryMarshal.CreateSpan(ref squares, Features).Clear();");
        if (p.HasTail)
        {
            w.Line("var squaresTail = " + p.Zero + ";");
        }

        WriteRowLoops(w, ReductionRows, streams, rows =>
        {
            w.Open(FeatureLoop(p));
            w.Line("var p = " + p.Load("pivot", "f") + ";");
            w.Line("var m = " + p.Load("mean", "f") + ";");
            WriteSquares(w, p, rows, "", "f", "p", "m", null);
            w.Close();
            if (p.HasTail)
            {
                WriteSquares(w, p, rows, "Tail", tail, "pivotTail", "meanTail", "squaresTail += ");
            }
        });
        if (p.HasTail)
        {
            w.Line();
            w.Line("squaresTail.StoreUnsafe(ref squares, " + tail + ");");
        }

        w.Close();
    }

    /// <summary>
    /// The deviations of a block's rows from the chunk mean and the sum of their squares, added to a register
    /// (<paramref name="accumulate"/>, e.g. <c>squares0 += </c>) or, when it is null, to <c>squares</c> at <c>f</c>.
    /// </summary>
    private static void WriteSquares(SourceWriter w, VectorPlan p, int rows, string k, string offset, string pivot, string mean, string? accumulate)
    {
        string[] names = Rows(rows, i => "deviation" + k + "Row" + i);
        for (int i = 0; i < rows; i++)
        {
            w.Line("var " + names[i] + " = " + p.Load("xRow" + Literals.Int(i), offset) + " - " + pivot + " - " + mean + ";");
        }

        string sum = Tree(names.Select(d => d + " * " + d).ToList());
        w.Line(accumulate is null
            ? "(" + p.Load("squares", "f") + " + " + sum + ").StoreUnsafe(ref squares, f);"
            : accumulate + sum + ";");
    }

    private string Activate(VectorPlan p, string value) => Relu ? p.Vector + ".Max(" + value + ", " + p.Zero + ")" : value;

    private void WriteNormalize(SourceWriter w, VectorPlan p)
    {
        w.Line();
        w.Summary("<see cref=\"Normalize\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector + ".");
        w.Open("private static void Normalize" + Literals.Int(p.Bits) + "(ref " + _t + " x, nint rows, ref " + _t + " y, ref " + _t + " c, ref " + _t + " s, ref " + _t + " b)");
        string Value(string row, string offset, string center, string scale, string shift) =>
            Activate(p, "(" + p.Load(row, offset) + " - " + center + ") * " + scale + " + " + shift);
        string tail = Literals.Int(p.TailOffset);
        if (p.Unrolled)
        {
            // The whole row's coefficients in registers: each row is a few loads, a few stores.
            List<(string Suffix, string Offset)> blocks = RegisterBlocks(p);
            foreach ((string k, string offset) in blocks)
            {
                w.Line("var c" + k + " = " + p.Load("c", offset) + ";");
                w.Line("var s" + k + " = " + p.Load("s", offset) + ";");
                w.Line("var b" + k + " = " + p.Load("b", offset) + ";");
            }

            w.Open("for (nint r = 0; r < rows; r++)");
            WriteRowReferences(w, 1, new[] { "x", "y" });
            if (p.HasTail)
            {
                w.Line("// The overlapping last vector is read before any store, so y may be x itself.");
                w.Line("var yTail = " + Value("xRow0", tail, "cTail", "sTail", "bTail") + ";");
            }

            foreach ((string k, int offset) in p.FullBlocks)
            {
                string o = Literals.Int(offset);
                w.Line("(" + Value("xRow0", o, "c" + k, "s" + k, "b" + k) + ").StoreUnsafe(ref yRow0, " + o + ");");
            }

            if (p.HasTail)
            {
                w.Line("yTail.StoreUnsafe(ref yRow0, " + tail + ");");
            }

            w.Close();
            w.Close();
            return;
        }

        w.Line(BlockedRows(ElementwiseRows));
        WriteRowLoops(w, ElementwiseRows, new[] { "x", "y" }, rows =>
        {
            if (p.HasTail)
            {
                w.Line("// The overlapping last vectors are read before any store, so y may be x itself.");
                for (int i = 0; i < rows; i++)
                {
                    string r = Literals.Int(i);
                    w.Line("var yTailRow" + r + " = " + Value("xRow" + r, tail, p.Load("c", tail), p.Load("s", tail), p.Load("b", tail)) + ";");
                }
            }

            w.Open(FeatureLoop(p));
            w.Line("var center = " + p.Load("c", "f") + ";");
            w.Line("var scale = " + p.Load("s", "f") + ";");
            w.Line("var shift = " + p.Load("b", "f") + ";");
            for (int i = 0; i < rows; i++)
            {
                string r = Literals.Int(i);
                w.Line("(" + Value("xRow" + r, "f", "center", "scale", "shift") + ").StoreUnsafe(ref yRow" + r + ", f);");
            }

            w.Close();
            if (p.HasTail)
            {
                for (int i = 0; i < rows; i++)
                {
                    string r = Literals.Int(i);
                    w.Line("yTailRow" + r + ".StoreUnsafe(ref yRow" + r + ", " + tail + ");");
                }
            }
        });
        w.Close();
    }

    /// <summary>Lines that compute centered{k}Row{i} = x - pivot and gradient{k}Row{i} = dy, masked by the ReLU where fused.</summary>
    private void WriteCenteredAndDy(SourceWriter w, VectorPlan p, int row, string k, string offset, string pivot, string? scale, string? shift)
    {
        string r = Literals.Int(row);
        string centered = "centered" + k + "Row" + r;
        w.Line("var " + centered + " = " + p.Load("xRow" + r, offset) + " - " + pivot + ";");
        if (Relu)
        {
            w.Line("var gradient" + k + "Row" + r + " = " + p.Load("dyRow" + r, offset) + " & " + p.Vector + ".GreaterThan(" + centered + " * " + scale + " + " + shift + ", " + p.Zero + ");");
        }
        else
        {
            w.Line("var gradient" + k + "Row" + r + " = " + p.Load("dyRow" + r, offset) + ";");
        }
    }

    /// <summary>The two sums of a block's rows at one vector: the tree of dy and the tree of dy * (x - pivot).</summary>
    private static (string SumDy, string SumDyCentered) BlockSums(int rows, string k)
    {
        string[] dy = Rows(rows, i => "gradient" + k + "Row" + i);
        string[] products = Rows(rows, i => "gradient" + k + "Row" + i + " * centered" + k + "Row" + i);
        return (Tree(dy), Tree(products));
    }

    private void WriteBackwardSums(SourceWriter w, VectorPlan p)
    {
        w.Line();
        if (p.Unrolled)
        {
            w.Summary("<see cref=\"BackwardSums\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector + ", the sums in registers.");
        }
        else
        {
            w.Summary("<see cref=\"BackwardSums\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector + ", the running sums in sumDy and sumDyCentered (in L1).");
        }

        w.Open("private static void BackwardSums" + Literals.Int(p.Bits) + "(ref " + _t + " x, nint rows, ref " + _t + " dy, ref " + _t + " pivot, " +
            MaskParameters + "ref " + _t + " sumDy, ref " + _t + " sumDyCentered)");
        w.Line(BlockedRows(ReductionRows));
        string[] streams = { "x", "dy" };
        if (p.Unrolled)
        {
            List<(string Suffix, string Offset)> blocks = RegisterBlocks(p);
            foreach ((string k, string offset) in blocks)
            {
                w.Line("var pivot" + k + " = " + p.Load("pivot", offset) + ";");
                if (Relu)
                {
                    w.Line("var s" + k + " = " + p.Load("s", offset) + ";");
                    w.Line("var b" + k + " = " + p.Load("b", offset) + ";");
                }

                w.Line("var sumDy" + k + " = " + p.Zero + ";");
                w.Line("var sumDyCentered" + k + " = " + p.Zero + ";");
            }

            WriteRowLoops(w, ReductionRows, streams, rows =>
            {
                foreach ((string k, string offset) in blocks)
                {
                    for (int i = 0; i < rows; i++)
                    {
                        WriteCenteredAndDy(w, p, i, k, offset, "pivot" + k, "s" + k, "b" + k);
                    }

                    (string sumDy, string sumDyCentered) = BlockSums(rows, k);
                    w.Line("sumDy" + k + " += " + sumDy + ";");
                    w.Line("sumDyCentered" + k + " += " + sumDyCentered + ";");
                }
            });
            w.Line();
            foreach ((string k, string offset) in blocks)
            {
                w.Line("sumDy" + k + ".StoreUnsafe(ref sumDy, " + offset + ");");
                w.Line("sumDyCentered" + k + ".StoreUnsafe(ref sumDyCentered, " + offset + ");");
            }

            w.Close();
            return;
        }

        string tail = Literals.Int(p.TailOffset);
        w.Line("MemoryMarshal.CreateSpan(ref sumDy, Features).Clear();");
        w.Line("MemoryMarshal.CreateSpan(ref sumDyCentered, Features).Clear();");
        if (p.HasTail)
        {
            w.Line();
            w.Line("// The overlapping last vector sums in registers, stored after the others: shared lanes get the same sums.");
            w.Line("var pivotTail = " + p.Load("pivot", tail) + ";");
            if (Relu)
            {
                w.Line("var sTail = " + p.Load("s", tail) + ";");
                w.Line("var bTail = " + p.Load("b", tail) + ";");
            }

            w.Line("var sumDyTail = " + p.Zero + ";");
            w.Line("var sumDyCenteredTail = " + p.Zero + ";");
        }

        WriteRowLoops(w, ReductionRows, streams, rows =>
        {
            w.Open(FeatureLoop(p));
            w.Line("var p = " + p.Load("pivot", "f") + ";");
            if (Relu)
            {
                w.Line("var scale = " + p.Load("s", "f") + ";");
                w.Line("var shift = " + p.Load("b", "f") + ";");
            }

            for (int i = 0; i < rows; i++)
            {
                WriteCenteredAndDy(w, p, i, "", "f", "p", "scale", "shift");
            }

            (string sumDy, string sumDyCentered) = BlockSums(rows, "");
            w.Line("(" + p.Load("sumDy", "f") + " + " + sumDy + ").StoreUnsafe(ref sumDy, f);");
            w.Line("(" + p.Load("sumDyCentered", "f") + " + " + sumDyCentered + ").StoreUnsafe(ref sumDyCentered, f);");
            w.Close();
            if (p.HasTail)
            {
                for (int i = 0; i < rows; i++)
                {
                    WriteCenteredAndDy(w, p, i, "Tail", tail, "pivotTail", "sTail", "bTail");
                }

                (string sumDyTail, string sumDyCenteredTail) = BlockSums(rows, "Tail");
                w.Line("sumDyTail += " + sumDyTail + ";");
                w.Line("sumDyCenteredTail += " + sumDyCenteredTail + ";");
            }
        });
        if (p.HasTail)
        {
            w.Line();
            w.Line("sumDyTail.StoreUnsafe(ref sumDy, " + tail + ");");
            w.Line("sumDyCenteredTail.StoreUnsafe(ref sumDyCentered, " + tail + ");");
        }

        w.Close();
    }

    private void WriteBackwardInput(SourceWriter w, VectorPlan p)
    {
        w.Line();
        w.Summary("<see cref=\"BackwardInput\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector + ".");
        w.Open("private static void BackwardInput" + Literals.Int(p.Bits) + "(ref " + _t + " x, nint rows, ref " + _t + " dy, ref " + _t + " dx, ref " + _t + " pivot, " +
            MaskParameters + "ref " + _t + " a, ref " + _t + " k, ref " + _t + " c)");
        string Dx(string suffix, string row, string offset, string a, string k, string c) =>
            a + " * gradient" + suffix + "Row" + row + " + " + k + " * centered" + suffix + "Row" + row + " + " + c;
        string tail = Literals.Int(p.TailOffset);
        string[] streams = { "x", "dy", "dx" };
        if (p.Unrolled)
        {
            // The whole row's coefficients in registers.
            List<(string Suffix, string Offset)> blocks = RegisterBlocks(p);
            foreach ((string suffix, string offset) in blocks)
            {
                w.Line("var pivot" + suffix + " = " + p.Load("pivot", offset) + ";");
                if (Relu)
                {
                    w.Line("var s" + suffix + " = " + p.Load("s", offset) + ";");
                    w.Line("var b" + suffix + " = " + p.Load("b", offset) + ";");
                }

                w.Line("var a" + suffix + " = " + p.Load("a", offset) + ";");
                w.Line("var k" + suffix + " = " + p.Load("k", offset) + ";");
                w.Line("var c" + suffix + " = " + p.Load("c", offset) + ";");
            }

            w.Open("for (nint r = 0; r < rows; r++)");
            WriteRowReferences(w, 1, streams);
            if (p.HasTail)
            {
                w.Line("// The overlapping last vector is read before any store, so dx may be dy itself.");
                WriteCenteredAndDy(w, p, 0, "Tail", tail, "pivotTail", "sTail", "bTail");
                w.Line("var dxTail = " + Dx("Tail", "0", tail, "aTail", "kTail", "cTail") + ";");
            }

            foreach ((string suffix, int offset) in p.FullBlocks)
            {
                string o = Literals.Int(offset);
                WriteCenteredAndDy(w, p, 0, suffix, o, "pivot" + suffix, "s" + suffix, "b" + suffix);
                w.Line("(" + Dx(suffix, "0", o, "a" + suffix, "k" + suffix, "c" + suffix) + ").StoreUnsafe(ref dxRow0, " + o + ");");
            }

            if (p.HasTail)
            {
                w.Line("dxTail.StoreUnsafe(ref dxRow0, " + tail + ");");
            }

            w.Close();
            w.Close();
            return;
        }

        w.Line(BlockedRows(ElementwiseRows));
        WriteRowLoops(w, ElementwiseRows, streams, rows =>
        {
            if (p.HasTail)
            {
                w.Line("// The overlapping last vectors are read before any store, so dx may be dy itself.");
                for (int i = 0; i < rows; i++)
                {
                    string r = Literals.Int(i);
                    WriteCenteredAndDy(w, p, i, "Tail", tail, p.Load("pivot", tail), p.Load("s", tail), p.Load("b", tail));
                    w.Line("var dxTailRow" + r + " = " + Dx("Tail", r, tail, p.Load("a", tail), p.Load("k", tail), p.Load("c", tail)) + ";");
                }
            }

            w.Open(FeatureLoop(p));
            w.Line("var p = " + p.Load("pivot", "f") + ";");
            if (Relu)
            {
                w.Line("var scale = " + p.Load("s", "f") + ";");
                w.Line("var shift = " + p.Load("b", "f") + ";");
            }

            w.Line("var dyCoefficient = " + p.Load("a", "f") + ";");
            w.Line("var xCoefficient = " + p.Load("k", "f") + ";");
            w.Line("var bias = " + p.Load("c", "f") + ";");
            for (int i = 0; i < rows; i++)
            {
                string r = Literals.Int(i);
                WriteCenteredAndDy(w, p, i, "", "f", "p", "scale", "shift");
                w.Line("(" + Dx("", r, "f", "dyCoefficient", "xCoefficient", "bias") + ").StoreUnsafe(ref dxRow" + r + ", f);");
            }

            w.Close();
            if (p.HasTail)
            {
                for (int i = 0; i < rows; i++)
                {
                    string r = Literals.Int(i);
                    w.Line("dxTailRow" + r + ".StoreUnsafe(ref dxRow" + r + ", " + tail + ");");
                }
            }
        });
        w.Close();
    }

    /// <summary>Scalar kernels: the fallback without SIMD, and the only path when Features is below the narrowest vector.</summary>
    private void WriteScalarKernels(SourceWriter w)
    {
        string zero = "(" + _t + ")0";
        w.Line();
        w.Summary("<see cref=\"ChunkMoments\"/> one feature at a time.");
        w.Open("private static void ChunkMomentsScalar(ref " + _t + " x, nint rows, ref " + _t + " pivot, ref " + _t + " mean, ref " + _t + " squares)");
        w.Line("MemoryMarshal.CreateSpan(ref mean, Features).Clear();");
        w.Line("MemoryMarshal.CreateSpan(ref squares, Features).Clear();");
        w.Open("for (nint r = 0; r < rows; r++)");
        WriteRowReferences(w, 1, new[] { "x" });
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line("Unsafe.Add(ref mean, f) += Unsafe.Add(ref xRow0, f) - Unsafe.Add(ref pivot, f);");
        w.Close();
        w.Close();
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line("Unsafe.Add(ref mean, f) /= rows;");
        w.Close();
        w.Open("for (nint r = 0; r < rows; r++)");
        WriteRowReferences(w, 1, new[] { "x" });
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line(_t + " deviation = Unsafe.Add(ref xRow0, f) - Unsafe.Add(ref pivot, f) - Unsafe.Add(ref mean, f);");
        w.Line("Unsafe.Add(ref squares, f) += deviation * deviation;");
        w.Close();
        w.Close();
        w.Close();

        w.Line();
        w.Summary("<see cref=\"Normalize\"/> one feature at a time.");
        w.Open("private static void NormalizeScalar(ref " + _t + " x, nint rows, ref " + _t + " y, ref " + _t + " c, ref " + _t + " s, ref " + _t + " b)");
        w.Open("for (nint r = 0; r < rows; r++)");
        WriteRowReferences(w, 1, new[] { "x", "y" });
        w.Open("for (int f = 0; f < Features; f++)");
        string value = "(Unsafe.Add(ref xRow0, f) - Unsafe.Add(ref c, f)) * Unsafe.Add(ref s, f) + Unsafe.Add(ref b, f)";
        w.Line("Unsafe.Add(ref yRow0, f) = " + (Relu ? "Math.Max(" + value + ", " + zero + ")" : value) + ";");
        w.Close();
        w.Close();
        w.Close();

        void CenteredAndDy()
        {
            w.Line(_t + " centered = Unsafe.Add(ref xRow0, f) - Unsafe.Add(ref pivot, f);");
            w.Line(_t + " dyValue = " + (Relu ? "centered * Unsafe.Add(ref s, f) + Unsafe.Add(ref b, f) > 0 ? Unsafe.Add(ref dyRow0, f) : " + zero : "Unsafe.Add(ref dyRow0, f)") + ";");
        }

        w.Line();
        w.Summary("<see cref=\"BackwardSums\"/> one feature at a time.");
        w.Open("private static void BackwardSumsScalar(ref " + _t + " x, nint rows, ref " + _t + " dy, ref " + _t + " pivot, " + MaskParameters + "ref " + _t + " sumDy, ref " + _t + " sumDyCentered)");
        w.Line("MemoryMarshal.CreateSpan(ref sumDy, Features).Clear();");
        w.Line("MemoryMarshal.CreateSpan(ref sumDyCentered, Features).Clear();");
        w.Open("for (nint r = 0; r < rows; r++)");
        WriteRowReferences(w, 1, new[] { "x", "dy" });
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
        WriteRowReferences(w, 1, new[] { "x", "dy", "dx" });
        w.Open("for (int f = 0; f < Features; f++)");
        CenteredAndDy();
        w.Line("Unsafe.Add(ref dxRow0, f) = Unsafe.Add(ref a, f) * dyValue + Unsafe.Add(ref k, f) * centered + Unsafe.Add(ref c, f);");
        w.Close();
        w.Close();
        w.Close();
    }
}
