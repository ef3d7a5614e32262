using System.Collections.Generic;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Emitting;

/// <summary>The elementwise kernels, y from x (Normalize) and dx from x and dy (BackwardInput), and their streaming forms.</summary>
internal sealed partial class BatchNormColumnKernels
{
    private string Activate(VectorPlan p, string value) => Relu ? p.Vector + ".Max(" + value + ", " + p.Zero + ")" : value;

    /// <summary>The normalized value of <paramref name="row"/> at <paramref name="offset"/>, through the fused activation.</summary>
    private string Normalized(VectorPlan p, string row, string offset, string center, string scale, string shift) =>
        Activate(p, "(" + p.Load(row, offset) + " - " + center + ") * " + scale + " + " + shift);

    /// <summary>Opens the branch of a kernel that hands an output of 8 MiB or more to its streaming form.</summary>
    private void WriteStreamingBranch(SourceWriter w, VectorPlan p, string call)
    {
        if (!Streams(p))
        {
            return;
        }

        w.Open("if (rows * Features * sizeof(" + _t + ") >= Streaming.ThresholdBytes)");
        w.Line(call);
        w.Line("return;");
        w.Close();
        w.Line();
    }

    private void WriteNormalize(SourceWriter w, VectorPlan p)
    {
        string bits = Literals.Int(p.Bits);
        OpenKernel(w,
            "<see cref=\"Normalize\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector + ".",
            "Normalize" + bits + "(ref " + _t + " x, nint rows, ref " + _t + " y, ref " + _t + " c, ref " + _t + " s, ref " + _t + " b)");
        WriteStreamingBranch(w, p, "NormalizeStreaming" + bits + "(ref x, rows, ref y, ref c, ref s, ref b);");
        string tail = Literals.Int(p.TailOffset);
        if (p.Unrolled)
        {
            w.Line("// The whole row's coefficients in registers.");
            List<(string Suffix, string Offset)> blocks = RegisterBlocks(p);
            foreach ((string k, string offset) in blocks)
            {
                w.Line("var c" + k + " = " + p.Load("c", offset) + ";");
                w.Line("var s" + k + " = " + p.Load("s", offset) + ";");
                w.Line("var b" + k + " = " + p.Load("b", offset) + ";");
            }
        }

        WriteRowLoops(w, 1, new[] { "x", "y" }, _ =>
        {
            if (p.HasTail)
            {
                w.Line("// The overlapping last vector is read before any store, so y may be x itself.");
                w.Line("var yTail = " + (p.Unrolled
                    ? Normalized(p, "xRow", tail, "cTail", "sTail", "bTail")
                    : Normalized(p, "xRow", tail, p.Load("c", tail), p.Load("s", tail), p.Load("b", tail))) + ";");
            }

            if (p.Unrolled)
            {
                foreach ((string k, int offset) in p.FullBlocks)
                {
                    string o = Literals.Int(offset);
                    w.Line("(" + Normalized(p, "xRow", o, "c" + k, "s" + k, "b" + k) + ").StoreUnsafe(ref yRow, " + o + ");");
                }
            }
            else
            {
                w.Open(FeatureLoop(p));
                w.Line("(" + Normalized(p, "xRow", "f", p.Load("c", "f"), p.Load("s", "f"), p.Load("b", "f")) + ").StoreUnsafe(ref yRow, f);");
                w.Close();
            }

            if (p.HasTail)
            {
                w.Line("yTail.StoreUnsafe(ref yRow, " + tail + ");");
            }
        });
        w.Close();
    }

    /// <summary>dx = dyCoefficient * gradient + xCoefficient * centered + bias, from the names of its parts.</summary>
    private static string InputGradient(string gradient, string centered, string a, string k, string c) =>
        a + " * " + gradient + " + " + k + " * " + centered + " + " + c;

