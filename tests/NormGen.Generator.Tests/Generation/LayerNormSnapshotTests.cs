using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using NormGen.Generator.Emitting;
using NormGen.Generator.Model;
using NormGen.Generator.Tests.Infrastructure;

namespace NormGen.Generator.Tests.Generation;

/// <summary>
/// Layer norm and RMS norm: emitter snapshots from hand-built specs (element type, Affine, ReLU, a row shorter than a
/// vector), an end-to-end generator snapshot, and the parser's diagnostics for these two attributes.
/// </summary>
public class LayerNormSnapshotTests
{
    private static readonly TargetType Target = new(
        "Snapshots", EquatableArray<ContainingType>.Empty, "class", "Layer", "Layer", "Snapshots.Layer.g.cs");

    private static LayerNormSpec LayerNorm(
        int features, ElementKind element = ElementKind.Float, bool affine = true, bool relu = false, double epsilon = 1e-5) =>
        new(Target, element, epsilon, affine, features, relu ? Shared.Activation.Relu : Shared.Activation.None);

    private static RmsNormSpec RmsNorm(int features, ElementKind element = ElementKind.Float, bool affine = true, double epsilon = 1e-5) =>
        new(Target, element, epsilon, affine, features);

    /// <summary>Snapshot name to spec; the names are the file names under Snapshots/.</summary>
    internal static readonly Dictionary<string, LayerSpec> EmitterCases = new()
    {
        ["Emitter.LayerNorm.Float.F128"] = LayerNorm(128),
        ["Emitter.LayerNorm.Double.F7.Relu"] = LayerNorm(7, ElementKind.Double, relu: true),
        ["Emitter.LayerNorm.Float.F3.NoAffine.Relu"] = LayerNorm(3, affine: false, relu: true),
        ["Emitter.LayerNorm.Double.F1000.NoAffine.Eps1e-3"] = LayerNorm(1000, ElementKind.Double, affine: false, epsilon: 1e-3),
        ["Emitter.RmsNorm.Float.F128"] = RmsNorm(128),
        ["Emitter.RmsNorm.Double.F7.NoAffine"] = RmsNorm(7, ElementKind.Double, affine: false),
        ["Emitter.RmsNorm.Float.F1.Eps1e-6"] = RmsNorm(1, epsilon: 1e-6),
    };

    public static IEnumerable<object[]> EmitterNames() => EmitterCases.Keys.Select(name => new object[] { name });

    [Theory]
    [MemberData(nameof(EmitterNames))]
    public void RowNormEmitterOutputMatchesSnapshot(string name) =>
        Snapshot.Match(name, Emitters.Emit(EmitterCases[name]));

