using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
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
}