    private void WriteBackwardInput(SourceWriter w, VectorPlan p)
    {
        string bits = Literals.Int(p.Bits);
        OpenKernel(w,
            "<see cref=\"BackwardInput\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector + ".",
            "BackwardInput" + bits + "(ref " + _t + " x, nint rows, ref " + _t + " dy, ref " + _t + " dx, ref " + _t + " pivot, " +
                MaskParameters + "ref " + _t + " a, ref " + _t + " k, ref " + _t + " c)");
        WriteStreamingBranch(w, p,
            "BackwardInputStreaming" + bits + "(ref x, rows, ref dy, ref dx, ref pivot, " + (Relu ? "ref s, ref b, " : "") + "ref a, ref k, ref c);");
        string tail = Literals.Int(p.TailOffset);
        string[] streams = { "x", "dy", "dx" };
        if (p.Unrolled)
        {
            w.Line("// The whole row's coefficients in registers.");
            foreach ((string suffix, string offset) in RegisterBlocks(p))
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
        }

        WriteRowLoops(w, 1, streams, _ =>
        {
            if (p.HasTail)
            {
                w.Line("// The overlapping last vector is read before any store, so dx may be dy itself.");
                if (p.Unrolled)
                {
                    WriteCenteredAndDy(w, p, 0, 1, "Tail", tail, "pivotTail", "sTail", "bTail");
                    w.Line("var dxTail = " + InputGradient("gradientTail", "centeredTail", "aTail", "kTail", "cTail") + ";");
                }
                else
                {
                    WriteCenteredAndDy(w, p, 0, 1, "Tail", tail, p.Load("pivot", tail), p.Load("s", tail), p.Load("b", tail));
                    w.Line("var dxTail = " + InputGradient("gradientTail", "centeredTail", p.Load("a", tail), p.Load("k", tail), p.Load("c", tail)) + ";");
                }
            }

            if (p.Unrolled)
            {
                foreach ((string suffix, int offset) in p.FullBlocks)
                {
                    string o = Literals.Int(offset);
                    WriteCenteredAndDy(w, p, 0, 1, suffix, o, "pivot" + suffix, "s" + suffix, "b" + suffix);
                    w.Line("(" + InputGradient("gradient" + suffix, "centered" + suffix, "a" + suffix, "k" + suffix, "c" + suffix) + ").StoreUnsafe(ref dxRow, " + o + ");");
                }
            }
            else
            {
                w.Open(FeatureLoop(p));
                WriteCenteredAndDy(w, p, 0, 1, "", "f", p.Load("pivot", "f"), p.Load("s", "f"), p.Load("b", "f"));
                w.Line("(" + InputGradient("gradient", "centered", p.Load("a", "f"), p.Load("k", "f"), p.Load("c", "f")) + ").StoreUnsafe(ref dxRow, f);");
                w.Close();
            }

            if (p.HasTail)
            {
                w.Line("dxTail.StoreUnsafe(ref dxRow, " + tail + ");");
            }
        });
        w.Close();
    }

