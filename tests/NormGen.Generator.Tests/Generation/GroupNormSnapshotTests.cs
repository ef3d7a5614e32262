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
/// Group and instance norm: emitter snapshots from hand-built specs (one per run layout, element type and Affine),
/// end-to-end generator snapshots, and the parser's diagnostics for these two attributes.
/// </summary>
public class GroupNormSnapshotTests
{
    private static readonly TargetType Target = new(
        "Snapshots", EquatableArray<ContainingType>.Empty, "class", "Layer", "Layer", "Snapshots.Layer.g.cs");

    private static GroupNormSpec GroupNorm(
        int groups, int channels, int spatial = 1, ElementKind element = ElementKind.Float, bool affine = true, double epsilon = 1e-5) =>
        new(Target, element, epsilon, affine, groups, channels, spatial, IsInstanceNorm: false);

    private static GroupNormSpec InstanceNorm(int channels, int spatial = 1, ElementKind element = ElementKind.Float, bool affine = true) =>
        new(Target, element, 1e-5, affine, channels, channels, spatial, IsInstanceNorm: true);

    /// <summary>Snapshot name to spec; the names are the file names under Snapshots/.</summary>
    internal static readonly Dictionary<string, GroupNormSpec> EmitterCases = new()
    {
        // A run per channel inside each group (Spatial > 1, several channels per group).
        ["Emitter.GroupNorm.Float.G8.C64.S256"] = GroupNorm(8, 64, 256),
        ["Emitter.GroupNorm.Double.G2.C4.S3"] = GroupNorm(2, 4, 3, ElementKind.Double),
        // A Gamma per value (Spatial = 1).
        ["Emitter.GroupNorm.Float.G3.C6"] = GroupNorm(3, 6),
        // One scale per group: not affine, or one channel per group.
        ["Emitter.GroupNorm.Float.G2.C4.S5.NoAffine"] = GroupNorm(2, 4, 5, affine: false),
        ["Emitter.GroupNorm.Float.G4.C4.S9.Eps1e-3"] = GroupNorm(4, 4, 9, epsilon: 1e-3),
        ["Emitter.InstanceNorm.Float.C3.S16"] = InstanceNorm(3, 16),
        ["Emitter.InstanceNorm.Double.C8.S4.NoAffine"] = InstanceNorm(8, 4, ElementKind.Double, affine: false),
    };

    public static IEnumerable<object[]> EmitterNames() => EmitterCases.Keys.Select(name => new object[] { name });

    [Theory]
    [MemberData(nameof(EmitterNames))]
    public void GroupNormEmitterOutputMatchesSnapshot(string name) =>
        Snapshot.Match(name, Emitters.Emit(EmitterCases[name]));

    [Fact]
    public void InstanceNormDiffersFromGroupNormOnlyInWordingAndTheGroupsConstant()
    {
        string group = Emitters.Emit(GroupNorm(3, 3, 16));
        string instance = Emitters.Emit(InstanceNorm(3, 16));
        Assert.Contains("public const int Groups = 3;", group);
        Assert.DoesNotContain("public const int Groups", instance);
        Assert.Equal(Code(group), Code(instance));

        // The core: the header comment, the public Groups constant and some doc wording differ by design.
        static string Code(string text) => text.Substring(text.IndexOf("file sealed class", StringComparison.Ordinal));
    }

