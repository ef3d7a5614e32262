using System.Collections.Immutable;
using System.Linq;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;

namespace NormGen.Generator.Tests.Infrastructure;

/// <summary>
/// The metadata references every test compilation uses: the .NET 10 reference assemblies shipped inside the
/// Basic.Reference.Assemblies.Net100 package (no download at test time) plus the NormGen runtime this project
/// builds (net10.0, so its System.Runtime version matches). Created once and shared: references are immutable.
/// </summary>
internal static class TestReferences
{
    public static readonly MetadataReference Runtime =
        MetadataReference.CreateFromFile(typeof(global::NormGen.BatchNormAttribute).Assembly.Location);

    public static readonly ImmutableArray<MetadataReference> All =
        Net100.References.All.Cast<MetadataReference>().Append(Runtime).ToImmutableArray();
}
