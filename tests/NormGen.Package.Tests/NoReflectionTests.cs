using System.IO;
using Xunit;

namespace NormGen.Package.Tests;

/// <summary>
/// The runtime in the package and a consumer's generated layers call no reflection at all (the NativeAOT publish
/// proves the weaker claim that nothing needs runtime metadata; this reads the IL's member references).
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class NoReflectionTests(PackageFixture fixture)
{
    [Theory]
    [InlineData("net8.0")]
    [InlineData("net10.0")]
    public void RuntimeUsesNoReflection(string framework) =>
        Assert.Empty(ReflectionScanner.Find(Path.Combine(fixture.Package.Contents, "lib", framework, "NormGen.dll")));

    [Fact]
    public void ConsumerWithGeneratedLayersUsesNoReflection()
    {
        _ = fixture.AppBuild;
        Assert.Empty(ReflectionScanner.Find(fixture.AppDll));
    }
}
