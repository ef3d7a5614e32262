using System.Collections.Generic;
using NormGen.Generator.Model;

namespace NormGen.Generator.Emitting;

/// <summary>
/// How one kernel covers a row of <see cref="Length"/> contiguous per-feature values with vectors of one width.
/// Full vectors start at 0, Lanes, 2*Lanes, ...; when Length is not a multiple of Lanes, one more vector
/// starts at Length - Lanes and overlaps the last full one (each lane is an independent feature, so
/// computing a feature twice gives the same bits). Small rows are unrolled with one register per vector.
/// </summary>
internal sealed class VectorPlan
{
    private VectorPlan(string vector, int bits, int lanes, int length, string element)
    {
        Vector = vector;
        Bits = bits;
        Lanes = lanes;
        Length = length;
        Element = element;
    }

    /// <summary>Vector512, Vector256 or Vector128.</summary>
    public string Vector { get; }

    public int Bits { get; }

    /// <summary>Elements per vector.</summary>
    public int Lanes { get; }

    /// <summary>Elements per row.</summary>
    public int Length { get; }

    /// <summary>float or double.</summary>
    public string Element { get; }

    public int FullVectors => Length / Lanes;

    public bool HasTail => Length % Lanes != 0;

    /// <summary>Where the overlapping last vector starts.</summary>
    public int TailOffset => Length - Lanes;

    /// <summary>
    /// Whether a row's vectors (the overlapping tail included) are few enough for a kernel to keep each one's
    /// accumulators and coefficients in registers across the batch loop: up to 8 vectors with 512-bit vectors
    /// (32 registers), up to 4 with narrower ones (16 registers on x64 without AVX-512).
    /// </summary>
    public bool Unrolled => FullVectors + (HasTail ? 1 : 0) <= (Bits == 512 ? 8 : 4);

    /// <summary>
    /// Whether the kernels walk a row too wide for registers in column strips, each strip's sums or coefficients in
    /// registers while the rows pass (<see cref="StripLayout"/>): the 512-bit kernels of such rows, which run only on
    /// input that fits in cache (a call that streams from memory takes the runtime's 256-bit row walk, ColumnKernels,
    /// and strips, which read each row in pieces, lose there). Narrower rows too wide for registers have no generated
    /// kernel: they take ColumnKernels.
    /// </summary>
    public bool Strips => Bits == 512 && !Unrolled;

    /// <summary>The full vectors of an unrolled plan: a name suffix and the offset of each.</summary>
    public IEnumerable<(string Suffix, int Offset)> FullBlocks
    {
        get
        {
            for (int i = 0; i < FullVectors; i++)
            {
                yield return (i.ToString(System.Globalization.CultureInfo.InvariantCulture), i * Lanes);
            }
        }
    }

    /// <summary>Every vector of an unrolled plan, the overlapping tail last.</summary>
    public IEnumerable<(string Suffix, int Offset)> AllBlocks
    {
        get
        {
            foreach ((string Suffix, int Offset) block in FullBlocks)
            {
                yield return block;
            }

            if (HasTail)
            {
                yield return ("Tail", TailOffset);
            }
        }
    }

    /// <summary>
    /// The vector type, written out where a local is declared: generated code never says <c>var</c>, which binds to
    /// any type the user names <c>var</c> in the global namespace.
    /// </summary>
    public string Type => Vector + "<" + Element + ">";

    /// <summary>The vector of doubles of the same width, for the widening sums.</summary>
    public string DoubleType => Vector + "<double>";

    public string Zero => Type + ".Zero";

    public string Load(string reference, string offset) => Vector + ".LoadUnsafe(ref " + reference + ", " + offset + ")";

    public string Load(string reference, int offset) => Load(reference, Literals.Int(offset));

    /// <summary>The widths whose vectors fit in a row of <paramref name="length"/>, widest first.</summary>
    public static List<VectorPlan> For(int length, ElementKind element)
    {
        int size = element == ElementKind.Float ? 4 : 8;
        var plans = new List<VectorPlan>();
        foreach (int bits in new[] { 512, 256, 128 })
        {
            int lanes = bits / 8 / size;
            if (lanes <= length)
            {
                plans.Add(new VectorPlan("Vector" + Literals.Int(bits), bits, lanes, length, Literals.TypeKeyword(element)));
            }
        }

        return plans;
    }
}

/// <summary>
/// How a kernel with <see cref="VectorPlan.Strips"/> cuts a row into column strips of <see cref="Vectors"/> vectors: a
/// loop over the full strips up to <see cref="LoopEnd"/>, then one last strip of the remaining full vectors and the
/// overlapping tail. The tail shares lanes with the vector before it, so both sit in the last strip, where each row
/// reads the tail before any store (the output may be the input itself).
/// </summary>
internal sealed class StripLayout
{
    public StripLayout(VectorPlan plan, int vectors)
    {
        Plan = plan;
        Vectors = vectors;
        int last = plan.FullVectors % vectors;
        LastFullVectors = plan.HasTail && last == 0 ? vectors : last;
        LoopEnd = (plan.FullVectors - LastFullVectors) * plan.Lanes;
    }

    public VectorPlan Plan { get; }

    /// <summary>Vectors per full strip.</summary>
    public int Vectors { get; }

    /// <summary>Elements per full strip.</summary>
    public int Width => Vectors * Plan.Lanes;

    /// <summary>One past the last element of the loop over full strips.</summary>
    public int LoopEnd { get; }

    /// <summary>Full vectors of the last strip (beside the tail).</summary>
    public int LastFullVectors { get; }

    /// <summary>Whether a last strip follows the loop.</summary>
    public bool HasLastStrip => LastFullVectors > 0 || Plan.HasTail;

    /// <summary>The vectors of a strip of the loop: a name suffix and the offset of each from <c>strip</c>.</summary>
    public IEnumerable<(string Suffix, string Offset)> LoopBlocks
    {
        get
        {
            for (int i = 0; i < Vectors; i++)
            {
                yield return (Literals.Int(i), i == 0 ? "strip" : "strip + " + Literals.Int(i * Plan.Lanes));
            }
        }
    }

    /// <summary>The full vectors of the last strip: a name suffix and a literal offset each.</summary>
    public IEnumerable<(string Suffix, string Offset)> LastBlocks
    {
        get
        {
            for (int i = 0; i < LastFullVectors; i++)
            {
                yield return ("Last" + Literals.Int(i), Literals.Int(LoopEnd + i * Plan.Lanes));
            }
        }
    }
}
