using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NormGen.Generator.Kinds;
using NormGen.Generator.Tests.Infrastructure;

namespace NormGen.Generator.Tests.Generation;

/// <summary>
/// The incremental pipeline caches, for every kind: its models hold no Roslyn objects, an unrelated edit re-runs
/// nothing, and changing one layer regenerates that layer only (NetEscapades.EnumGenerators' caching harness, in spirit).
/// </summary>
public class CachingTests
{
    /// <summary>Two layers of every kind: the first at namespace level, the second nested; edits change the first one.</summary>
    private const string Layers = """
        using NormGen;

        namespace Net
        {
            [BatchNorm(Features = 3)]
            public partial class FirstBatchNorm { }

            [LayerNorm(Features = 3)]
            public partial class FirstLayerNorm { }

            [RmsNorm(Features = 3)]
            public partial class FirstRmsNorm { }

            [GroupNorm(Groups = 3, Channels = 3)]
            public partial class FirstGroupNorm { }

            [InstanceNorm(Channels = 3)]
            public partial class FirstInstanceNorm { }

            public partial class Block
            {
                [BatchNorm(Features = 64, ElementType = typeof(double), Spatial = 4)]
                public partial class SecondBatchNorm { }

                [LayerNorm(Features = 64, ElementType = typeof(double))]
                public partial class SecondLayerNorm { }

                [RmsNorm(Features = 64)]
                public partial class SecondRmsNorm { }

                [GroupNorm(Groups = 2, Channels = 64, Spatial = 4)]
                public partial class SecondGroupNorm { }

                [InstanceNorm(Channels = 64, Spatial = 4)]
                public partial class SecondInstanceNorm { }
            }
        }
        """;

    private const string Other = """
        namespace Net;

        public class Unrelated
        {
            public int Value => 42;
        }
        """;

    /// <summary>Every step NormGen names (Roslyn's own steps hold syntax by design): one per kind, and the valid specs.</summary>
    private static readonly string[] OurSteps = LayerKinds.All.Select(k => k.TrackingName).Append(LayerKind.ValidSpecsTrackingName).ToArray();

    public static IEnumerable<object[]> KindNames() => LayerKinds.All.Select(k => new object[] { k.AttributeName });

