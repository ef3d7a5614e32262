using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using NormGen.Generator.Kinds;
using NormGen.Generator.Tests.Infrastructure;

namespace NormGen.Generator.Tests.Generation;

/// <summary>
/// The parser reports a user member that collides with a generated one from each kind's member list, which the emitter
/// writes from: the members generated on the user's type are exactly the listed ones.
/// </summary>
public class GeneratedMembersTests
{
    [Fact]
    public void EveryRegisteredKindHasSampleDeclarations() =>
        Assert.Empty(LayerDeclarations.MissingSamples());

    public static IEnumerable<object[]> KindNames() => LayerKinds.All.Select(k => new object[] { k.AttributeName });

    [Theory]
    [MemberData(nameof(KindNames))]
    public void TheGeneratedMembersAreExactlyTheListedOnes(string kindName)
    {
        LayerKind kind = LayerKinds.All.Single(k => k.AttributeName == kindName);
        var generated = new SortedSet<string>(System.StringComparer.Ordinal);
        foreach ((LayerKind _, string attribute) in LayerDeclarations.All().Where(s => s.Kind == kind))
        {
            GeneratorRun run = GeneratorHarness.Run($$"""
                using NormGen;
                namespace Sample;
                [{{attribute}}]
                internal partial class Layer { }
                """);
            Assert.True(!run.Errors.Any(), run.Describe());

            INamedTypeSymbol layer = run.Output.GetTypeByMetadataName("Sample.Layer")!;
            string[] names = layer.GetMembers()
                .Where(m => !m.IsImplicitlyDeclared && m is not IMethodSymbol { AssociatedSymbol: not null } && m.Locations.Any(l => l.SourceTree?.FilePath.EndsWith(".g.cs") == true))
                .Select(m => m.Name)
                .ToArray();
            Assert.NotEmpty(names);
            string[] unlisted = names.Except(kind.MemberNames).ToArray();
            Assert.True(unlisted.Length == 0, attribute + " generates members missing from its kind's list: " + string.Join(", ", unlisted));
            generated.UnionWith(names);
        }

        // Every listed name is generated for at least one sample, so the list holds nothing stale.
        Assert.Equal(kind.MemberNames.OrderBy(n => n, System.StringComparer.Ordinal), generated);
    }

    [Theory]
    [MemberData(nameof(KindNames))]
    public void TheOnlyPrivateMemberIsTheCoreWithItsReservedName(string kindName)
    {
        LayerKind kind = LayerKinds.All.Single(k => k.AttributeName == kindName);
        (LayerKind _, string attribute) = LayerDeclarations.All().First(s => s.Kind == kind);
        GeneratorRun run = GeneratorHarness.Run($$"""
            using NormGen;
            [{{attribute}}]
            internal partial class Layer { }
            """);
        INamedTypeSymbol layer = run.Output.GetTypeByMetadataName("Layer")!;
        string[] nonPublic = layer.GetMembers()
            .Where(m => !m.IsImplicitlyDeclared && m.DeclaredAccessibility != Accessibility.Public && m is not IMethodSymbol { AssociatedSymbol: not null })
            .Select(m => m.Name)
            .ToArray();
        Assert.Equal(new[] { "__normGenCore" }, nonPublic);
    }
}
