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
                (p.Unrolled ? ", the sums in registers." : p.Strips ? ", in column strips." : ", the running sums in mean and squares (in L1)."),
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

        string[] streams = { "x" };
        if (p.Unrolled)
        {
            w.Line();
            WriteRegisterMoments(w, p, RegisterBlocks(p), ReductionRows);
            w.Close();
            return;
        }

        string tail = Literals.Int(p.TailOffset);
        w.Line();
        w.Line("// Pass 1: sums of x - pivot, row after row." +
            (p.HasTail ? " The overlapping last vector sums in a register, stored after the others: shared lanes get the same sums." : ""));
        w.Line("MemoryMarshal.CreateSpan(ref mean, Features).Clear();");
        if (p.HasTail)
        {
            w.Line(p.Type + " pivotTail = " + p.Load("pivot", tail) + ";");
            w.Line(p.Type + " sumTail = " + p.Zero + ";");
        }

        WriteRowLoops(w, 1, streams, count => WriteWideSums(w, p, count, "mean", "sumTail"));
        w.Line();
        w.Open(FeatureLoop(p));
        w.Line("(" + p.Load("mean", "f") + " * inverseRows).StoreUnsafe(ref mean, f);");
        w.Close();
        if (p.HasTail)
        {
            w.Line(p.Type + " meanTail = sumTail * inverseRows;");
            w.Line("meanTail.StoreUnsafe(ref mean, " + tail + ");");
        }

        w.Line();
        w.Line("// Pass 2: squared deviations from the chunk mean, " + Literals.Int(ReductionRows) + " rows at a time; the chunk is still in cache.");
        w.Line("MemoryMarshal.CreateSpan(ref squares, Features).Clear();");
        if (p.HasTail)
        {
            w.Line(p.Type + " squaresTail = " + p.Zero + ";");
        }

        WriteRowLoops(w, ReductionRows, streams, count => WriteWideSquares(w, p, count, "squaresTail += "));
        if (p.HasTail)
        {
            w.Line();
            w.Line("squaresTail.StoreUnsafe(ref squares, " + tail + ");");
        }

        w.Close();
    }

    /// <summary>Pass 1 of a wide row for one iteration: x - pivot added to the running sums in <paramref name="sums"/>, the tail to a register.</summary>
    private static void WriteWideSums(SourceWriter w, VectorPlan p, int count, string sums, string tailSum)
    {
        w.Open(FeatureLoop(p));
        w.Line(p.Type + " p = " + p.Load("pivot", "f") + ";");
        w.Line("(" + p.Load(sums, "f") + " + " + Tree(Rows(count, i => p.Load(RowOf("x", i, count), "f") + " - p")) + ").StoreUnsafe(ref " + sums + ", f);");
        w.Close();
        if (p.HasTail)
        {
            w.Line(tailSum + " += " + Tree(Rows(count, i => p.Load(RowOf("x", i, count), Literals.Int(p.TailOffset)) + " - pivotTail")) + ";");
        }
    }

    /// <summary>Pass 2 of a wide row for one iteration: squared deviations added to <c>squares</c>, the tail's through <paramref name="tailAccumulate"/>.</summary>
    private static void WriteWideSquares(SourceWriter w, VectorPlan p, int count, string tailAccumulate)
    {
        w.Open(FeatureLoop(p));
        w.Line(p.Type + " p = " + p.Load("pivot", "f") + ";");
        w.Line(p.Type + " m = " + p.Load("mean", "f") + ";");
        WriteSquares(w, p, count, "", "f", "p", "m", null);
        w.Close();
        if (p.HasTail)
        {
            WriteSquares(w, p, count, "Tail", Literals.Int(p.TailOffset), "pivotTail", "meanTail", tailAccumulate);
        }
    }

    /// <summary>
    /// ChunkMoments of a float layer whose chunks hold more than <see cref="FloatSumRows"/> rows: each pass sums in
    /// float over <see cref="FloatSumRows"/> rows, then adds those sums in double, so no float sum covers more than
    /// 16 rows whatever the chunk size (a chunk's statistics stay within about 1e-7 of exact).
    /// </summary>
    private void WriteWideningChunkMoments(SourceWriter w, VectorPlan p)
    {
        string d = p.DoubleType;
        string half = Literals.Int(p.Lanes / 2);
        string tail = Literals.Int(p.TailOffset);
        OpenKernel(w,
            "<see cref=\"ChunkMoments\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector +
                (p.Unrolled ? ", the sums in registers" : p.Strips ? ", in column strips" : ", the float sums in mean and squares (in L1), the double ones on the stack") +
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

        string[] streams = { "x" };
        if (p.Unrolled)
        {
            WriteUnrolledWideningChunkMoments(w, p);
            return;
        }

        // A wide row: the float sums run in mean and squares, and every FloatSumRows rows move into the double totals.
        void WideFlush(string sums, string tailSum, bool last)
        {
            w.Open(FeatureLoop(p));
            w.Line(p.Type + " sums = " + p.Load(sums, "f") + ";");
            w.Line("(" + p.Load("total", "f") + " + " + p.Vector + ".WidenLower(sums)).StoreUnsafe(ref total, f);");
            w.Line("(" + p.Load("total", "f + " + half) + " + " + p.Vector + ".WidenUpper(sums)).StoreUnsafe(ref total, f + " + half + ");");
            if (!last)
            {
                w.Line(p.Zero + ".StoreUnsafe(ref " + sums + ", f);");
            }

            w.Close();
            if (p.HasTail)
            {
                w.Line("totalTailLow += " + p.Vector + ".WidenLower(" + tailSum + ");");
                w.Line("totalTailHigh += " + p.Vector + ".WidenUpper(" + tailSum + ");");
                if (!last)
                {
                    w.Line(tailSum + " = " + p.Zero + ";");
                }
            }
        }

        void WideStart(string sums, string tailSum, bool first)
        {
            w.Line("MemoryMarshal.CreateSpan(ref " + sums + ", Features).Clear();");
            if (!first)
            {
                w.Line("totals.Clear();");
            }

            if (p.HasTail)
            {
                string v = first ? d + " " : "";
                w.Line(p.Type + " " + tailSum + " = " + p.Zero + ";");
                w.Line(v + "totalTailLow = " + d + ".Zero;");
                w.Line(v + "totalTailHigh = " + d + ".Zero;");
            }
        }

        w.Line("Span<double> totals = stackalloc double[Features];");
        w.Line("ref double total = ref MemoryMarshal.GetReference(totals);");
        w.Line();
        w.Line("// Pass 1: sums of x - pivot, row after row, in float over " + Literals.Int(FloatSumRows) + " rows (so rounding stays near 16 * 2^-24), then in double." +
            (p.HasTail ? " The overlapping last vector sums in registers, stored after the others: shared lanes get the same sums." : ""));
        if (p.HasTail)
        {
            w.Line(p.Type + " pivotTail = " + p.Load("pivot", tail) + ";");
        }

        WideStart("mean", "sumTail", first: true);
        WriteWideningRowLoops(w, 1, streams, count => WriteWideSums(w, p, count, "mean", "sumTail"), last => WideFlush("mean", "sumTail", last));
        w.Line();
        w.Open(FeatureLoop(p));
        w.Line(p.Vector + ".Narrow(" + p.Load("total", "f") + " * inverseRows, " + p.Load("total", "f + " + half) + " * inverseRows).StoreUnsafe(ref mean, f);");
        w.Close();
        if (p.HasTail)
        {
            w.Line(p.Type + " meanTail = " + p.Vector + ".Narrow(totalTailLow * inverseRows, totalTailHigh * inverseRows);");
            w.Line("meanTail.StoreUnsafe(ref mean, " + tail + ");");
        }

        w.Line();
        w.Line("// Pass 2: squared deviations from the chunk mean, " + Literals.Int(ReductionRows) + " rows at a time; the chunk is still in cache.");
        WideStart("squares", "squaresTail", first: false);
        WriteWideningRowLoops(w, ReductionRows, streams, count => WriteWideSquares(w, p, count, "squaresTail += "), last => WideFlush("squares", "squaresTail", last));
        w.Line();
        w.Open(FeatureLoop(p));
        w.Line(p.Vector + ".Narrow(" + p.Load("total", "f") + ", " + p.Load("total", "f + " + half) + ").StoreUnsafe(ref squares, f);");
        w.Close();
        if (p.HasTail)
        {
            w.Line(p.Vector + ".Narrow(totalTailLow, totalTailHigh).StoreUnsafe(ref squares, " + tail + ");");
        }

        w.Close();
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
    /// (<paramref name="accumulate"/>, e.g. <c>squares0 += </c>) or, when it is null, to <c>squares</c> at <c>f</c>.
    /// </summary>
    private static void WriteSquares(SourceWriter w, VectorPlan p, int count, string k, string offset, string pivot, string mean, string? accumulate)
    {
        string[] names = Rows(count, i => Name("deviation", k, i, count));
        for (int i = 0; i < count; i++)
        {
            w.Line(p.Type + " " + names[i] + " = " + p.Load(RowOf("x", i, count), offset) + " - " + pivot + " - " + mean + ";");
        }

        string sum = Tree(names.Select(d => d + " * " + d).ToList());
        w.Line(accumulate is null
            ? "(" + p.Load("squares", "f") + " + " + sum + ").StoreUnsafe(ref squares, f);"
            : accumulate + sum + ";");
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
                (p.Unrolled ? ", the sums in registers." : p.Strips ? ", in column strips." : ", the running sums in sumDy and sumDyCentered (in L1)."),
            "BackwardSums" + Literals.Int(p.Bits) + "(ref " + _t + " x, nint rows, ref " + _t + " dy, ref " + _t + " pivot, " +
                MaskParameters + "ref " + _t + " sumDy, ref " + _t + " sumDyCentered)");
        if (p.Strips)
        {
            WriteBackwardSumsStrips(w, p);
            w.Close();
            return;
        }

        string[] streams = { "x", "dy" };
        if (p.Unrolled)
        {
            w.Line(BlockedRows(ReductionRows));
            WriteRegisterBackwardSums(w, p, RegisterBlocks(p), ReductionRows);
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
            w.Line(p.Type + " pivotTail = " + p.Load("pivot", tail) + ";");
            if (Relu)
            {
                w.Line(p.Type + " sTail = " + p.Load("s", tail) + ";");
                w.Line(p.Type + " bTail = " + p.Load("b", tail) + ";");
            }

            w.Line(p.Type + " sumDyTail = " + p.Zero + ";");
            w.Line(p.Type + " sumDyCenteredTail = " + p.Zero + ";");
        }

        WriteRowLoops(w, 1, streams, count =>
        {
            w.Open(FeatureLoop(p));
            w.Line(p.Type + " p = " + p.Load("pivot", "f") + ";");
            if (Relu)
            {
                w.Line(p.Type + " scale = " + p.Load("s", "f") + ";");
                w.Line(p.Type + " shift = " + p.Load("b", "f") + ";");
            }

            for (int i = 0; i < count; i++)
            {
                WriteCenteredAndDy(w, p, i, count, "", "f", "p", "scale", "shift");
            }

            (string sumDy, string sumDyCentered) = BlockSums(count, "");
            w.Line("(" + p.Load("sumDy", "f") + " + " + sumDy + ").StoreUnsafe(ref sumDy, f);");
            w.Line("(" + p.Load("sumDyCentered", "f") + " + " + sumDyCentered + ").StoreUnsafe(ref sumDyCentered, f);");
            w.Close();
            if (p.HasTail)
            {
                for (int i = 0; i < count; i++)
                {
                    WriteCenteredAndDy(w, p, i, count, "Tail", tail, "pivotTail", "sTail", "bTail");
                }

                (string sumDyTail, string sumDyCenteredTail) = BlockSums(count, "Tail");
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
