using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using Xunit;

namespace NormGen.Package.Tests;

/// <summary>What is inside NormGen.PyTorch.&lt;version&gt;.nupkg, the .pt reader that build/pack.sh packs beside NormGen.</summary>
[Collection(PackageCollection.Name)]
public sealed class PyTorchPackageLayoutTests(PackageFixture fixture)
{
    [Fact]
    public void PackageHoldsTheReaderPerFrameworkAndNoAnalyzer()
    {
        using ZipArchive zip = ZipFile.OpenRead(Nupkg());
        string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
        foreach (string expected in new[]
        {
            "lib/net8.0/NormGen.PyTorch.dll", "lib/net8.0/NormGen.PyTorch.xml",
            "lib/net10.0/NormGen.PyTorch.dll", "lib/net10.0/NormGen.PyTorch.xml", "PACKAGE.md", "LICENSE",
        })
        {
            Assert.Contains(expected, entries);
        }

        // NormGen and Razorvine.Pickle come as dependencies, never copied in; the generator stays in NormGen.
        Assert.DoesNotContain(entries, e => e.StartsWith("analyzers/", StringComparison.Ordinal)
            || e.EndsWith("/NormGen.dll", StringComparison.Ordinal)
            || e.Contains("Razorvine", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void NuspecDependsOnNormGenOfTheSameVersionAndRazorvinePickle()
    {
        using ZipArchive zip = ZipFile.OpenRead(Nupkg());
        using Stream stream = zip.GetEntry("NormGen.PyTorch.nuspec")!.Open();
        XDocument nuspec = XDocument.Load(stream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("NormGen.PyTorch", metadata.Element(ns + "id")?.Value);
        Assert.Equal(fixture.Package.Version, metadata.Element(ns + "version")?.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")?.Value);
        foreach (XElement group in metadata.Descendants(ns + "group"))
        {
            var dependencies = group.Elements(ns + "dependency").ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value);
            Assert.Equal(new[] { "NormGen", "Razorvine.Pickle" }, dependencies.Keys.OrderBy(k => k, StringComparer.Ordinal));
            Assert.Equal(fixture.Package.Version, dependencies["NormGen"]);
            Assert.Equal("1.5.0", dependencies["Razorvine.Pickle"]);
        }

        Assert.Equal(2, metadata.Descendants(ns + "group").Count());
    }

    private string Nupkg()
    {
        string path = Path.Combine(fixture.Feed, $"NormGen.PyTorch.{fixture.Package.Version}.nupkg");
        Assert.True(File.Exists(path), "build/pack.sh did not write " + path);
        return path;
    }
}
