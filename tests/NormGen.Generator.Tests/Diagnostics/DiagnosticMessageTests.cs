using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NormGen.Generator.Diagnostics;
using NormGen.Generator.Tests.Infrastructure;

namespace NormGen.Generator.Tests.Diagnostics;

/// <summary>The exact text users read: each message quotes what they wrote and says how to fix it.</summary>
public class DiagnosticMessageTests
{
    public static TheoryData<string, string, string> Cases() => new()
    {
        { "[BatchNorm(Features = 3)] class Hidden { }", "NG0001", "'Hidden' must be declared partial so NormGen can add the generated [BatchNorm] members; add the 'partial' modifier" },
        { "[BatchNorm(Features = 3)] static partial class Hidden { }", "NG0002", "'Hidden' is a static class; [BatchNorm] applies to a non-static, non-abstract, non-generic, non-file-local class" },
        { "class Outer { [BatchNorm(Features = 3)] partial class Hidden { } }", "NG0003", "'Hidden' is nested in 'Outer', which is not partial; make every enclosing type partial and non-generic" },
        { "[BatchNorm(Features = -4)] partial class Hidden { }", "NG0004", "Features = -4 is not valid for [BatchNorm]: it must be between 1 and 16777216" },
        { "[BatchNorm(Spatial = 4)] partial class Hidden { }", "NG0005", "[BatchNorm] on 'Hidden' needs Features; add it, e.g. [BatchNorm(Features = 64)]" },
        { "[BatchNorm(Features = 3, Momentum = -0.5)] partial class Hidden { }", "NG0006", "Momentum = -0.5 is not valid: it must be a number in [0, 1], the weight of the old running value (PyTorch's momentum m is 1 - m here), e.g. 0.9" },
        { "[BatchNorm(Features = 3, Epsilon = double.NaN)] partial class Hidden { }", "NG0007", "Epsilon = NaN is not valid: it must be a finite number greater than 0, e.g. 1e-5" },
        { "[BatchNorm(Features = 3, Epsilon = -1.5e-7)] partial class Hidden { }", "NG0007", "Epsilon = -1.5E-07 is not valid: it must be a finite number greater than 0, e.g. 1e-5" },
        { "[BatchNorm(Features = 3, ElementType = typeof(decimal))] partial class Hidden { }", "NG0008", "ElementType = typeof(decimal) is not supported: use typeof(float) or typeof(double)" },
        { "[BatchNorm(Features = 3), LayerNorm(Features = 3)] partial class Hidden { }", "NG0009", "'Hidden' carries both [BatchNorm] and [LayerNorm]; a type holds one normalization layer, so remove one of them" },
        { "[BatchNorm(Features = 3)] partial class Hidden { void Forward() { } }", "NG0010", "'Hidden' already declares 'Forward', a member NormGen generates for [BatchNorm]; rename or remove your member" },
        { "[GroupNorm(Groups = 3, Channels = 8)] partial class Hidden { }", "NG0011", "Groups = 3 does not divide Channels = 8; choose Groups among the divisors of Channels (e.g. 2 or 4)" },
        { "[BatchNorm(Features = 3, RunningStats = (RunningStatsMode)7)] partial class Hidden { }", "NG0012", "RunningStats = 7 is not a defined RunningStatsMode value; use RunningStatsMode.Exponential or RunningStatsMode.Cumulative or RunningStatsMode.None" },
        { "[BatchNorm(Features = 4096, Spatial = 8192)] partial class Hidden { }", "NG0013", "Features * Spatial = 33554432 elements per sample exceeds the limit of 16777216; use a smaller shape" },
        { "[BatchNorm(Features = 3)] partial class Gamma { }", "NG0014", "A [BatchNorm] layer cannot be named 'Gamma': NormGen generates a member 'Gamma', and a member cannot have the name of its type; rename the type" },
        { "class Module { public string Name => \"m\"; } [BatchNorm(Features = 3)] partial class Hidden : Module { }", "NG0015", "'Hidden' inherits 'Name' from 'Module', and NormGen generates a member 'Name' for [BatchNorm] that would hide or fail to implement it; derive from another type or rename the inherited member" },
        { "abstract class Module { public abstract void Forward(System.ReadOnlySpan<float> x, System.Span<float> y); } [BatchNorm(Features = 3)] partial class Hidden : Module { }", "NG0015", "'Hidden' inherits 'Forward' from 'Module', and NormGen generates a member 'Forward' for [BatchNorm] that would hide or fail to implement it; derive from another type or rename the inherited member" },
        { "[BatchNorm(Features = 3, Epsilon = 1e-50)] partial class Hidden { }", "NG0017", "Epsilon = 1E-50 rounds to 0 in float, so a feature with zero variance would give NaN or infinity; use at least 1.1754944E-38 (the smallest normal float), e.g. 1e-5" },
        { "[LayerNorm(Features = 3, Epsilon = 1e-40)] partial class Hidden { }", "NG0017", "Epsilon = 1E-40 is subnormal in float, so a feature with zero variance would give NaN or infinity; use at least 1.1754944E-38 (the smallest normal float), e.g. 1e-5" },
        { "[RmsNorm(Features = 3, Epsilon = 1e-310, ElementType = typeof(double))] partial class Hidden { }", "NG0017", "Epsilon = 1E-310 is subnormal in double, so a feature with zero variance would give NaN or infinity; use at least 2.2250738585072014E-308 (the smallest normal double), e.g. 1e-5" },
        { "[BatchNorm(Features = 3, Renorm = true, RenormMaxScale = 0.5)] partial class Hidden { }", "NG0020", "RenormMaxScale = 0.5 is not valid: r is clipped to [1/RenormMaxScale, RenormMaxScale], so it must be a number of at least 1, e.g. 3" },
        { "[BatchNorm(Features = 3, Renorm = true, RenormMaxShift = double.NaN)] partial class Hidden { }", "NG0020", "RenormMaxShift = NaN is not valid: d is clipped to [-RenormMaxShift, RenormMaxShift], so it must be a number of at least 0, e.g. 5" },
        { "[BatchNorm(Features = 3, VirtualBatchSize = -2)] partial class Hidden { }", "NG0021", "VirtualBatchSize = -2 is not valid: it must be 0 (off) or a number of samples per ghost batch" },
        { "[BatchNorm(Features = 3, VirtualBatchSize = 1)] partial class Hidden { }", "NG0021", "VirtualBatchSize = 1 is not valid: a ghost batch of one sample has one value per feature and no variance; use at least 2" },
        { "[BatchNorm(Features = 3, Renorm = true, RunningStats = RunningStatsMode.None)] partial class Hidden { }", "NG0022", "Renorm = true cannot be combined with RunningStats = None: batch renormalization corrects the batch statistics toward the running ones, so it needs running statistics; use RunningStatsMode.Exponential or Cumulative, or remove Renorm" },
        { "[BatchNorm(Features = 3, Renorm = true, VirtualBatchSize = 4)] partial class Hidden { }", "NG0022", "Renorm = true cannot be combined with VirtualBatchSize = 4: both are remedies for small batches and NormGen implements each on its own (PyTorch has neither, so there is no reference for the pair); choose one" },
        { "[BatchNorm(Features = 3, RenormMaxShift = 2)] partial class Hidden { }", "NG0022", "RenormMaxShift cannot be combined with Renorm = false: it only applies to batch renormalization, so it would be ignored; set Renorm = true or remove it" },
        { "[BatchNorm(Features = 3)] partial record Hidden;", "NG0019", "'Hidden' is a record, but a [BatchNorm] layer is a mutable object with identity: a record's 'with' copy would share every array with the original and its equality would compare them by reference; declare it as a class" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MessageQuotesTheValueAndTheFix(string declaration, string id, string message)
    {
        GeneratorRun run = GeneratorHarness.Run("using NormGen;\n" + declaration);
        Diagnostic ours = Assert.Single(run.Diagnostics, d => d.Id.StartsWith("NG", StringComparison.Ordinal));
        Assert.Equal(id, ours.Id);
        Assert.Equal(message, ours.GetMessage(CultureInfo.InvariantCulture));
        Assert.Empty(run.GeneratedSources);
    }

    /// <summary>NG0018 needs an old language version, so it has its own test: one diagnostic, no generated code.</summary>
    [Theory]
    [InlineData(LanguageVersion.CSharp8, "8.0")]
    [InlineData(LanguageVersion.CSharp10, "10.0")]
    public void LanguageVersionBelowElevenGetsOneDiagnostic(LanguageVersion version, string shown)
    {
        var options = GeneratorHarness.ParseOptions.WithLanguageVersion(version);
        var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(
            "using NormGen;\nnamespace Old { [LayerNorm(Features = 3)] partial class Hidden { } }", options, path: "Source0.cs");
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(new[] { tree }), GeneratorHarness.CreateDriver(parseOptions: options));
        Diagnostic only = Assert.Single(run.Diagnostics);
        Assert.Equal("NG0018", only.Id);
        Assert.Equal(
            "NormGen generates C# 11 code (file-local classes) for [LayerNorm] on 'Hidden', but this project compiles with C# " + shown +
            "; set <LangVersion> to 11 or later, or remove it (.NET 8 projects default to C# 12)",
            only.GetMessage(CultureInfo.InvariantCulture));
        Assert.Empty(run.GeneratedSources);
    }

    [Fact]
    public void EveryDescriptorHasAMessageTest()
    {
        var tested = Cases().Select(row => (string)row[1]).Append("NG0018").ToHashSet();
        string[] untested = DiagnosticDescriptors.All.Select(d => d.Id).Where(id => !tested.Contains(id)).ToArray();
        Assert.True(untested.Length == 0, "No message test for " + string.Join(", ", untested));
    }

    [Fact]
    public void CatalogListsEveryDescriptorOnceAsAnError()
    {
        DiagnosticDescriptor[] fields = typeof(DiagnosticDescriptors)
            .GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToArray();
        Assert.Equal(fields.Select(d => d.Id).OrderBy(id => id), DiagnosticDescriptors.All.Select(d => d.Id).OrderBy(id => id));
        Assert.Equal(fields.Length, fields.Select(d => d.Id).Distinct().Count());
        Assert.All(fields, d => Assert.Matches("^NG[0-9]{4}$", d.Id));
        Assert.All(fields, d => Assert.Equal(DiagnosticSeverity.Error, d.DefaultSeverity));
        Assert.Equal(DiagnosticDescriptors.All, new NormGenAnalyzer().SupportedDiagnostics);
    }

    [Fact]
    public void ReleaseTrackingFilesListEveryDescriptor()
    {
        string generatorDirectory = Path.Combine(ThisDirectory(), "..", "..", "..", "generator", "NormGen.Generator");
        string text = File.ReadAllText(Path.Combine(generatorDirectory, "AnalyzerReleases.Shipped.md")) +
                      File.ReadAllText(Path.Combine(generatorDirectory, "AnalyzerReleases.Unshipped.md"));
        // Removed rules are listed again under "### Removed Rules"; the current catalog is every other row.
        var rows = RulesOutsideRemovedSections(text)
            .Select(line => line.Split('|').Select(cell => cell.Trim()).ToArray())
            .Where(cells => cells.Length >= 4 && cells[0].StartsWith("NG", StringComparison.Ordinal))
            .ToDictionary(cells => cells[0], cells => cells[3]);
        Assert.All(DiagnosticDescriptors.All, d => Assert.Equal(d.Title.ToString(CultureInfo.InvariantCulture), rows[d.Id]));
        Assert.Equal(DiagnosticDescriptors.All.Length, rows.Count);
    }

    private static IEnumerable<string> RulesOutsideRemovedSections(string text)
    {
        var removed = new HashSet<string>(StringComparer.Ordinal);
        bool inRemoved = false;
        var lines = new List<string>();
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith("#", StringComparison.Ordinal))
            {
                inRemoved = line.Contains("Removed Rules", StringComparison.Ordinal);
            }
            else if (inRemoved)
            {
                removed.Add(line.Split('|')[0].Trim());
            }
            else
            {
                lines.Add(line);
            }
        }

        return lines.Where(line => !removed.Contains(line.Split('|')[0].Trim()));
    }

    private static string ThisDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
