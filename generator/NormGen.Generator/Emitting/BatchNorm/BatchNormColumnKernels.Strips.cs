using System.Collections.Generic;
using System.Linq;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Emitting;

/// <summary>
/// The 512-bit kernels of rows too wide for registers (<see cref="VectorPlan.Strips"/>), which run only on input that
/// fits in cache: they walk the row in column strips, each strip's sums or coefficients in registers while the rows
/// pass, instead of keeping them in L1 arrays that every row loads and stores. Each feature takes exactly the steps of
/// the 256-bit kernel of the same layer (which input that streams from memory takes), in the same order, so the two
/// give the same bits: the reductions add one row at a time in their first pass and <see cref="ReductionRows"/> rows
/// at a time in the second, as the wide-row kernels do.
/// </summary>
internal sealed partial class BatchNormColumnKernels
{
    /// <summary>Vectors per strip of Normalize: three coefficients each, 24 of the 32 registers.</summary>
    private const int NormalizeStripVectors = 8;

    /// <summary>Vectors per strip of BackwardInput: four coefficients each (six under a fused ReLU), at most 24 registers.</summary>
    private const int BackwardInputStripVectors = 4;

    private void WriteNormalizeStrips(SourceWriter w, VectorPlan p)
    {
        var strips = new StripLayout(p, NormalizeStripVectors);
        WriteStrips(w, strips,
            "// Column strips of " + Literals.Int(strips.Width) + " features, each strip's coefficients in registers while the rows pass: x is in cache here.",
            "// The last strip, with the overlapping last vector, read before any store so y may be x itself.",
            (blocks, tail) =>
            {
                string tailOffset = Literals.Int(p.TailOffset);
                foreach ((string k, string offset) in WithTail(p, blocks, tail))
                {
                    w.Line(p.Type + " c" + k + " = " + p.Load("c", offset) + ";");
                    w.Line(p.Type + " s" + k + " = " + p.Load("s", offset) + ";");
                    w.Line(p.Type + " b" + k + " = " + p.Load("b", offset) + ";");
                }

                WriteRowLoops(w, 1, new[] { "x", "y" }, _ =>
                {
                    if (tail)
                    {
                        w.Line(p.Type + " yTail = " + Normalized(p, "xRow", tailOffset, "cTail", "sTail", "bTail") + ";");
                    }

                    foreach ((string k, string offset) in blocks)
                    {
                        w.Line("(" + Normalized(p, "xRow", offset, "c" + k, "s" + k, "b" + k) + ").StoreUnsafe(ref yRow, " + offset + ");");
                    }

                    if (tail)
                    {
                        w.Line("yTail.StoreUnsafe(ref yRow, " + tailOffset + ");");
                    }
                });
            });
    }

    private void WriteBackwardInputStrips(SourceWriter w, VectorPlan p)
    {
        var strips = new StripLayout(p, BackwardInputStripVectors);
        WriteStrips(w, strips,
            "// Column strips of " + Literals.Int(strips.Width) + " features, each strip's coefficients in registers while the rows pass: x and dy are in cache here.",
            "// The last strip, with the overlapping last vector, read before any store so dx may be dy itself.",
            (blocks, tail) =>
            {
                string tailOffset = Literals.Int(p.TailOffset);
                WriteBackwardInputCoefficients(w, p, WithTail(p, blocks, tail));
                WriteRowLoops(w, 1, new[] { "x", "dy", "dx" }, _ =>
                {
                    if (tail)
                    {
                        WriteCenteredAndDy(w, p, 0, 1, "Tail", tailOffset, "pivotTail", "sTail", "bTail");
                        w.Line(p.Type + " dxTail = " + InputGradient("gradientTail", "centeredTail", "aTail", "kTail", "cTail") + ";");
                    }

                    foreach ((string k, string offset) in blocks)
                    {
                        WriteCenteredAndDy(w, p, 0, 1, k, offset, "pivot" + k, "s" + k, "b" + k);
                        w.Line("(" + InputGradient("gradient" + k, "centered" + k, "a" + k, "k" + k, "c" + k) + ").StoreUnsafe(ref dxRow, " + offset + ");");
                    }

                    if (tail)
                    {
                        w.Line("dxTail.StoreUnsafe(ref dxRow, " + tailOffset + ");");
                    }
                });
            });
    }

    /// <summary>Vectors per strip of the reductions: up to five registers each (pivot, two float sums, two double totals).</summary>
    private const int ReductionStripVectors = 4;

