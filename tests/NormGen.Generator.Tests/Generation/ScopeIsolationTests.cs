using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Generator.Kinds;
using NormGen.Generator.Tests.Infrastructure;

namespace NormGen.Generator.Tests.Generation;

/// <summary>
/// The generated code cannot collide with user code: user namespaces, types, nested types, members, using aliases and
/// global using aliases named like every framework and runtime type and namespace the generated code uses, in
/// file-scoped and block namespaces, compile with zero diagnostics, for every sample declaration of every kind.
/// </summary>
public class ScopeIsolationTests
{
    /// <summary>
    /// Every type and namespace name the generated code refers to, written out so a reader sees what is covered;
    /// <see cref="TheListCoversEveryNameTheGeneratedCodeUses"/> keeps it complete. All-lowercase names (var, nint) have
    /// their own test: <see cref="TypesNamedLikeContextualKeywordsLeaveEveryKindCompilingCleanly"/>.
    /// </summary>
    private static readonly string[] Names =
    {
        "System", "Runtime", "CompilerServices", "InteropServices", "Intrinsics", "CodeDom", "Compiler", "NormGen", "Generated",
        "GeneratedCode", "GeneratedCodeAttribute", "Math", "MathF", "Array", "Span", "ReadOnlySpan", "MemoryMarshal", "Unsafe",
        "Vector128", "Vector256", "Vector512", "ArgumentException", "ArgumentOutOfRangeException", "InvalidOperationException",
        "BatchNormCore", "SampleNormCore", "ColumnKernels", "SegmentKernels", "RowKernels", "StreamMode", "GroupKernels", "RunningStatsMode", "Activation",
        "IBatchNormLayer", "INormalizationLayer", "IWorkerGroup", "IntPtr", "UIntPtr", "MethodImpl", "MethodImplOptions",
    };

    public static IEnumerable<object[]> Samples() => LayerDeclarations.All().Select(s => new object[] { s.Attribute });

    /// <summary>The ways user code can put a name in the generated code's way; each is compiled separately.</summary>
    public static IEnumerable<object[]> Scopes() => new[]
    {
        new object[] { "types in the layer's namespace (file-scoped)" },
        new object[] { "types in the global namespace" },
        new object[] { "namespaces" },
        new object[] { "nested types in the enclosing type" },
        new object[] { "nested types and members in the layer" },
        new object[] { "using aliases in the layer's namespace" },
        new object[] { "global using aliases" },
    };

