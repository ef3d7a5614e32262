using System;
using System.Collections.Generic;
using System.Linq;
using NormGen.Generator.Model;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Emitting;

/// <summary>
/// The O(batch * Features) kernels of a batch-norm layer with Spatial = 1: every row of x is Features
/// contiguous values, one per feature, so each vector lane is one feature and reductions over the batch are
/// plain vector adds (no horizontal sums). Each kernel is emitted for the vector widths where specializing for the
/// shape pays: a row that fits in registers (<see cref="VectorPlan.Unrolled"/>), and a wider row's 512-bit column
/// strips (<see cref="VectorPlan.Strips"/>); a dispatcher on IsHardwareAccelerated (a JIT-time constant) calls the
/// widest of them, and otherwise the runtime's ColumnKernels, the same loops for every row width (256-bit, 128-bit or
/// scalar) with the running sums in L1.
/// </summary>
/// <remarks>
/// <para>
/// Every pass that reads x or dy from memory walks the rows in memory order, one row after the other, so the hardware
/// prefetchers see one ascending stream per array (blocks of rows interleave several streams within a page, which
/// measured up to 1.5x slower on batches that do not fit in cache). A row that fits in registers keeps its sums and
/// coefficients in registers, and its reductions take <see cref="ReductionRows"/> rows at a time (a short tree per
/// block, so a register's dependency chain is one add per block). The summation order of the strips is the runtime
/// loops' (ColumnKernels), so a wide row gives the same bits in either.
/// </para>
/// </remarks>
internal sealed partial class BatchNormColumnKernels
{
    /// <summary>Rows per block of the reductions held in registers and of the second statistics pass.</summary>
    internal const int ReductionRows = 4;

    /// <summary>
    /// Most rows a float sum of the statistics covers: its relative error stays near 16 * 2^-24 at worst, and longer sums
    /// go on in double (<see cref="Widens"/>); the core merges chunks in double.
    /// </summary>
    internal const int FloatSumRows = 16;

    /// <summary>
    /// Bytes of x per statistics chunk: the chunk stays in L2 (512 KiB or more per core on current x64 parts) between
    /// the two passes of <c>ChunkMoments</c>, and the core's O(Features) merge per chunk is spread over many rows.
    /// </summary>
    private const int ChunkBytes = 128 * 1024;

    /// <summary>Most rows per chunk: enough to spread the core's O(Features) merge per chunk over many rows.</summary>
    private const int MaxChunkRows = 256;

    private readonly BatchNormSpec _spec;
    private readonly string _t;
    private readonly List<VectorPlan> _plans;

    public BatchNormColumnKernels(BatchNormSpec spec)
    {
        _spec = spec;
        _t = Literals.TypeKeyword(spec.Element);
        // The widths whose kernels keep a row (or a strip of it) in registers; wider rows take the runtime's loops.
        _plans = VectorPlan.For(spec.Features, spec.Element).Where(p => p.Unrolled || p.Strips).ToList();
    }

    private bool Relu => _spec.Activation == Activation.Relu;

    /// <summary>
    /// Whether ChunkMoments sums in float over <see cref="FloatSumRows"/> rows and then in double: a float layer whose
    /// chunks are longer (rows of less than 8 KiB, so the double sums of a wide row fit in 16 KiB of stack).
    /// </summary>
    private bool Widens => _spec.Element == ElementKind.Float && RowsPerChunk(_spec) > FloatSumRows;

    private static int ElementBytes(BatchNormSpec spec) => spec.Element == ElementKind.Float ? 4 : 8;

    /// <summary>
    /// Rows per statistics chunk for a (batch, Features) layer: about <see cref="ChunkBytes"/> of x, at most
    /// <see cref="MaxChunkRows"/>, at least 2, and a whole number of reduction blocks when there is more than one.
    /// </summary>
    public static int RowsPerChunk(BatchNormSpec spec)
    {
        int rows = Math.Min(MaxChunkRows, ChunkBytes / (spec.Features * ElementBytes(spec)));
        return rows >= ReductionRows ? rows - rows % ReductionRows : Math.Max(2, rows);
    }

