namespace NormGen.Generator.Emitting;

/// <summary>
/// The kernels of the runtime take <c>streaming</c>, a StreamMode: Cached, Streaming (the call's input is over
/// LayerCore.StreamingBytes: on AVX-512 hardware the 512-bit bodies run as 256-bit pairs) or NonTemporal (the output is
/// also over LayerCore.NonTemporalBytes: the kernels that write it use non-temporal stores). Generated loops over rows or
/// runs are written once and inlined once per mode their kernels tell apart.
/// </summary>
internal static class StreamingCopies
{
    /// <summary>
    /// Writes an override that calls its body's method (<paramref name="call"/>, which the caller then opens) with
    /// <c>streaming</c> as a constant, so each inlined copy of the body holds only its own kernels: a branch between them
    /// in every row, around a call, made layer norm in cache 35% to 75% slower. A body that writes a whole output
    /// (<paramref name="writesOutput"/>) gets a third copy for non-temporal stores; one that only reads treats
    /// NonTemporal as Streaming.
    /// </summary>
    public static void Write(SourceWriter w, string signature, string call, bool writesOutput)
    {
        w.Line();
        string[] lines = signature.Split('\n');
        for (int i = 0; i < lines.Length - 1; i++)
        {
            w.Line(lines[i]);
        }

        w.Open(lines[lines.Length - 1]);
        w.Line(writesOutput
            ? "// One copy of the loop per stream mode, each with its kernels' choice of vectors and stores folded in."
            : "// One copy of the loop per stream mode, each with its kernels' choice of vectors folded in.");
        w.Open("if (streaming == StreamMode.Cached)");
        w.Line(call + ", StreamMode.Cached);");
        w.Close();
        if (writesOutput)
        {
            w.Open("else if (streaming == StreamMode.Streaming)");
            w.Line(call + ", StreamMode.Streaming);");
            w.Close();
            w.Open("else");
            w.Line(call + ", StreamMode.NonTemporal);");
            w.Close();
        }
        else
        {
            w.Open("else");
            w.Line(call + ", StreamMode.Streaming);");
            w.Close();
        }

        w.Close();
        w.Line();
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
    }
}