    /// <summary>
    /// The opening shared by both streaming kernels: the summary, <c>head</c> (elements before y's first aligned
    /// address), and the named coefficient arrays rotated by head into one stack buffer.
    /// </summary>
    private void OpenStreamingKernel(SourceWriter w, VectorPlan p, string kernel, string output, string signature, (string Parameter, string Name)[] coefficients)
    {
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// <see cref=\"" + kernel + "\"/> for an output of 8 MiB or more (<see cref=\"Streaming.ThresholdBytes\"/>), written with");
        w.Line("/// non-temporal stores, which skip the read of each line a normal store makes first. Those need aligned addresses,");
        w.Line("/// so " + output + " is walked as one flat array from its first " + Literals.Int(p.Bits / 8) + "-byte boundary, <c>head</c> elements in,");
        w.Line("/// with the coefficients rotated to match: element t of every flat row belongs to feature (head + t) mod Features.");
        w.Line("/// </summary>");
        w.Line(Optimized);
        w.Open("private static void " + signature);
        w.Line("int head = Streaming.ElementsToAlignment(ref " + output + ", " + Literals.Int(p.Bits / 8) + ");");
        w.Line("Span<" + _t + "> rotated = stackalloc " + _t + "[" + Literals.Int(coefficients.Length) + " * Features];");
        for (int i = 0; i < coefficients.Length; i++)
        {
            string slice = i == 0 ? "rotated" : "rotated.Slice(" + (i == 1 ? "" : Literals.Int(i) + " * ") + "Features)";
            w.Line("Streaming.Rotate(MemoryMarshal.CreateReadOnlySpan(ref " + coefficients[i].Parameter + ", Features), head, " + slice + ");");
        }

        for (int i = 0; i < coefficients.Length; i++)
        {
            string at = i == 0 ? "MemoryMarshal.GetReference(rotated)" : "Unsafe.Add(ref " + coefficients[0].Name + ", " + (i == 1 ? "" : Literals.Int(i) + " * ") + "Features)";
            w.Line("ref " + _t + " " + coefficients[i].Name + " = ref " + at + ";");
        }

        w.Line();
    }

    /// <summary>
    /// The flat walk of a streaming kernel: per flat row, groups of four vectors stored by one call (one pin and one
    /// alignment check for four stores), then single vectors. <paramref name="writeValues"/> declares the values of the
    /// vectors at the given offsets and returns their names.
    /// </summary>
    private void WriteStreamingWalk(SourceWriter w, VectorPlan p, string[] streams, string output, System.Func<string[], string[]> writeValues)
    {
        string lanes = Literals.Int(p.Lanes);
        w.Open("for (nint r = 0; r < rows; r++)");
        foreach (string stream in streams)
        {
            w.Line("ref " + _t + " " + stream + "Row = ref Unsafe.Add(ref " + stream + ", head + r * Features);");
        }

        w.Line("// The last flat row stops a vector short when head > 0: the output ends head elements into that vector.");
        w.Line("nuint end = (nuint)(r == rows - 1 && head != 0 ? Features - " + lanes + " : Features);");
        w.Line("nuint f = 0;");
        w.Open("for (; f + " + Literals.Int(4 * p.Lanes) + " <= end; f += " + Literals.Int(4 * p.Lanes) + ")");
        string[] values = writeValues(new[] { "f", "f + " + lanes, "f + " + Literals.Int(2 * p.Lanes), "f + " + Literals.Int(3 * p.Lanes) });
        w.Line("Streaming.Store(" + string.Join(", ", values) + ", ref Unsafe.Add(ref " + output + "Row, f));");
        w.Close();
        w.Open("for (; f < end; f += " + lanes + ")");
        string value = writeValues(new[] { "f" })[0];
        w.Line("Streaming.Store(" + value + ", ref Unsafe.Add(ref " + output + "Row, f));");
        w.Close();
        w.Close();
    }

    /// <summary>
    /// The scalar remainder of a streaming kernel: the head elements of the first row and the last
    /// <c>lanes - head</c> of the last row, one at a time through <paramref name="writeElement"/>, given an element
    /// index and a feature index.
    /// </summary>
    private static void WriteStreamingEnds(SourceWriter w, VectorPlan p, System.Action<string, string> writeElement)
    {
        w.Line();
        w.Line("// The elements before the first boundary and after the last whole vector, one at a time.");
        w.Open("for (int f = 0; f < head; f++)");
        writeElement("f", "f");
        w.Close();
        w.Line("nint lastRow = (rows - 1) * Features;");
        w.Open("for (int f = head == 0 ? Features : Features - " + Literals.Int(p.Lanes) + " + head; f < Features; f++)");
        writeElement("lastRow + f", "f");
        w.Close();
        w.Line();
        w.Line("Streaming.Fence();");
        w.Close();
    }