    internal static readonly Dictionary<string, string> GeneratorCases = new()
    {
        ["Generator.GroupAndInstanceNorm"] = """
            using NormGen;

            namespace Vision;

            [GroupNorm(Groups = 8, Channels = 64, Spatial = 256)]
            public partial class Block1Norm { }

            [InstanceNorm(Channels = 3, Spatial = 1024, ElementType = typeof(double), Affine = false)]
            internal partial class StyleNorm { }
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
    [InlineData("[GroupNorm(Channels = 8)]", "NG0005", "[GroupNorm] on 'Hidden' needs Groups; add it, e.g. [GroupNorm(Groups = 64)]")]
    [InlineData("[GroupNorm(Groups = 2)]", "NG0005", "[GroupNorm] on 'Hidden' needs Channels; add it, e.g. [GroupNorm(Channels = 64)]")]
    [InlineData("[InstanceNorm(Spatial = 4)]", "NG0005", "[InstanceNorm] on 'Hidden' needs Channels; add it, e.g. [InstanceNorm(Channels = 64)]")]
    [InlineData("[GroupNorm(Groups = 0, Channels = 8)]", "NG0004", "Groups = 0 is not valid for [GroupNorm]: it must be between 1 and 16777216")]
    [InlineData("[GroupNorm(Groups = -2, Channels = 8)]", "NG0004", "Groups = -2 is not valid for [GroupNorm]: it must be between 1 and 16777216")]
    [InlineData("[GroupNorm(Groups = 2, Channels = 8, Spatial = 0)]", "NG0004", "Spatial = 0 is not valid for [GroupNorm]: it must be between 1 and 16777216")]
    [InlineData("[InstanceNorm(Channels = 3, Spatial = -1)]", "NG0004", "Spatial = -1 is not valid for [InstanceNorm]: it must be between 1 and 16777216")]
    [InlineData("[InstanceNorm(Channels = 16777217)]", "NG0004", "Channels = 16777217 is not valid for [InstanceNorm]: it must be between 1 and 16777216")]
    [InlineData("[GroupNorm(Groups = 3, Channels = 8)]", "NG0011", "Groups = 3 does not divide Channels = 8; choose Groups among the divisors of Channels (e.g. 2 or 4)")]
    [InlineData("[GroupNorm(Groups = 16, Channels = 12)]", "NG0011", "Groups = 16 does not divide Channels = 12; choose Groups among the divisors of Channels (e.g. 12)")]
    [InlineData("[GroupNorm(Groups = 5, Channels = 17)]", "NG0011", "Groups = 5 does not divide Channels = 17; choose Groups among the divisors of Channels (e.g. 1 or 17)")]
    [InlineData("[GroupNorm(Groups = 1, Channels = 4096, Spatial = 8192)]", "NG0013", "Channels * Spatial = 33554432 elements per sample exceeds the limit of 16777216; use a smaller shape")]
    [InlineData("[InstanceNorm(Channels = 2, Spatial = 16777216)]", "NG0013", "Channels * Spatial = 33554432 elements per sample exceeds the limit of 16777216; use a smaller shape")]
    [InlineData("[GroupNorm(Groups = 2, Channels = 4, Epsilon = 0)]", "NG0007", "Epsilon = 0 is not valid: it must be a finite number greater than 0, e.g. 1e-5")]
    [InlineData("[InstanceNorm(Channels = 4, Epsilon = double.PositiveInfinity)]", "NG0007", "Epsilon = Infinity is not valid: it must be a finite number greater than 0, e.g. 1e-5")]
    [InlineData("[GroupNorm(Groups = 2, Channels = 4, ElementType = typeof(int))]", "NG0008", "ElementType = typeof(int) is not supported: use typeof(float) or typeof(double)")]
    [InlineData("[InstanceNorm(Channels = 4, ElementType = typeof(Half))]", "NG0008", "ElementType = typeof(Half) is not supported: use typeof(float) or typeof(double)")]
    public void BadArgumentsReportOneDiagnostic(string attribute, string id, string message)
    {
        GeneratorRun run = GeneratorHarness.Run("using System;\nusing NormGen;\n" + attribute + " partial class Hidden { }");
        Diagnostic ours = Assert.Single(run.Diagnostics, d => d.Id.StartsWith("NG", StringComparison.Ordinal));
        Assert.Equal(id, ours.Id);
        Assert.Equal(message, ours.GetMessage(CultureInfo.InvariantCulture));
        Assert.Empty(run.GeneratedSources);
    }

    /// <summary>Groups is not an InstanceNorm argument: the compiler says so, and NormGen adds nothing to it.</summary>
    [Fact]
    public void InstanceNormHasNoGroupsArgument()
    {
        GeneratorRun run = GeneratorHarness.Run("using NormGen;\n[InstanceNorm(Channels = 4, Groups = 2)] partial class Hidden { }");
        Assert.Contains(run.Diagnostics, d => d.Id == "CS0246" || d.Id == "CS0117");
        Assert.DoesNotContain(run.Diagnostics, d => d.Id.StartsWith("NG", StringComparison.Ordinal));
    }
}
