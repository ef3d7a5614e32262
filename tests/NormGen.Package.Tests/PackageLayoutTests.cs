using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using Xunit;

namespace NormGen.Package.Tests;

/// <summary>What is inside NormGen.&lt;version&gt;.nupkg and .snupkg as build/pack.sh makes them.</summary>
[Collection(PackageCollection.Name)]
public sealed class PackageLayoutTests(PackageFixture fixture)
{
    [Fact]
    public void PackageHoldsRuntimePerFrameworkGeneratorReadmeAndLicense()
    {
        PackedPackage package = fixture.Package;
        using ZipArchive zip = ZipFile.OpenRead(package.Nupkg);
        string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
        foreach (string expected in new[]
        {
            "lib/net8.0/NormGen.dll", "lib/net8.0/NormGen.xml", "lib/net10.0/NormGen.dll", "lib/net10.0/NormGen.xml",
            "analyzers/dotnet/cs/NormGen.Generator.dll", "analyzers/dotnet/cs/NormGen.CodeFixes.dll", "PACKAGE.md", "LICENSE",
        })
        {
            Assert.Contains(expected, entries);
        }

        // The generator and the code fixes are the only analyzer assemblies; Roslyn (with the Workspaces and
        // System.Composition the code fixes use) and PolySharp stay out of the package and out of lib/.
        Assert.Equal(
            new[] { "analyzers/dotnet/cs/NormGen.CodeFixes.dll", "analyzers/dotnet/cs/NormGen.Generator.dll" },
            entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray());
        Assert.DoesNotContain(entries, e => e.Contains("Microsoft.CodeAnalysis", StringComparison.OrdinalIgnoreCase)
            || e.Contains("System.Composition", StringComparison.OrdinalIgnoreCase)
            || e.Contains("PolySharp", StringComparison.OrdinalIgnoreCase)
            || (e.StartsWith("lib/", StringComparison.Ordinal)
                && (e.Contains("Generator", StringComparison.Ordinal) || e.Contains("CodeFixes", StringComparison.Ordinal))));
        Assert.Contains("MIT License", File.ReadAllText(Path.Combine(package.Contents, "LICENSE")), StringComparison.Ordinal);
        Assert.Contains("dotnet add package NormGen", File.ReadAllText(Path.Combine(package.Contents, "PACKAGE.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void NuspecHasMetadataAndNoRoslynOrPolySharpDependency()
    {
        PackedPackage package = fixture.Package;
        XDocument nuspec = XDocument.Load(Path.Combine(package.Contents, "NormGen.nuspec"));
        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement metadata = nuspec.Root.Element(ns + "metadata")!;
        string? Value(string name) => metadata.Element(ns + name)?.Value;

        Assert.Equal("NormGen", Value("id"));
        Assert.Equal(package.Version, Value("version"));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("expression", metadata.Element(ns + "license")!.Attribute("type")?.Value);
        Assert.Equal("PACKAGE.md", Value("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Value("description")));
        Assert.False(string.IsNullOrWhiteSpace(Value("authors")));
        Assert.StartsWith("https://", Value("projectUrl"), StringComparison.Ordinal);
        XElement repository = metadata.Element(ns + "repository")!;
        Assert.Equal("git", repository.Attribute("type")?.Value);
        Assert.StartsWith("https://", repository.Attribute("url")?.Value, StringComparison.Ordinal);
        // Users get the runtime at run time: the package must not be a development dependency.
        Assert.NotEqual("true", Value("developmentDependency"));

        string[] frameworks = metadata.Descendants(ns + "group").Select(g => g.Attribute("targetFramework")!.Value).ToArray();
        Assert.Equal(new[] { "net10.0", "net8.0" }, frameworks.OrderBy(f => f, StringComparer.Ordinal).ToArray());
        string[] dependencies = metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).ToArray();
        Assert.DoesNotContain(dependencies, id => id.StartsWith("Microsoft.CodeAnalysis", StringComparison.OrdinalIgnoreCase)
            || id.StartsWith("PolySharp", StringComparison.OrdinalIgnoreCase)
            || id.StartsWith("NormGen", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void SymbolsPackageHoldsPdbsWithDeterministicSourcePaths()
    {
        PackedPackage package = fixture.Package;
        Assert.True(File.Exists(package.Snupkg), "no .snupkg next to " + package.Nupkg);
        using ZipArchive zip = ZipFile.OpenRead(package.Snupkg);
        foreach (string framework in new[] { "net8.0", "net10.0" })
        {
            ZipArchiveEntry pdb = zip.GetEntry($"lib/{framework}/NormGen.pdb")
                ?? throw new InvalidOperationException($"lib/{framework}/NormGen.pdb missing from the .snupkg");
            using var memory = new MemoryStream();
            using (Stream stream = pdb.Open())
            {
                stream.CopyTo(memory);
            }
            memory.Position = 0;
            using MetadataReaderProvider provider = MetadataReaderProvider.FromPortablePdbStream(memory);
            MetadataReader reader = provider.GetMetadataReader();
            string[] documents = reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToArray();
            Assert.NotEmpty(documents);
            // ContinuousIntegrationBuild maps the checkout folder to /_/: the same commit builds the same bytes anywhere.
            Assert.All(documents.Where(d => d.EndsWith(".cs", StringComparison.Ordinal) && !d.Contains("/obj/", StringComparison.Ordinal)),
                d => Assert.StartsWith("/_/", d, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void AssembliesAreDeterministicAndZipEntriesCarryOneFixedTime()
    {
        PackedPackage package = fixture.Package;
        foreach (string assembly in new[]
        {
            Path.Combine(package.Contents, "lib", "net8.0", "NormGen.dll"),
            Path.Combine(package.Contents, "lib", "net10.0", "NormGen.dll"),
            package.GeneratorDll,
            package.CodeFixesDll,
        })
        {
            using var pe = new PEReader(File.OpenRead(assembly));
            Assert.Contains(pe.ReadDebugDirectory(), e => e.Type == DebugDirectoryEntryType.Reproducible);
        }

        // pack.sh stamps every entry with SOURCE_DATE_EPOCH (the commit time), not the clock.
        using ZipArchive zip = ZipFile.OpenRead(package.Nupkg);
        Assert.Single(zip.Entries.Select(e => e.LastWriteTime).Distinct());
    }
}
