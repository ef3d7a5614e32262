using System.Collections.Generic;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Emitting;

/// <summary>The elementwise kernels, y from x (Normalize) and dx from x and dy (BackwardInput).</summary>
internal sealed partial class BatchNormColumnKernels
{
    private string Activate(VectorPlan p, string value) => Relu ? p.Vector + ".Max(" + value + ", " + p.Zero + ")" : value;

    /// <summary>The normalized value of <paramref name="row"/> at <paramref name="offset"/>, through the fused activation.</summary>
    private string Normalized(VectorPlan p, string row, string offset, string center, string scale, string shift) =>
        Activate(p, "(" + p.Load(row, offset) + " - " + center + ") * " + scale + " + " + shift);

    private void WriteNormalize(SourceWriter w, VectorPlan p)
    {
        string bits = Literals.Int(p.Bits);
        OpenKernel(w,
            "<see cref=\"Normalize\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector + (p.Strips ? ", in column strips." : "."),
            "Normalize" + bits + "(ref " + _t + " x, nint rows, ref " + _t + " y, ref " + _t + " c, ref " + _t + " s, ref " + _t + " b)");
        if (p.Strips)
        {
            WriteNormalizeStrips(w, p);
            w.Close();
            return;
        }

        string tail = Literals.Int(p.TailOffset);
        w.Line("// The whole row's coefficients in registers.");
        foreach ((string k, string offset) in RegisterBlocks(p))
        {
            w.Line(p.Type + " c" + k + " = " + p.Load("c", offset) + ";");
            w.Line(p.Type + " s" + k + " = " + p.Load("s", offset) + ";");
            w.Line(p.Type + " b" + k + " = " + p.Load("b", offset) + ";");
        }

        WriteRowLoops(w, 1, new[] { "x", "y" }, _ =>
        {
            if (p.HasTail)
            {
                w.Line("// The overlapping last vector is read before any store, so y may be x itself.");
                w.Line(p.Type + " yTail = " + Normalized(p, "xRow", tail, "cTail", "sTail", "bTail") + ";");
            }

            foreach ((string k, int offset) in p.FullBlocks)
            {
                string o = Literals.Int(offset);
                w.Line("(" + Normalized(p, "xRow", o, "c" + k, "s" + k, "b" + k) + ").StoreUnsafe(ref yRow, " + o + ");");
            }

            if (p.HasTail)
            {
                w.Line("yTail.StoreUnsafe(ref yRow, " + tail + ");");
            }
        });
        w.Close();
    }

    /// <summary>BackwardInput's coefficients of the given vectors, in registers: pivot, the ReLU's scale and shift, a, k, c.</summary>
    private void WriteBackwardInputCoefficients(SourceWriter w, VectorPlan p, IEnumerable<(string Suffix, string Offset)> blocks)
    {
        foreach ((string suffix, string offset) in blocks)
        {
            w.Line(p.Type + " pivot" + suffix + " = " + p.Load("pivot", offset) + ";");
            if (Relu)
            {
                w.Line(p.Type + " s" + suffix + " = " + p.Load("s", offset) + ";");
                w.Line(p.Type + " b" + suffix + " = " + p.Load("b", offset) + ";");
            }

            w.Line(p.Type + " a" + suffix + " = " + p.Load("a", offset) + ";");
            w.Line(p.Type + " k" + suffix + " = " + p.Load("k", offset) + ";");
            w.Line(p.Type + " c" + suffix + " = " + p.Load("c", offset) + ";");
        }
    }

    /// <summary>dx = dyCoefficient * gradient + xCoefficient * centered + bias, from the names of its parts.</summary>
    private static string InputGradient(string gradient, string centered, string a, string k, string c) =>
        a + " * " + gradient + " + " + k + " * " + centered + " + " + c;

    private void WriteBackwardInput(SourceWriter w, VectorPlan p)
    {
        string bits = Literals.Int(p.Bits);
        OpenKernel(w,
            "<see cref=\"BackwardInput\"/> with " + Literals.Int(p.Lanes) + " features per " + p.Vector + (p.Strips ? ", in column strips." : "."),
            "BackwardInput" + bits + "(ref " + _t + " x, nint rows, ref " + _t + " dy, ref " + _t + " dx, ref " + _t + " pivot, " +
                MaskParameters + "ref " + _t + " a, ref " + _t + " k, ref " + _t + " c)");
        if (p.Strips)
        {
            WriteBackwardInputStrips(w, p);
            w.Close();
            return;
        }

        string tail = Literals.Int(p.TailOffset);
        w.Line("// The whole row's coefficients in registers.");
        WriteBackwardInputCoefficients(w, p, RegisterBlocks(p));
        WriteRowLoops(w, 1, new[] { "x", "dy", "dx" }, _ =>
        {
            if (p.HasTail)
            {
                w.Line("// The overlapping last vector is read before any store, so dx may be dy itself.");
                WriteCenteredAndDy(w, p, 0, 1, "Tail", tail, "pivotTail", "sTail", "bTail");
                w.Line(p.Type + " dxTail = " + InputGradient("gradientTail", "centeredTail", "aTail", "kTail", "cTail") + ";");
            }

            foreach ((string suffix, int offset) in p.FullBlocks)
            {
                string o = Literals.Int(offset);
                WriteCenteredAndDy(w, p, 0, 1, suffix, o, "pivot" + suffix, "s" + suffix, "b" + suffix);
                w.Line("(" + InputGradient("gradient" + suffix, "centered" + suffix, "a" + suffix, "k" + suffix, "c" + suffix) + ").StoreUnsafe(ref dxRow, " + o + ");");
            }

            if (p.HasTail)
            {
                w.Line("dxTail.StoreUnsafe(ref dxRow, " + tail + ");");
            }
        });
        w.Close();
    }
}
