using System.Collections.Generic;
using NormGen.Generator.Model;

namespace NormGen.Generator.Emitting;

/// <summary>
/// The members every row-wise layer (layer norm, RMS norm) declares the same way: constants, the interface
/// properties, the parameter arrays, and the per-sample state that grows with the largest batch. Its rows are
/// normalized by the runtime's SegmentKernels and RowKernels, called with the constant length Features.
/// </summary>
internal sealed class RowKernelsMembers
{
    private readonly SourceWriter _w;
    private readonly string _t;
    private readonly LayerSpec _spec;
    private readonly int _features;

    public RowKernelsMembers(SourceWriter writer, LayerSpec spec, int features)
    {
        _w = writer;
        _spec = spec;
        _features = features;
        _t = Literals.TypeKeyword(spec.Element);
    }

    /// <summary>The shape in messages and docs, e.g. <c>(batch, 128)</c>.</summary>
    public static string ShapeText(int features) => "(batch, " + Literals.Int(features) + ")";

    /// <summary>The description lines about state and kernels that both kinds share, after the kind's own state lines.</summary>
    /// <param name="stateLines">What is kept per sample between Forward and Backward, starting with "State: ".</param>
    public static string[] SharedDescription(params string[] stateLines)
    {
        var lines = new List<string>(stateLines)
        {
            "Kernels: each row calls the runtime's SegmentKernels and RowKernels with the constant length Features. They are",
            "aggressively inlined, so the JIT folds the length and the flags; the horizontal sums and tails along a row are",
            "written and tested once in the runtime and shared by every row-wise kind.",
        };
        return lines.ToArray();
    }

    /// <summary>Writes Features, Epsilon, Shape, Name, SampleLength and Training.</summary>
    public void WriteConstants(string epsilonSummary)
    {
        var w = _w;
        w.Summary("Values per sample, normalized together.");
        w.Line("public const int Features = " + Literals.Int(_features) + ";");
        w.Line();
        w.Summary(epsilonSummary);
        w.Line("public const double Epsilon = " + Literals.Double(_spec.Epsilon) + ";");
        w.Line();
        w.Line("private const string Shape = \"" + ShapeText(_features) + "\";");
        w.Line();
        w.Summary("The layer's name in error messages.");
        w.Line("public string Name => \"" + _spec.Target.DisplayName + "\";");
        w.Line();
        w.Summary("Elements per sample: Features.");
        w.Line("public int SampleLength => Features;");
        w.Line();
        w.Summary("True after construction. Statistics are per sample, so Forward and Backward are the same in training and inference.");
        w.Line("public bool Training { get; set; } = true;");
        w.Line();
    }

    /// <summary>Writes Gamma, Beta, GammaGrad and BetaGrad; Beta and BetaGrad are empty unless <paramref name="hasBeta"/>.</summary>
    public void WriteParameters(bool hasBeta) =>
        ParameterArrays.Write(_w, _spec.Element, "Features", "feature", _spec.Affine, hasBeta ? null : "RMS normalization has no shift.");

    /// <summary>Writes the per-sample state arrays (one value per sample of the last Forward) and _forwardBatch.</summary>
    public void WriteState(string comment, params string[] arrays)
    {
        _w.Line("// " + comment);
        _w.Line("// Sized for the largest batch seen: grown by EnsureCapacity when a larger batch arrives, never per call.");
        foreach (string array in arrays)
        {
            _w.Line("private " + _t + "[] " + array + " = Array.Empty<" + _t + ">();");
        }

        _w.Line("private int _forwardBatch;");
    }

    /// <summary>Writes EnsureCapacity, which replaces the state arrays when a larger batch arrives.</summary>
    public void WriteEnsureCapacity(params string[] arrays)
    {
        var w = _w;
        w.Line();
        w.Summary("Grows the per-sample state to hold <paramref name=\"batch\"/> samples; does nothing once it is large enough.");
        w.Open("private void EnsureCapacity(int batch)");
        w.Open("if (" + arrays[0] + ".Length < batch)");
        foreach (string array in arrays)
        {
            w.Line(array + " = new " + _t + "[batch];");
        }

        w.Close();
        w.Close();
    }

    /// <summary>Writes the validation that opens Forward.</summary>
    public void WriteForwardChecks()
    {
        _w.Line("int batch = ShapeGuard.BatchSize(Name, Shape, Features, x.Length);");
        _w.Line("ShapeGuard.SameLength(Name, Shape, nameof(y), x.Length, y.Length);");
    }

    /// <summary>Writes the validation that opens Backward; nothing changes before it passes.</summary>
    public void WriteBackwardChecks()
    {
        _w.Line("int batch = ShapeGuard.BatchSize(Name, Shape, Features, x.Length);");
        _w.Line("ShapeGuard.SameLength(Name, Shape, nameof(dy), x.Length, dy.Length);");
        _w.Line("ShapeGuard.SameLength(Name, Shape, nameof(dx), x.Length, dx.Length);");
        _w.Line("ShapeGuard.BackwardMatchesForward(Name, _forwardBatch, batch);");
    }

    /// <summary><c>ref T name = ref ...;</c> for the start of an array's data.</summary>
    public string ArrayRef(string local, string array) => "ref " + _t + " " + local + " = ref MemoryMarshal.GetArrayDataReference(" + array + ");";

    /// <summary><c>ref T start = ref ...;</c> for the first element of a span.</summary>
    public string SpanRef(string local, string span) => "ref " + _t + " " + local + " = ref MemoryMarshal.GetReference(" + span + ");";

    /// <summary><c>ref T row = ref ...;</c> for row n, from a reference to the first element.</summary>
    public string RowRef(string local, string start) => "ref " + _t + " " + local + " = ref Unsafe.Add(ref " + start + ", (nint)n * Features);";

    /// <summary>1 / sqrt(<paramref name="meanSquare"/> + Epsilon), computed in double for either element type.</summary>
    public string InverseSqrt(string meanSquare) =>
        _spec.Element == ElementKind.Float
            ? "(float)(1 / Math.Sqrt(" + meanSquare + " + Epsilon))"
            : "1 / Math.Sqrt(" + meanSquare + " + Epsilon)";
}
