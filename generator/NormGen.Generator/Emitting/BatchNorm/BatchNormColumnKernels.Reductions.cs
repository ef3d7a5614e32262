using System.Collections.Generic;
using System.Linq;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Emitting;

/// <summary>The reductions over the batch: a chunk's statistics (ChunkMoments) and the backward sums.</summary>
internal sealed partial class BatchNormColumnKernels
{
    private void WriteChunkMoments(SourceWriter w, VectorPlan p)
    {
        if (Widens)
        {
            WriteWideningChunkMoments(w, p);
            return;
        }

        OpenKernel(w,
            "<see cref=\"ChunkMoments\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector +
                (p.Unrolled ? ", the sums in registers." : ", in column strips."),
            "ChunkMoments" + Literals.Int(p.Bits) + "(ref " + _t + " x, nint rows, ref " + _t + " pivot, ref " + _t + " mean, ref " + _t + " squares)");
        w.Line(p.Type + " inverseRows = " + p.Vector + ".Create((" + _t + ")1 / rows);");
        w.Line(BlockedRows(ReductionRows));
        if (p.Strips)
        {
            w.Line();
            WriteChunkMomentsStrips(w, p);
            w.Close();
            return;
        }

        w.Line();
        WriteRegisterMoments(w, p, RegisterBlocks(p), ReductionRows);
        w.Close();
    }

    /// <summary>
    /// ChunkMoments of a float layer whose chunks hold more than <see cref="FloatSumRows"/> rows: each pass sums in
    /// float over <see cref="FloatSumRows"/> rows, then adds those sums in double, so no float sum covers more than
    /// 16 rows whatever the chunk size (a chunk's statistics stay within about 1e-7 of exact).
    /// </summary>
    private void WriteWideningChunkMoments(SourceWriter w, VectorPlan p)
    {
        OpenKernel(w,
            "<see cref=\"ChunkMoments\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector +
                (p.Unrolled ? ", the sums in registers" : ", in column strips") +
                ": float over " + Literals.Int(FloatSumRows) + " rows, then double.",
            "ChunkMoments" + Literals.Int(p.Bits) + "(ref float x, nint rows, ref float pivot, ref float mean, ref float squares)");
        w.Line(p.DoubleType + " inverseRows = " + p.Vector + ".Create((double)1 / rows);");
        w.Line(BlockedRows(FloatSumRows));
        if (p.Strips)
        {
            w.Line();
            WriteChunkMomentsStrips(w, p);
            w.Close();
            return;
        }

        WriteUnrolledWideningChunkMoments(w, p);
    }

    /// <summary>
    /// The widening ChunkMoments of a row that fits in registers: the pivots and the float sums stay in registers; the
    /// double totals, touched once per <see cref="FloatSumRows"/> rows, live on the stack (the overlapping tail's in
    /// registers, as its lanes overlap the last full vector's). With them in registers too, a 128-float row needed all
    /// 32 vector registers, and a tier-1 compile could spill the float sums out of the hot loop: the same kernel ran
    /// 2x to 3x slower in one process than in another.
    /// </summary>
    private void WriteUnrolledWideningChunkMoments(SourceWriter w, VectorPlan p)
    {
        string d = p.DoubleType;
        string[] streams = { "x" };
        List<(string Suffix, string Offset)> blocks = RegisterBlocks(p);
        string High(string offset) => Literals.Int(int.Parse(offset, System.Globalization.CultureInfo.InvariantCulture) + p.Lanes / 2);
        void Flush(string stem, bool last)
        {
            foreach ((string k, string offset) in blocks)
            {
                if (k == "Tail")
                {
                    w.Line("totalTailLow += " + p.Vector + ".WidenLower(" + stem + k + ");");
                    w.Line("totalTailHigh += " + p.Vector + ".WidenUpper(" + stem + k + ");");
                }
                else
                {
                    w.Line("(" + p.Load("total", offset) + " + " + p.Vector + ".WidenLower(" + stem + k + ")).StoreUnsafe(ref total, " + offset + ");");
                    w.Line("(" + p.Load("total", High(offset)) + " + " + p.Vector + ".WidenUpper(" + stem + k + ")).StoreUnsafe(ref total, " + High(offset) + ");");
                }

                if (!last)
                {
                    w.Line(stem + k + " = " + p.Zero + ";");
                }
            }
        }

        string Mean(string k, string offset, string scale) => k == "Tail"
            ? p.Vector + ".Narrow(totalTailLow" + scale + ", totalTailHigh" + scale + ")"
            : p.Vector + ".Narrow(" + p.Load("total", offset) + scale + ", " + p.Load("total", High(offset)) + scale + ")";

        w.Line("Span<double> totals = stackalloc double[Features];");
        w.Line("ref double total = ref MemoryMarshal.GetReference(totals);");
        w.Line();
        w.Line("// Pass 1: sums of x - pivot, in float over " + Literals.Int(FloatSumRows) + " rows (so rounding stays near 16 * 2^-24), then in double.");
        foreach ((string k, string offset) in blocks)
        {
            w.Line(p.Type + " pivot" + k + " = " + p.Load("pivot", offset) + ";");
            w.Line(p.Type + " sum" + k + " = " + p.Zero + ";");
        }

        if (p.HasTail)
        {
            w.Line(d + " totalTailLow = " + d + ".Zero;");
            w.Line(d + " totalTailHigh = " + d + ".Zero;");
        }

        WriteWideningRowLoops(w, ReductionRows, streams, count =>
        {
            foreach ((string k, string offset) in blocks)
            {
                w.Line("sum" + k + " += " + Tree(Rows(count, i => p.Load(RowOf("x", i, count), offset) + " - pivot" + k)) + ";");
            }
        }, last => Flush("sum", last));
        w.Line();
        w.Line("// Pass 2: squared deviations from the chunk mean; the chunk is still in cache.");
        foreach ((string k, string offset) in blocks)
        {
            w.Line(p.Type + " mean" + k + " = " + Mean(k, offset, " * inverseRows") + ";");
            w.Line(p.Type + " squares" + k + " = " + p.Zero + ";");
        }

        w.Line("totals.Clear();");
        if (p.HasTail)
        {
            w.Line("totalTailLow = " + d + ".Zero;");
            w.Line("totalTailHigh = " + d + ".Zero;");
        }

        WriteWideningRowLoops(w, ReductionRows, streams, count =>
        {
            foreach ((string k, string offset) in blocks)
            {
                WriteSquares(w, p, count, k, offset, "pivot" + k, "mean" + k, "squares" + k + " += ");
            }
        }, last => Flush("squares", last));
        w.Line();
        foreach ((string k, string offset) in blocks)
        {
            w.Line("mean" + k + ".StoreUnsafe(ref mean, " + offset + ");");
            w.Line(Mean(k, offset, "") + ".StoreUnsafe(ref squares, " + offset + ");");
        }

        w.Close();
    }