    /// <summary>The comment above the RowsPerChunk constant.</summary>
    public static string ChunkComment(BatchNormSpec spec) =>
        "// Samples per statistics chunk: up to " + Literals.Int(ChunkBytes / 1024) + " KiB of x and " + Literals.Int(MaxChunkRows) +
        " rows, so the second pass over a chunk hits L2" + (RowsPerChunk(spec) * spec.Features * ElementBytes(spec) > ChunkBytes ? " or L3." : ".");

    public void Write(SourceWriter w)
    {
        string t = _t;
        string relu = Relu ? "true" : "false";
        WriteDispatcher(w, "ChunkMoments",
            "ReadOnlySpan<" + t + "> x, ReadOnlySpan<" + t + "> pivot, Span<" + t + "> mean, Span<" + t + "> m2, StreamMode streaming",
            new[] { "x", "pivot", "mean", "m2" },
            "x, pivot, mean, m2, Features, widen: " + (Widens ? "true" : "false"));
        WriteDispatcher(w, "Normalize",
            "ReadOnlySpan<" + t + "> x, Span<" + t + "> y, ReadOnlySpan<" + t + "> center, ReadOnlySpan<" + t + "> scale, ReadOnlySpan<" + t + "> shift, StreamMode streaming",
            new[] { "x", "y", "center", "scale", "shift" },
            "x, y, center, scale, shift, Features, relu: " + relu);
        WriteDispatcher(w, "BackwardSums",
            "ReadOnlySpan<" + t + "> x, ReadOnlySpan<" + t + "> dy, ReadOnlySpan<" + t + "> pivot, ReadOnlySpan<" + t + "> scale, ReadOnlySpan<" + t + "> shift, Span<" + t + "> sumDy, Span<" + t + "> sumDyCentered, StreamMode streaming",
            Relu ? new[] { "x", "dy", "pivot", "scale", "shift", "sumDy", "sumDyCentered" } : new[] { "x", "dy", "pivot", "sumDy", "sumDyCentered" },
            "x, dy, pivot, scale, shift, sumDy, sumDyCentered, Features, relu: " + relu);
        WriteDispatcher(w, "BackwardInput",
            "ReadOnlySpan<" + t + "> x, ReadOnlySpan<" + t + "> dy, Span<" + t + "> dx, ReadOnlySpan<" + t + "> pivot, ReadOnlySpan<" + t + "> scale, ReadOnlySpan<" + t + "> shift,\n" +
            "    ReadOnlySpan<" + t + "> dyCoefficient, ReadOnlySpan<" + t + "> xCoefficient, ReadOnlySpan<" + t + "> bias, StreamMode streaming",
            Relu ? new[] { "x", "dy", "dx", "pivot", "scale", "shift", "dyCoefficient", "xCoefficient", "bias" } : new[] { "x", "dy", "dx", "pivot", "dyCoefficient", "xCoefficient", "bias" },
            "x, dy, dx, pivot, scale, shift, dyCoefficient, xCoefficient, bias, Features, relu: " + relu);

        foreach (VectorPlan plan in _plans)
        {
            WriteChunkMoments(w, plan);
            WriteNormalize(w, plan);
            WriteBackwardSums(w, plan);
            WriteBackwardInput(w, plan);
        }
    }

