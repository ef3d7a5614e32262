using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using Xunit;

namespace NormGen.Package.Tests;

/// <summary>
/// NormGen.Mpi.&lt;version&gt;.nupkg, which build/pack.sh packs beside NormGen: its own package, depending on NormGen and
/// MPI.NET, so that NormGen keeps no dependencies at all.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class MpiPackageTests(PackageFixture fixture)
{
    [Fact]
    public void Mpi_package_holds_only_its_own_assembly_per_framework()
    {
        using ZipArchive zip = ZipFile.OpenRead(MpiNupkg());
        string[] libraries = zip.Entries.Select(e => e.FullName).Where(e => e.StartsWith("lib/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(
            new[] { "lib/net10.0/NormGen.Mpi.dll", "lib/net10.0/NormGen.Mpi.xml", "lib/net8.0/NormGen.Mpi.dll", "lib/net8.0/NormGen.Mpi.xml" },
            libraries);
        Assert.Contains(zip.Entries, e => e.FullName == "PACKAGE.md");
        Assert.Contains(zip.Entries, e => e.FullName == "LICENSE");
        Assert.DoesNotContain(zip.Entries, e => e.FullName.StartsWith("analyzers/", StringComparison.Ordinal));
    }

    [Fact]
    public void Mpi_package_depends_on_normgen_with_its_generator_and_on_mpi_net()
    {
        using ZipArchive zip = ZipFile.OpenRead(MpiNupkg());
        using Stream nuspecStream = zip.GetEntry("NormGen.Mpi.nuspec")!.Open();
        XDocument nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("NormGen.Mpi", metadata.Element(ns + "id")!.Value);
        Assert.Equal(fixture.Package.Version, metadata.Element(ns + "version")!.Value);

        XElement[] groups = metadata.Descendants(ns + "group").ToArray();
        Assert.Equal(new[] { "net10.0", "net8.0" }, groups.Select(g => g.Attribute("targetFramework")!.Value).Order(StringComparer.Ordinal).ToArray());
        foreach (XElement group in groups)
        {
            string[] dependencies = group.Elements(ns + "dependency")
                .Select(d => $"{d.Attribute("id")!.Value} {d.Attribute("version")!.Value} exclude={d.Attribute("exclude")?.Value ?? "-"}")
                .Order(StringComparer.Ordinal)
                .ToArray();

            // NormGen without exclude="Analyzers": adding only NormGen.Mpi still brings the generator.
            Assert.Equal(new[] { "MPI.NET 1.4.0 exclude=Build,Analyzers", $"NormGen {fixture.Package.Version} exclude=-" }, dependencies);
        }
    }

    [Fact]
    public void Core_package_has_no_dependencies_at_all()
    {
        XDocument nuspec = XDocument.Load(Path.Combine(fixture.Package.Contents, "NormGen.nuspec"));
        Assert.Empty(nuspec.Descendants(nuspec.Root!.Name.Namespace + "dependency"));
    }

    private string MpiNupkg()
    {
        string path = Path.Combine(Path.GetDirectoryName(fixture.Package.Nupkg)!, $"NormGen.Mpi.{fixture.Package.Version}.nupkg");
        Assert.True(File.Exists(path), "build/pack.sh did not pack " + path);
        return path;
    }
}