    /// <summary>
    /// The loop over the full strips of <paramref name="strips"/> and the last strip, each written by
    /// <paramref name="strip"/> from its vectors (suffix and offset) and whether it holds the overlapping tail.
    /// </summary>
    private static void WriteStrips(SourceWriter w, StripLayout strips, string comment, string lastComment,
        System.Action<List<(string Suffix, string Offset)>, bool> strip)
    {
        w.Line(comment);
        if (strips.LoopEnd > 0)
        {
            w.Open("for (nuint strip = 0; strip < " + Literals.Int(strips.LoopEnd) + "; strip += " + Literals.Int(strips.Width) + ")");
            strip(strips.LoopBlocks.ToList(), false);
            w.Close();
        }

        if (strips.HasLastStrip)
        {
            if (strips.LoopEnd > 0)
            {
                w.Line();
            }

            w.Line(strips.Plan.HasTail ? lastComment : "// The last strip.");
            strip(strips.LastBlocks.ToList(), strips.Plan.HasTail);
        }
    }

    /// <summary>A strip's vectors with the overlapping tail after them when <paramref name="tail"/>.</summary>
    private static List<(string Suffix, string Offset)> WithTail(VectorPlan p, List<(string Suffix, string Offset)> blocks, bool tail)
    {
        var all = new List<(string Suffix, string Offset)>(blocks);
        if (tail)
        {
            all.Add(("Tail", Literals.Int(p.TailOffset)));
        }

        return all;
    }

    private void WriteChunkMomentsStrips(SourceWriter w, VectorPlan p)
    {
        var strips = new StripLayout(p, ReductionStripVectors);
        WriteStrips(w, strips,
            "// Column strips of " + Literals.Int(strips.Width) + " features, each strip's sums in registers while the rows pass: x is in cache here.",
            "// The last strip, with the overlapping last vector: its sums are stored after the others, and shared lanes get the same sums.",
            (blocks, tail) =>
            {
                List<(string Suffix, string Offset)> all = WithTail(p, blocks, tail);
                if (Widens)
                {
                    WriteWideningMomentsStrip(w, p, all);
                }
                else
                {
                    WriteRegisterMoments(w, p, all, firstPassRows: 1);
                }
            });
    }

    /// <summary>
    /// ChunkMoments without widening over vectors whose sums stay in registers (a row that fits, or one strip): sums of
    /// x - pivot <paramref name="firstPassRows"/> rows at a time (a strip takes 1, as the row walk it must agree with),
    /// then squared deviations <see cref="ReductionRows"/> rows at a time.
    /// </summary>
    private void WriteRegisterMoments(SourceWriter w, VectorPlan p, List<(string Suffix, string Offset)> blocks, int firstPassRows)
    {
        string[] streams = { "x" };
        w.Line("// Pass 1: sums of x - pivot, " + (firstPassRows == 1 ? "row after row." : Literals.Int(firstPassRows) + " rows at a time."));
        foreach ((string k, string offset) in blocks)
        {
            w.Line(p.Type + " pivot" + k + " = " + p.Load("pivot", offset) + ";");
            w.Line(p.Type + " sum" + k + " = " + p.Zero + ";");
        }

        WriteRowLoops(w, firstPassRows, streams, count =>
        {
            foreach ((string k, string offset) in blocks)
            {
                w.Line("sum" + k + " += " + Tree(Rows(count, i => p.Load(RowOf("x", i, count), offset) + " - pivot" + k)) + ";");
            }
        });
        w.Line();
        w.Line("// Pass 2: squared deviations from the chunk mean, " + Literals.Int(ReductionRows) + " rows at a time; the chunk is still in cache.");
        foreach ((string k, string _) in blocks)
        {
            w.Line(p.Type + " mean" + k + " = sum" + k + " * inverseRows;");
            w.Line(p.Type + " squares" + k + " = " + p.Zero + ";");
        }

        WriteRowLoops(w, ReductionRows, streams, count =>
        {
            foreach ((string k, string offset) in blocks)
            {
                WriteSquares(w, p, count, k, offset, "pivot" + k, "mean" + k, "squares" + k + " += ");
            }
        });
        w.Line();
        foreach ((string k, string offset) in blocks)
        {
            w.Line("mean" + k + ".StoreUnsafe(ref mean, " + offset + ");");
            w.Line("squares" + k + ".StoreUnsafe(ref squares, " + offset + ");");
        }
    }

