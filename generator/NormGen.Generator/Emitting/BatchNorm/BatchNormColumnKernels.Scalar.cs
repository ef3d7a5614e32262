namespace NormGen.Generator.Emitting;

/// <summary>The scalar kernels: the fallback without SIMD, and the only path when Features is below the narrowest vector.</summary>
internal sealed partial class BatchNormColumnKernels
{
    private void WriteScalarKernels(SourceWriter w)
    {
        string t = _t;
        string zero = "(" + t + ")0";
        OpenKernel(w, "<see cref=\"ChunkMoments\"/> one feature at a time" + (Widens ? ", the sums in double." : "."),
            "ChunkMomentsScalar(ref " + t + " x, nint rows, ref " + t + " pivot, ref " + t + " mean, ref " + t + " squares)");
        if (Widens)
        {
            WriteScalarDoubleMoments(w);
        }
        else
        {
            WriteScalarMoments(w);
        }

        w.Close();

        OpenKernel(w, "<see cref=\"Normalize\"/> one feature at a time.",
            "NormalizeScalar(ref " + t + " x, nint rows, ref " + t + " y, ref " + t + " c, ref " + t + " s, ref " + t + " b)");
        w.Open("for (nint r = 0; r < rows; r++)");
        WriteRowReferences(w, 1, new[] { "x", "y" });
        w.Open("for (int f = 0; f < Features; f++)");
        string value = "(Unsafe.Add(ref xRow, f) - Unsafe.Add(ref c, f)) * Unsafe.Add(ref s, f) + Unsafe.Add(ref b, f)";
        w.Line("Unsafe.Add(ref yRow, f) = " + (Relu ? "Math.Max(" + value + ", " + zero + ")" : value) + ";");
        w.Close();
        w.Close();
        w.Close();

        void CenteredAndDy()
        {
            w.Line(t + " centered = Unsafe.Add(ref xRow, f) - Unsafe.Add(ref pivot, f);");
            w.Line(t + " gradient = " + (Relu ? "centered * Unsafe.Add(ref s, f) + Unsafe.Add(ref b, f) > 0 ? Unsafe.Add(ref dyRow, f) : " + zero : "Unsafe.Add(ref dyRow, f)") + ";");
        }

        OpenKernel(w, "<see cref=\"BackwardSums\"/> one feature at a time.",
            "BackwardSumsScalar(ref " + t + " x, nint rows, ref " + t + " dy, ref " + t + " pivot, " + MaskParameters + "ref " + t + " sumDy, ref " + t + " sumDyCentered)");
        w.Line("MemoryMarshal.CreateSpan(ref sumDy, Features).Clear();");
        w.Line("MemoryMarshal.CreateSpan(ref sumDyCentered, Features).Clear();");
        w.Open("for (nint r = 0; r < rows; r++)");
        WriteRowReferences(w, 1, new[] { "x", "dy" });
        w.Open("for (int f = 0; f < Features; f++)");
        CenteredAndDy();
        w.Line("Unsafe.Add(ref sumDy, f) += gradient;");
        w.Line("Unsafe.Add(ref sumDyCentered, f) += gradient * centered;");
        w.Close();
        w.Close();
        w.Close();

        OpenKernel(w, "<see cref=\"BackwardInput\"/> one feature at a time.",
            "BackwardInputScalar(ref " + t + " x, nint rows, ref " + t + " dy, ref " + t + " dx, ref " + t + " pivot, " + MaskParameters + "ref " + t + " a, ref " + t + " k, ref " + t + " c)");
        w.Open("for (nint r = 0; r < rows; r++)");
        WriteRowReferences(w, 1, new[] { "x", "dy", "dx" });
        w.Open("for (int f = 0; f < Features; f++)");
        CenteredAndDy();
        w.Line("Unsafe.Add(ref dxRow, f) = Unsafe.Add(ref a, f) * gradient + Unsafe.Add(ref k, f) * centered + Unsafe.Add(ref c, f);");
        w.Close();
        w.Close();
        w.Close();
    }

    private void WriteScalarMoments(SourceWriter w)
    {
        w.Line("MemoryMarshal.CreateSpan(ref mean, Features).Clear();");
        w.Line("MemoryMarshal.CreateSpan(ref squares, Features).Clear();");
        w.Open("for (nint r = 0; r < rows; r++)");
        WriteRowReferences(w, 1, new[] { "x" });
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line("Unsafe.Add(ref mean, f) += Unsafe.Add(ref xRow, f) - Unsafe.Add(ref pivot, f);");
        w.Close();
        w.Close();
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line("Unsafe.Add(ref mean, f) /= rows;");
        w.Close();
        w.Open("for (nint r = 0; r < rows; r++)");
        WriteRowReferences(w, 1, new[] { "x" });
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line(_t + " deviation = Unsafe.Add(ref xRow, f) - Unsafe.Add(ref pivot, f) - Unsafe.Add(ref mean, f);");
        w.Line("Unsafe.Add(ref squares, f) += deviation * deviation;");
        w.Close();
        w.Close();
    }

    /// <summary>The scalar statistics of a widening float layer: each difference and square added in double.</summary>
    private void WriteScalarDoubleMoments(SourceWriter w)
    {
        w.Line("Span<double> totals = stackalloc double[Features];");
        w.Open("for (nint r = 0; r < rows; r++)");
        WriteRowReferences(w, 1, new[] { "x" });
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line("totals[f] += Unsafe.Add(ref xRow, f) - Unsafe.Add(ref pivot, f);");
        w.Close();
        w.Close();
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line("Unsafe.Add(ref mean, f) = (float)(totals[f] / rows);");
        w.Line("totals[f] = 0;");
        w.Close();
        w.Open("for (nint r = 0; r < rows; r++)");
        WriteRowReferences(w, 1, new[] { "x" });
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line("float deviation = Unsafe.Add(ref xRow, f) - Unsafe.Add(ref pivot, f) - Unsafe.Add(ref mean, f);");
        w.Line("totals[f] += deviation * deviation;");
        w.Close();
        w.Close();
        w.Open("for (int f = 0; f < Features; f++)");
        w.Line("Unsafe.Add(ref squares, f) = (float)totals[f];");
        w.Close();
    }
}
