using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Generator.Parsing;
using NormGen.Generator.Tests.Infrastructure;

namespace NormGen.Generator.Tests.Generation;

/// <summary>
/// The parser reports a user member that collides with a generated one from each kind's GeneratedMembers list;
/// if the emitter declares a name missing there, a user member of that name breaks the generated code instead.
/// </summary>
public class GeneratedMembersTests
{
    [Fact]
    public void EveryRegisteredKindHasSampleDeclarations() =>
        Assert.Empty(LayerDeclarations.MissingSamples());

    public static IEnumerable<object[]> Samples() => LayerDeclarations.All().Select(s => new object[] { s.Kind.AttributeName, s.Attribute });

    [Theory]
    [MemberData(nameof(Samples))]
    public void EveryGeneratedMemberNameIsListedForCollisionChecks(string kindName, string attribute)
    {
        LayerKind kind = LayerKinds.All.Single(k => k.AttributeName == kindName);
        GeneratorRun run = GeneratorHarness.Run($$"""
            using NormGen;
            namespace Sample;
            [{{attribute}}]
            internal partial class Layer { }
            """);
        Assert.True(run.Errors.Count() == 0, run.Describe());

        INamedTypeSymbol layer = run.Output.GetTypeByMetadataName("Sample.Layer")!;
        string[] generatedNames = layer.GetMembers()
            .Where(m => !m.IsImplicitlyDeclared && m is not IMethodSymbol { AssociatedSymbol: not null } && m.Locations.Any(l => l.SourceTree?.FilePath.EndsWith(".g.cs") == true))
            .Select(m => m.Name)
            .Distinct()
            .ToArray();
        Assert.NotEmpty(generatedNames);
        string[] unlisted = generatedNames.Except(kind.GeneratedMembers).OrderBy(n => n, System.StringComparer.Ordinal).ToArray();
        Assert.True(unlisted.Length == 0, kindName + " generates members missing from its GeneratedMembers: " + string.Join(", ", unlisted));
    }

    /// <summary>
    /// Simple names the generated code binds to types, namespaces or contextual keywords (var, nameof): a user type,
    /// member or base-class member with one of these names would capture them, so the parser rejects such names too.
    /// </summary>
    [Theory]
    [MemberData(nameof(Samples))]
    public void EveryNameTheGeneratedCodeReliesOnIsGuarded(string kindName, string attribute)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using NormGen;
            namespace Sample;
            [{{attribute}}]
            internal partial class Layer { }
            """);
        SyntaxTree generated = run.Output.SyntaxTrees.Single(t => t.FilePath.EndsWith(".g.cs"));
        SemanticModel model = run.Output.GetSemanticModel(generated);
        var used = new SortedSet<string>(System.StringComparer.Ordinal);
        foreach (SimpleNameSyntax name in generated.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
        {
            bool leftmost = name.Parent switch
            {
                MemberAccessExpressionSyntax access => access.Expression == name,
                QualifiedNameSyntax qualified => qualified.Left == name,
                AliasQualifiedNameSyntax => false,
                _ => true,
            };
            bool declaration = name.Ancestors().Any(a => a is UsingDirectiveSyntax || a is BaseNamespaceDeclarationSyntax ns && ns.Name.Span.Contains(name.Span));
            if (!leftmost || declaration)
            {
                continue;
            }

            string text = name.Identifier.ValueText;
            ISymbol? symbol = model.GetSymbolInfo(name).Symbol;
            if (symbol is INamespaceOrTypeSymbol || text is "var" or "nameof" or "nint" or "nuint" || name.Parent is AttributeSyntax)
            {
                used.Add(text);
                if (name.Parent is AttributeSyntax)
                {
                    used.Add(text + "Attribute");
                }
            }
        }

        // Type parameters and the layer's own name are not captured by user code.
        used.Remove("Layer");
        string[] unguarded = used.Except(Parsing.LayerParser.NamesTheGeneratedCodeUses).ToArray();
        Assert.True(unguarded.Length == 0, kindName + " relies on names the parser does not guard: " + string.Join(", ", unguarded));
    }
}
