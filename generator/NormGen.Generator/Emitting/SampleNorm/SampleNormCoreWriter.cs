using NormGen.Generator.Model;

namespace NormGen.Generator.Emitting;

/// <summary>
/// Writes what the file-local cores of the per-sample kinds (layer, RMS, group and instance norm) share: the
/// constructor that describes the layer to the runtime's <c>SampleNormCore</c>, and the lines that open the two kernels.
/// </summary>
internal static class SampleNormCoreWriter
{
    /// <summary>The constructor: <c>public Core() : base(name, shape, ...) { }</c>.</summary>
    public static void Constructor(SourceWriter w, LayerSpec spec, string coreName, string shape, string sampleLength, string parameterLength, bool hasShift, string unitsPerSample)
    {
        w.Line("public " + coreName + "()");
        w.Line("    : base(");
        w.Line("        name: \"" + spec.Target.DisplayName + "\",");
        w.Line("        shape: \"" + shape + "\",");
        w.Line("        sampleLength: " + sampleLength + ",");
        w.Line("        parameterLength: " + parameterLength + ",");
        w.Line("        affine: " + Literals.Bool(spec.Affine) + ",");
        w.Line("        hasShift: " + Literals.Bool(hasShift) + ",");
        w.Line("        unitsPerSample: " + unitsPerSample + ")");
        w.Line("{");
        w.Line("}");
    }

    /// <summary>
    /// Writes <c>ForwardSamples</c>, which runs the rows in one of two copies, and opens the rows' method
    /// (<c>ForwardRows</c>); then takes references to the starts of x and y.
    /// </summary>
    public static void OpenForward(SourceWriter w, string t)
    {
        string span = "Span<" + t + ">";
        string parameters = "ReadOnly" + span + " x, " + span + " y, " + span + " pivot, " + span + " mean, " + span + " inverseStd";
        StreamingCopies.Write(w, "protected override void ForwardSamples(" + parameters + ", StreamMode streaming)", "ForwardRows(x, y, pivot, mean, inverseStd", writesOutput: true);
        w.Open("private void ForwardRows(" + parameters + ", StreamMode streaming)");
        w.Line(SpanRef(t, "xStart", "x"));
        w.Line(SpanRef(t, "yStart", "y"));
    }

    /// <summary>Writes <c>BackwardSamples</c> and opens <c>BackwardRows</c>, as <see cref="OpenForward"/> does; then takes references to the starts of x, dy and dx.</summary>
    public static void OpenBackward(SourceWriter w, string t)
    {
        string readOnly = "ReadOnlySpan<" + t + ">";
        string span = "Span<" + t + ">";
        string parameters = readOnly + " x, " + readOnly + " dy, " + span + " dx, " + readOnly + " pivot, " + readOnly + " mean, " + readOnly + " inverseStd,\n" +
            "    " + span + " gammaGrad, " + span + " betaGrad, StreamMode streaming)";
        StreamingCopies.Write(w, "protected override void BackwardSamples(\n    " + parameters, "BackwardRows(x, dy, dx, pivot, mean, inverseStd, gammaGrad, betaGrad", writesOutput: true);
        string[] lines = ("private void BackwardRows(\n    " + parameters).Split('\n');
        w.Line(lines[0]);
        w.Line(lines[1]);
        w.Open(lines[2]);
        w.Line(SpanRef(t, "xStart", "x"));
        w.Line(SpanRef(t, "dyStart", "dy"));
        w.Line(SpanRef(t, "dxStart", "dx"));
    }

    /// <summary><c>ref T local = ref MemoryMarshal.GetReference(span);</c>.</summary>
    public static string SpanRef(string t, string local, string span) => "ref " + t + " " + local + " = ref MemoryMarshal.GetReference(" + span + ");";

    /// <summary><c>ref T local = ref MemoryMarshal.GetArrayDataReference(array);</c>.</summary>
    public static string ArrayRef(string t, string local, string array) => "ref " + t + " " + local + " = ref MemoryMarshal.GetArrayDataReference(" + array + ");";

    /// <summary><c>ref T local = ref Unsafe.Add(ref start, (nint)n * length);</c>: sample n's row.</summary>
    public static string RowRef(string t, string local, string start, string length) => "ref " + t + " " + local + " = ref Unsafe.Add(ref " + start + ", (nint)n * " + length + ");";

    /// <summary>1 / sqrt(<paramref name="meanSquare"/> + Epsilon), computed in double for either element type.</summary>
    public static string InverseSqrt(ElementKind element, string meanSquare) =>
        element == ElementKind.Float
            ? "(float)(1 / Math.Sqrt(" + meanSquare + " + Epsilon))"
            : "1 / Math.Sqrt(" + meanSquare + " + Epsilon)";
}
