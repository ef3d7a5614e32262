using System.Collections.Immutable;
using System.Linq;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;

namespace NormGen.CodeFixes.Tests.Infrastructure;

/// <summary>
/// The metadata references of every test compilation: the .NET 10 reference assemblies from
/// Basic.Reference.Assemblies.Net100 (no download at test time) plus the NormGen runtime this project builds.
/// </summary>
internal static class TestReferences
{
    public static readonly ImmutableArray<MetadataReference> All = Net100.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(global::NormGen.BatchNormAttribute).Assembly.Location))
        .ToImmutableArray();
}