    [Theory]
    [MemberData(nameof(Scopes))]
    public void UserNamesInEveryScopeLeaveEveryKindCompilingCleanly(string scope)
    {
        foreach ((LayerKind _, string attribute) in LayerDeclarations.All())
        {
            string[] sources = Sources(scope, attribute);
            GeneratorRun run = GeneratorHarness.Run(sources);
            Assert.True(run.GeneratedSources.Count == 1, $"{scope}, [{attribute}]: {run.GeneratedSources.Count} generated files\n{run.Describe()}");
            // Hidden diagnostics (CS8019, an unused using in a layer too narrow for vectors) are not shown for generated code.
            Diagnostic[] shown = run.Diagnostics.Where(d => d.Severity != DiagnosticSeverity.Hidden).ToArray();
            Assert.True(shown.Length == 0, $"{scope}, [{attribute}]:\n{string.Join("\n", shown.Select(d => d.ToString()))}\n{string.Join("\n---\n", sources)}");
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void TheListCoversEveryNameTheGeneratedCodeUses(string attribute)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using NormGen;
            namespace Sample;
            [{{attribute}}]
            internal partial class Layer { }
            """);
        SyntaxTree generated = run.Output.SyntaxTrees.Single(t => t.FilePath.EndsWith(".g.cs", StringComparison.Ordinal));
        SemanticModel model = run.Output.GetSemanticModel(generated);
        var used = new SortedSet<string>(StringComparer.Ordinal);
        foreach (SimpleNameSyntax name in generated.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
        {
            if (name.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Any(ns => ns.Name.Span.Contains(name.Span)))
            {
                continue; // the namespaces the file declares: the user's own, and NormGen.Generated
            }

            ISymbol? symbol = model.GetSymbolInfo(name).Symbol;
            string text = name.Identifier.ValueText;
            if (symbol is INamespaceOrTypeSymbol && !symbol.IsImplicitlyDeclared && text.Any(char.IsUpper) && text != "Layer" && !text.EndsWith("Core", StringComparison.Ordinal) || name.Parent is AttributeSyntax)
            {
                used.Add(text);
            }
        }

        // The layer's own name and its file-local core are not names the user can take from us.
        used.Remove("LayerCore");
        string[] missing = used.Except(Names).ToArray();
        Assert.True(missing.Length == 0, "The generated code uses names the isolation test does not try: " + string.Join(", ", missing));
    }

    /// <summary>
    /// Lowercase names the language reads as keywords only while no type takes them (CS8981 warns, but <c>@var</c> and
    /// <c>class nint</c> compile): the generated code writes its locals' types out and never says <c>var</c>, and its
    /// native-sized integers resolve to System.IntPtr whatever the user declares.
    /// </summary>
    [Theory]
    [InlineData("global")]
    [InlineData("layer namespace")]
    public void TypesNamedLikeContextualKeywordsLeaveEveryKindCompilingCleanly(string where)
    {
        string[] keywords = { "var", "nint", "nuint", "dynamic", "unmanaged", "notnull", "record", "managed" };
        string types = "#pragma warning disable CS8981\n" + string.Join("\n", keywords.Select(k => "internal sealed class @" + k + " { }"));
        foreach ((LayerKind _, string attribute) in LayerDeclarations.All())
        {
            string layer = "[" + attribute.Replace("Activation.", "global::NormGen.Activation.").Replace("RunningStatsMode.", "global::NormGen.RunningStatsMode.") + "]\ninternal partial class Layer { }";
            string[] sources = where == "global"
                ? new[] { "using NormGen;\nnamespace Contoso.ML\n{\n" + layer + "\n}", types }
                : new[] { "using NormGen;\nnamespace Contoso.ML\n{\n" + types + "\n" + layer + "\n}" };
            GeneratorRun run = GeneratorHarness.Run(sources);
            Diagnostic[] shown = run.Diagnostics.Where(d => d.Severity != DiagnosticSeverity.Hidden).ToArray();
            Assert.True(shown.Length == 0, $"{where}, [{attribute}]:\n{string.Join("\n", shown.Take(10).Select(d => d.ToString()))}");
        }
    }

    /// <summary>The sources of one scenario: the layer (in namespace Contoso.ML unless the scope says otherwise) and the user's names.</summary>
    private static string[] Sources(string scope, string attribute)
    {
        // The user's own attribute arguments must say which Activation or RunningStatsMode they mean, here.
        attribute = attribute.Replace("Activation.", "global::NormGen.Activation.").Replace("RunningStatsMode.", "global::NormGen.RunningStatsMode.");
        string layer = "[" + attribute + "]\ninternal partial class Layer { }";
        string types = string.Join("\n", Names.Select(n => "internal sealed class " + n + " { }"));

        // A type or alias named System or NormGen in the global namespace breaks every `System.` and the `using NormGen;`
        // in the user's own code (CS0437, CS0576): those are not programs to protect, so they are left out.
        string globalTypes = string.Join("\n", Names.Where(n => n is not ("System" or "NormGen")).Select(n => "internal sealed class " + n + " { }"));
        string aliases = string.Join("\n", Names.Where(n => n is not ("System" or "NormGen")).Select(n => "using " + n + " = global::System.Collections.Generic.List<int>;"));
        return scope switch
        {
            "types in the layer's namespace (file-scoped)" => new[] { "using NormGen;\nnamespace Contoso.ML;\n" + layer + "\n" + types },
            "types in the global namespace" => new[] { "using NormGen;\nnamespace Contoso.ML\n{\n" + layer + "\n}", globalTypes },
            "namespaces" => new[]
            {
                "using NormGen;\nnamespace Contoso.ML\n{\n" + layer + "\n}",
                string.Join("\n", Names.Select(n => "namespace Contoso.ML." + n + " { internal sealed class Marker { } }")),
                string.Join("\n", Names.Where(n => n is not ("System" or "NormGen")).Select(n => "namespace " + n + " { internal sealed class Marker { } }")),
            },
            "nested types in the enclosing type" => new[]
            {
                "using NormGen;\nnamespace Contoso.ML\n{\ninternal partial class Network\n{\n" + types + "\n" + layer + "\n}\n}",
            },
            "nested types and members in the layer" => new[]
            {
                "using NormGen;\nnamespace Contoso.ML\n{\n[" + attribute + "]\ninternal partial class Layer\n{\n" +
                string.Join("\n", Names.Take(Names.Length / 2).Select(n => "internal sealed class " + n + " { }")) + "\n" +
                string.Join("\n", Names.Skip(Names.Length / 2).Select(n => "internal static int " + n + " => 1;")) + "\n}\n}",
            },
            "using aliases in the layer's namespace" => new[] { "namespace Contoso.ML\n{\n" + aliases + "\n" + layer.Replace("[", "[global::NormGen.") + "\n}" },
            "global using aliases" => new[]
            {
                "namespace Contoso.ML\n{\n" + layer.Replace("[", "[global::NormGen.") + "\n}",
                aliases.Replace("using ", "global using "),
            },
            _ => throw new ArgumentException(scope, nameof(scope)),
        };
    }
}