    /// <summary>
    /// The deviations of an iteration's rows from the chunk mean and the sum of their squares, added to a register
    /// through <paramref name="accumulate"/> (e.g. <c>squares0 += </c>).
    /// </summary>
    private static void WriteSquares(SourceWriter w, VectorPlan p, int count, string k, string offset, string pivot, string mean, string accumulate)
    {
        string[] names = Rows(count, i => Name("deviation", k, i, count));
        for (int i = 0; i < count; i++)
        {
            w.Line(p.Type + " " + names[i] + " = " + p.Load(RowOf("x", i, count), offset) + " - " + pivot + " - " + mean + ";");
        }

        string sum = Tree(names.Select(d => d + " * " + d).ToList());
        w.Line(accumulate + sum + ";");
    }

    /// <summary>
    /// Lines that compute <c>centered</c> = x - pivot and <c>gradient</c> = dy, masked by the ReLU where fused, for
    /// row <paramref name="row"/> of an iteration over <paramref name="count"/> rows.
    /// </summary>
    private void WriteCenteredAndDy(SourceWriter w, VectorPlan p, int row, int count, string k, string offset, string pivot, string scale, string shift)
    {
        string centered = Name("centered", k, row, count);
        string gradient = Name("gradient", k, row, count);
        w.Line(p.Type + " " + centered + " = " + p.Load(RowOf("x", row, count), offset) + " - " + pivot + ";");
        string dy = p.Load(RowOf("dy", row, count), offset);
        w.Line(p.Type + " " + gradient + " = " + (Relu ? dy + " & " + p.Vector + ".GreaterThan(" + centered + " * " + scale + " + " + shift + ", " + p.Zero + ")" : dy) + ";");
    }

    /// <summary>The two sums of an iteration's rows at one vector: the tree of dy and the tree of dy * (x - pivot).</summary>
    private static (string SumDy, string SumDyCentered) BlockSums(int count, string k) =>
        (Tree(Rows(count, i => Name("gradient", k, i, count))),
         Tree(Rows(count, i => Name("gradient", k, i, count) + " * " + Name("centered", k, i, count))));

    private void WriteBackwardSums(SourceWriter w, VectorPlan p)
    {
        OpenKernel(w,
            "<see cref=\"BackwardSums\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector +
                (p.Unrolled ? ", the sums in registers." : ", in column strips."),
            "BackwardSums" + Literals.Int(p.Bits) + "(ref " + _t + " x, nint rows, ref " + _t + " dy, ref " + _t + " pivot, " +
                MaskParameters + "ref " + _t + " sumDy, ref " + _t + " sumDyCentered)");
        if (p.Strips)
        {
            WriteBackwardSumsStrips(w, p);
            w.Close();
            return;
        }

        w.Line(BlockedRows(ReductionRows));
        WriteRegisterBackwardSums(w, p, RegisterBlocks(p), ReductionRows);
        w.Close();
    }

    /// <summary>
    /// The row loops of a widening kernel: blocks of <see cref="FloatSumRows"/> rows (walked <paramref name="block"/>
    /// rows at a time), each followed by <paramref name="flush"/>, which moves the float sums into the double ones and
    /// zeroes them; then the last rows one at a time, and a last flush (<c>true</c>: nothing to zero).
    /// </summary>
    private void WriteWideningRowLoops(SourceWriter w, int block, string[] streams, System.Action<int> body, System.Action<bool> flush)
    {
        w.Open("for (nint start = 0; start < blockedRows; start += " + Literals.Int(FloatSumRows) + ")");
        w.Open("for (nint r = start; r < start + " + Literals.Int(FloatSumRows) + "; r" + (block == 1 ? "++" : " += " + Literals.Int(block)) + ")");
        WriteRowReferences(w, block, streams);
        body(block);
        w.Close();
        w.Line();
        flush(false);
        w.Close();
        w.Line();
        w.Open("for (nint r = blockedRows; r < rows; r++)");
        WriteRowReferences(w, 1, streams);
        body(1);
        w.Close();
        w.Line();
        flush(true);
    }
}