    [Fact]
    public void StepOutputsHoldNoRoslynObjects()
    {
        (GeneratorDriver driver, _) = RunTwice(Layers, Other, (layers, other) => (layers, other + "\n// edit\n"));
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        var seen = result.TrackedSteps.Keys.Intersect(OurSteps).ToArray();
        Assert.Equal(OurSteps.OrderBy(n => n), seen.OrderBy(n => n));

        foreach (string step in seen)
        {
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
            {
                foreach ((object value, IncrementalStepRunReason _) in run.Outputs)
                {
                    AssertNoRoslynObjects(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance), value?.GetType().Name ?? "null");
                }
            }
        }
    }

    [Theory]
    [InlineData("comment in another file")]
    [InlineData("comment in the layers' file")]
    [InlineData("new unrelated class")]
    [InlineData("new member in an unrelated class")]
    public void UnrelatedEditLeavesEveryStepCachedAndRegeneratesNothing(string edit)
    {
        (GeneratorDriver driver, _) = RunTwice(Layers, Other, (layers, other) => edit switch
        {
            "comment in another file" => (layers, other + "\n// a comment\n"),
            "comment in the layers' file" => ("// a comment at the top\n" + layers, other),
            "new unrelated class" => (layers, other + "\npublic class AnotherOne { }\n"),
            _ => (layers, other.Replace("public int Value => 42;", "public int Value => 42;\n    public int More => 1;")),
        });

        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        foreach (string step in result.TrackedSteps.Keys.Intersect(OurSteps))
        {
            foreach ((object _, IncrementalStepRunReason reason) in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step} was {reason} after: {edit}");
            }
        }

        IncrementalStepRunReason[] outputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
    }

    [Theory]
    [MemberData(nameof(KindNames))]
    public void ChangingTheShapeOfOneLayerRegeneratesThatLayerOnly(string kindName)
    {
        LayerKind kind = LayerKinds.All.Single(k => k.AttributeName == kindName);
        string first = "First" + kindName;
        string[] declaration = Layers.Split('\n').Where(line => line.Contains("[" + kindName + "(")).ToArray();
        string before = declaration[0];
        string after = before.Replace("= 3", "= 4");
        Assert.NotEqual(before, after);
        (GeneratorDriver driver, GeneratorDriver previous) = RunTwice(Layers, Other, (layers, other) => (layers.Replace(before, after), other));

        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        var specs = result.TrackedSteps[kind.TrackingName].SelectMany(s => s.Outputs).ToArray();
        Assert.Equal(1, specs.Count(o => o.Reason == IncrementalStepRunReason.Modified));
        Assert.Equal(1, specs.Count(o => o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached));
        foreach (LayerKind other in LayerKinds.All.Where(k => k != kind))
        {
            // Layers in the edited file are parsed again (Unchanged: an equal spec); the rest stay Cached.
            Assert.All(result.TrackedSteps[other.TrackingName].SelectMany(s => s.Outputs), o => Assert.True(
                o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, other.TrackingName + " was " + o.Reason));
        }

        var outputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToArray();
        Assert.Equal(1, outputs.Count(o => o.Reason == IncrementalStepRunReason.Modified));
        Assert.Equal(LayerKinds.All.Length * 2 - 1, outputs.Count(o => o.Reason == IncrementalStepRunReason.Cached));

        // Every other layer's file is the same text; the changed one differs.
        var old = previous.GetRunResult().Results.Single().GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        var now = result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        Assert.Equal(old.Keys.OrderBy(k => k), now.Keys.OrderBy(k => k));
        foreach (string hint in now.Keys)
        {
            Assert.True((hint == "Net." + first + ".g.cs") == (old[hint] != now[hint]), hint);
        }
    }

    /// <summary>Runs the generator, applies <paramref name="edit"/> to the two files, and runs it again on the same driver.</summary>
    private static (GeneratorDriver After, GeneratorDriver Before) RunTwice(string layers, string other, Func<string, string, (string Layers, string Other)> edit)
    {
        CSharpCompilation first = Compile(layers, other);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(first);
        GeneratorDriver before = driver;
        (string newLayers, string newOther) = edit(layers, other);
        CSharpCompilation second = first;
        foreach ((SyntaxTree tree, string text) in first.SyntaxTrees.Zip(new[] { newLayers, newOther }))
        {
            if (tree.ToString() != text)
            {
                second = second.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(text)));
            }
        }

        Assert.NotSame(first, second);
        return (driver.RunGenerators(second), before);
    }

    private static CSharpCompilation Compile(string layers, string other) => GeneratorHarness.CreateCompilation(new[]
    {
        CSharpSyntaxTree.ParseText(layers, GeneratorHarness.ParseOptions, path: "Layers.cs"),
        CSharpSyntaxTree.ParseText(other, GeneratorHarness.ParseOptions, path: "Other.cs"),
    });

    /// <summary>Fails if the object graph reachable from a step output holds a Roslyn object or a raw ImmutableArray.</summary>
    private static void AssertNoRoslynObjects(object? node, string step, HashSet<object> visited, string path)
    {
        if (node is null || node is string || node.GetType().IsPrimitive || node.GetType().IsEnum || node is decimal)
        {
            return;
        }

        Type type = node.GetType();
        Assert.False(node is Compilation, $"{step}: {path} is a Compilation");
        Assert.False(node is ISymbol, $"{step}: {path} is an ISymbol");
        Assert.False(node is SemanticModel, $"{step}: {path} is a SemanticModel");
        Assert.False(node is SyntaxNode, $"{step}: {path} is a SyntaxNode");
        Assert.False(node is SyntaxTree, $"{step}: {path} is a SyntaxTree");
        Assert.False(type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ImmutableArray<>), $"{step}: {path} is an ImmutableArray (no value equality)");
        if (!type.IsValueType && !visited.Add(node))
        {
            return;
        }

        if (node is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                AssertNoRoslynObjects(item, step, visited, $"{path}[{i++}]");
            }
        }

        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                AssertNoRoslynObjects(field.GetValue(node), step, visited, path + "." + field.Name);
            }
        }
    }
}