    private void WriteNormalizeStreaming(SourceWriter w, VectorPlan p)
    {
        OpenStreamingKernel(w, p, "Normalize", "y",
            "NormalizeStreaming" + Literals.Int(p.Bits) + "(ref " + _t + " x, nint rows, ref " + _t + " y, ref " + _t + " c, ref " + _t + " s, ref " + _t + " b)",
            new[] { ("c", "center"), ("s", "scale"), ("b", "shift") });
        WriteStreamingWalk(w, p, new[] { "x", "y" }, "y", offsets =>
        {
            var names = new string[offsets.Length];
            for (int i = 0; i < offsets.Length; i++)
            {
                string o = offsets[i];
                names[i] = offsets.Length == 1 ? "value" : "value" + Literals.Int(i);
                w.Line("var " + names[i] + " = " + Normalized(p, "xRow", o, p.Load("center", o), p.Load("scale", o), p.Load("shift", o)) + ";");
            }

            return names;
        });
        string zero = "(" + _t + ")0";
        WriteStreamingEnds(w, p, (i, f) =>
        {
            string value = "(Unsafe.Add(ref x, " + i + ") - Unsafe.Add(ref c, " + f + ")) * Unsafe.Add(ref s, " + f + ") + Unsafe.Add(ref b, " + f + ")";
            w.Line("Unsafe.Add(ref y, " + i + ") = " + (Relu ? "Math.Max(" + value + ", " + zero + ")" : value) + ";");
        });
    }

    private void WriteBackwardInputStreaming(SourceWriter w, VectorPlan p)
    {
        var coefficients = new List<(string, string)> { ("pivot", "p") };
        if (Relu)
        {
            coefficients.Add(("s", "scale"));
            coefficients.Add(("b", "shift"));
        }

        coefficients.Add(("a", "dyCoefficient"));
        coefficients.Add(("k", "xCoefficient"));
        coefficients.Add(("c", "bias"));
        OpenStreamingKernel(w, p, "BackwardInput", "dx",
            "BackwardInputStreaming" + Literals.Int(p.Bits) + "(ref " + _t + " x, nint rows, ref " + _t + " dy, ref " + _t + " dx, ref " + _t + " pivot, " +
                MaskParameters + "ref " + _t + " a, ref " + _t + " k, ref " + _t + " c)",
            coefficients.ToArray());
        WriteStreamingWalk(w, p, new[] { "x", "dy", "dx" }, "dx", offsets =>
        {
            var names = new string[offsets.Length];
            for (int i = 0; i < offsets.Length; i++)
            {
                string suffix = offsets.Length == 1 ? "" : Literals.Int(i);
                string o = offsets[i];
                WriteCenteredAndDy(w, p, 0, 1, suffix, o, p.Load("p", o), p.Load("scale", o), p.Load("shift", o));
                names[i] = "value" + suffix;
                w.Line("var " + names[i] + " = " + InputGradient("gradient" + suffix, "centered" + suffix, p.Load("dyCoefficient", o), p.Load("xCoefficient", o), p.Load("bias", o)) + ";");
            }

            return names;
        });
        string zero = "(" + _t + ")0";
        WriteStreamingEnds(w, p, (i, f) =>
        {
            w.Line(_t + " centered = Unsafe.Add(ref x, " + i + ") - Unsafe.Add(ref pivot, " + f + ");");
            string dy = "Unsafe.Add(ref dy, " + i + ")";
            w.Line(_t + " gradient = " + (Relu ? "centered * Unsafe.Add(ref s, " + f + ") + Unsafe.Add(ref b, " + f + ") > 0 ? " + dy + " : " + zero : dy) + ";");
            w.Line("Unsafe.Add(ref dx, " + i + ") = Unsafe.Add(ref a, " + f + ") * gradient + Unsafe.Add(ref k, " + f + ") * centered + Unsafe.Add(ref c, " + f + ");");
        });
    }
}