    /// <summary>
    /// An override of the core's kernel: takes the spans apart into references and the row count, then calls the
    /// generated kernel of the widest vector the machine accelerates (IsHardwareAccelerated is a JIT-time constant), and
    /// otherwise the runtime's loop over a row too wide for registers (ColumnKernels: 256-bit, 128-bit or scalar), with
    /// <paramref name="runtimeArguments"/>. Under a fused ReLU the backward kernels also take scale and shift, to
    /// recompute the mask.
    /// </summary>
    private void WriteDispatcher(SourceWriter w, string name, string parameters, string[] used, string runtimeArguments)
    {
        w.Line();
        string[] lines = ("protected override void " + name + "(" + parameters + ")").Split('\n');
        foreach (string line in lines.Take(lines.Length - 1))
        {
            w.Line(line);
        }

        w.Open(lines[lines.Length - 1]);
        string runtimeCall = "ColumnKernels." + name + "(" + runtimeArguments + ", streaming);";
        if (_plans.Count == 0)
        {
            w.Line(runtimeCall);
            w.Close();
            return;
        }

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
            // A wide row's 512-bit kernel walks column strips, and loses to the 256-bit row walk on input that streams
            // from memory (LayerCore.StreamingBytes); lanes are features, so either width gives the same bits.
            bool stripsWhileBelowNonTemporal = plan.Strips && name == "ChunkMoments";
            if (stripsWhileBelowNonTemporal)
            {
                w.Line("// Input of 8 MiB or more runs faster in 256-bit vectors here; lanes are features, so the bits agree.");
            }
            else if (plan.Strips)
            {
                w.Line("// Input that streams from memory runs faster in 256-bit vectors here; lanes are features, so the bits agree.");
            }

            string condition = stripsWhileBelowNonTemporal ? " && streaming != StreamMode.NonTemporal"
                : plan.Strips ? " && streaming == StreamMode.Cached"
                : "";
            w.Open(keyword + " (" + plan.Vector + ".IsHardwareAccelerated" + condition + ")");
            w.Line(name + Literals.Int(plan.Bits) + call);
            w.Close();
            keyword = "else if";
        }

        w.Open("else");
        w.Line(runtimeCall);
        w.Close();
        w.Close();
    }

    /// <summary>Opens a kernel: its summary and the signature.</summary>
    private static void OpenKernel(SourceWriter w, string summary, string signature)
    {
        w.Line();
        w.Summary(summary);
        w.Open("private static void " + signature);
    }

    /// <summary>The scale and shift parameters the backward kernels take to recompute a fused ReLU's mask.</summary>
    private string MaskParameters => Relu ? "ref " + _t + " s, ref " + _t + " b, " : "";

    /// <summary>
    /// The name of a value of row <paramref name="row"/> of an iteration over <paramref name="count"/> rows:
    /// <c>deviation0Row1</c>, or <c>deviation0</c> when the iteration has one row.
    /// </summary>
    private static string Name(string stem, string suffix, int row, int count) =>
        count == 1 ? stem + suffix : stem + suffix + "Row" + Literals.Int(row);

    /// <summary>The reference to row <paramref name="row"/> of <paramref name="stream"/> in an iteration over <paramref name="count"/> rows: <c>xRow1</c>, or <c>xRow</c>.</summary>
    private static string RowOf(string stream, int row, int count) => count == 1 ? stream + "Row" : stream + "Row" + Literals.Int(row);

    /// <summary>
    /// The loops over the rows: blocks of <paramref name="block"/> rows up to <c>blockedRows</c>, then the rest one at
    /// a time (or one loop, for blocks of one row). Each iteration declares a reference to its rows of every stream
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
            w.Line("ref " + _t + " " + RowOf(stream, 0, count) + " = ref Unsafe.Add(ref " + stream + ", r * Features);");
            for (int i = 1; i < count; i++)
            {
                w.Line("ref " + _t + " " + RowOf(stream, i, count) + " = ref Unsafe.Add(ref " + RowOf(stream, i - 1, count) + ", Features);");
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

    private static string[] Rows(int count, Func<int, string> term) =>
        Enumerable.Range(0, count).Select(term).ToArray();

    /// <summary>The vectors of a row that fits in registers: a name suffix and a literal offset each, the overlapping tail last.</summary>
    private static List<(string Suffix, string Offset)> RegisterBlocks(VectorPlan p) =>
        p.AllBlocks.Select(b => (b.Suffix, Literals.Int(b.Offset))).ToList();

    private static string BlockedRows(int block) =>
        "nint blockedRows = rows - rows % " + Literals.Int(block) + ";";
}