    /// <summary>One strip of the widening ChunkMoments: float sums over 16 rows moved into double totals, both passes.</summary>
    private void WriteWideningMomentsStrip(SourceWriter w, VectorPlan p, List<(string Suffix, string Offset)> blocks)
    {
        string d = p.DoubleType;
        string[] streams = { "x" };
        void Flush(string stem, bool last)
        {
            foreach ((string k, string _) in blocks)
            {
                w.Line("total" + k + "Low += " + p.Vector + ".WidenLower(" + stem + k + ");");
                w.Line("total" + k + "High += " + p.Vector + ".WidenUpper(" + stem + k + ");");
                if (!last)
                {
                    w.Line(stem + k + " = " + p.Zero + ";");
                }
            }
        }

        w.Line("// Pass 1: sums of x - pivot, row after row, in float over " + Literals.Int(FloatSumRows) + " rows, then in double.");
        foreach ((string k, string offset) in blocks)
        {
            w.Line(p.Type + " pivot" + k + " = " + p.Load("pivot", offset) + ";");
            w.Line(p.Type + " sum" + k + " = " + p.Zero + ";");
            w.Line(d + " total" + k + "Low = " + d + ".Zero;");
            w.Line(d + " total" + k + "High = " + d + ".Zero;");
        }

        WriteWideningRowLoops(w, 1, streams, count =>
        {
            foreach ((string k, string offset) in blocks)
            {
                w.Line("sum" + k + " += " + Tree(Rows(count, i => p.Load(RowOf("x", i, count), offset) + " - pivot" + k)) + ";");
            }
        }, last => Flush("sum", last));
        w.Line();
        w.Line("// Pass 2: squared deviations from the chunk mean, " + Literals.Int(ReductionRows) + " rows at a time; the chunk is still in cache.");
        foreach ((string k, string _) in blocks)
        {
            w.Line(p.Type + " mean" + k + " = " + p.Vector + ".Narrow(total" + k + "Low * inverseRows, total" + k + "High * inverseRows);");
            w.Line(p.Type + " squares" + k + " = " + p.Zero + ";");
            w.Line("total" + k + "Low = " + d + ".Zero;");
            w.Line("total" + k + "High = " + d + ".Zero;");
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
            w.Line(p.Vector + ".Narrow(total" + k + "Low, total" + k + "High).StoreUnsafe(ref squares, " + offset + ");");
        }
    }

    private void WriteBackwardSumsStrips(SourceWriter w, VectorPlan p)
    {
        var strips = new StripLayout(p, ReductionStripVectors);
        WriteStrips(w, strips,
            "// Column strips of " + Literals.Int(strips.Width) + " features, each strip's sums in registers while the rows pass: x and dy are in cache here.",
            "// The last strip, with the overlapping last vector: its sums are stored after the others, and shared lanes get the same sums.",
            (blocks, tail) => WriteRegisterBackwardSums(w, p, WithTail(p, blocks, tail), rowsAtATime: 1));
    }

    /// <summary>
    /// BackwardSums over vectors whose sums stay in registers (a row that fits, or one strip), <paramref name="rowsAtATime"/>
    /// rows at a time (a strip takes 1, as the row walk it must agree with); a tail vector's sums are stored last.
    /// </summary>
    private void WriteRegisterBackwardSums(SourceWriter w, VectorPlan p, List<(string Suffix, string Offset)> blocks, int rowsAtATime)
    {
        foreach ((string k, string offset) in blocks)
        {
            w.Line(p.Type + " pivot" + k + " = " + p.Load("pivot", offset) + ";");
            if (Relu)
            {
                w.Line(p.Type + " s" + k + " = " + p.Load("s", offset) + ";");
                w.Line(p.Type + " b" + k + " = " + p.Load("b", offset) + ";");
            }

            w.Line(p.Type + " sumDy" + k + " = " + p.Zero + ";");
            w.Line(p.Type + " sumDyCentered" + k + " = " + p.Zero + ";");
        }

        WriteRowLoops(w, rowsAtATime, new[] { "x", "dy" }, count =>
        {
            foreach ((string k, string offset) in blocks)
            {
                for (int i = 0; i < count; i++)
                {
                    WriteCenteredAndDy(w, p, i, count, k, offset, "pivot" + k, "s" + k, "b" + k);
                }

                (string sumDy, string sumDyCentered) = BlockSums(count, k);
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
    }
}