    [Fact]
    public void TheReluOnlyChangesTheFlagsTheKernelsGetAndTheComments()
    {
        string plain = Emitters.Emit(LayerNorm(16));
        string relu = Emitters.Emit(LayerNorm(16, relu: true));
        Assert.DoesNotContain("relu: true", plain);
        Assert.Equal(3, Count(relu, "relu: true"));
        Assert.Equal(Code(plain).Replace("relu: false", "relu: true"), Code(relu));

        // The core: the header comment and the doc wording of the public members differ by design.
        static string Code(string text) => string.Join("\n", text.Substring(text.IndexOf("file sealed class", StringComparison.Ordinal))
            .Split('\n').Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal)));

        static int Count(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;
    }

    internal static readonly Dictionary<string, string> GeneratorCases = new()
    {
        ["Generator.LayerAndRmsNorm"] = """
            using NormGen;

            namespace Language;

            [LayerNorm(Features = 512, Activation = Activation.Relu)]
            public partial class BlockNorm { }

            [RmsNorm(Features = 100, ElementType = typeof(double), Epsilon = 1e-6)]
            internal partial class FinalNorm { }
            """,
    };

    public static IEnumerable<object[]> GeneratorNames() => GeneratorCases.Keys.Select(name => new object[] { name });

    [Theory]
    [MemberData(nameof(GeneratorNames))]
    public void GeneratedSourcesMatchSnapshots(string name)
    {
        GeneratorRun run = GeneratorHarness.Run(GeneratorCases[name]);
        Assert.True(!run.Errors.Any(), run.Describe());
        Assert.Equal(2, run.GeneratedSources.Count);
        foreach ((string hintName, string text) in run.GeneratedSources)
        {
            Snapshot.Match(name + "#" + hintName.Substring(0, hintName.Length - ".cs".Length), text);
        }
    }

    /// <summary>A bad argument gives exactly one diagnostic, quoting the value, and nothing is generated.</summary>
    [Theory]
    [InlineData("[LayerNorm]", "NG0005", "[LayerNorm] on 'Hidden' needs Features; add it, e.g. [LayerNorm(Features = 64)]")]
    [InlineData("[RmsNorm(Epsilon = 1e-6)]", "NG0005", "[RmsNorm] on 'Hidden' needs Features; add it, e.g. [RmsNorm(Features = 64)]")]
    [InlineData("[LayerNorm(Features = 0)]", "NG0004", "Features = 0 is not valid for [LayerNorm]: it must be between 1 and 16777216")]
    [InlineData("[RmsNorm(Features = -3)]", "NG0004", "Features = -3 is not valid for [RmsNorm]: it must be between 1 and 16777216")]
    [InlineData("[LayerNorm(Features = 16777217)]", "NG0004", "Features = 16777217 is not valid for [LayerNorm]: it must be between 1 and 16777216")]
    [InlineData("[LayerNorm(Features = 8, Epsilon = 0)]", "NG0007", "Epsilon = 0 is not valid: it must be a finite number greater than 0, e.g. 1e-5")]
    [InlineData("[RmsNorm(Features = 8, Epsilon = -1e-5)]", "NG0007", "Epsilon = -1E-05 is not valid: it must be a finite number greater than 0, e.g. 1e-5")]
    [InlineData("[RmsNorm(Features = 8, Epsilon = double.NaN)]", "NG0007", "Epsilon = NaN is not valid: it must be a finite number greater than 0, e.g. 1e-5")]
    [InlineData("[LayerNorm(Features = 8, ElementType = typeof(int))]", "NG0008", "ElementType = typeof(int) is not supported: use typeof(float) or typeof(double)")]
    [InlineData("[RmsNorm(Features = 8, ElementType = typeof(Half))]", "NG0008", "ElementType = typeof(Half) is not supported: use typeof(float) or typeof(double)")]
    [InlineData("[LayerNorm(Features = 8, Activation = (Activation)2)]", "NG0012", "Activation = 2 is not a defined Activation value; use Activation.None or Activation.Relu")]
    public void BadArgumentsReportOneDiagnostic(string attribute, string id, string message)
    {
        GeneratorRun run = GeneratorHarness.Run("using System;\nusing NormGen;\n" + attribute + " partial class Hidden { }");
        Diagnostic ours = Assert.Single(run.Diagnostics, d => d.Id.StartsWith("NG", StringComparison.Ordinal));
        Assert.Equal(id, ours.Id);
        Assert.Equal(message, ours.GetMessage(CultureInfo.InvariantCulture));
        Assert.Empty(run.GeneratedSources);
    }

    /// <summary>RMS norm has no Activation property: the compiler reports it, and NormGen adds no diagnostic of its own.</summary>
    [Fact]
    public void ActivationOnRmsNormIsACompilerError()
    {
        GeneratorRun run = GeneratorHarness.Run("using NormGen;\n[RmsNorm(Features = 8, Activation = Activation.Relu)] partial class Hidden { }");
        Diagnostic error = Assert.Single(run.Errors);
        Assert.StartsWith("CS", error.Id, StringComparison.Ordinal);
        Assert.Contains("Activation", error.GetMessage(CultureInfo.InvariantCulture));
        Assert.DoesNotContain(run.Diagnostics, d => d.Id.StartsWith("NG", StringComparison.Ordinal));
    }
}
