using System;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace NormGen.Package.Tests;

/// <summary>
/// The packed generator loads and runs in Roslyn 4.8.0, the oldest compiler it supports (.NET SDK 8.0.100,
/// Visual Studio 2022 17.8), and its output compiles as C# 12 against the .NET 8 reference assemblies.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class RoslynCompatibilityTests(PackageFixture fixture)
{
    private static readonly Version Roslyn48 = new(4, 8, 0, 0);

    [Fact]
    public void GeneratorReferencesNoRoslynNewerThan48()
    {
        using var pe = new PEReader(File.OpenRead(fixture.Package.GeneratorDll));
        MetadataReader metadata = pe.GetMetadataReader();
        var roslyn = metadata.AssemblyReferences
            .Select(h => metadata.GetAssemblyReference(h))
            .Where(r => metadata.GetString(r.Name).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            .Select(r => (Name: metadata.GetString(r.Name), r.Version))
            .ToArray();
        Assert.NotEmpty(roslyn);
        // A compiler refuses (CS9057) an analyzer built against a newer Microsoft.CodeAnalysis than its own.
        Assert.All(roslyn, r => Assert.True(r.Version <= Roslyn48, $"{r.Name} {r.Version} is newer than 4.8.0"));
    }

    [Fact]
    public void GeneratorAndAnalyzersRunInRoslyn48AndTheConsumerCompilesAsCSharp12OnNet8()
    {
        Assert.Equal(Roslyn48, RoslynHarness.LoadedRoslyn);
        _ = fixture.App8Build; // restores the .NET 8 reference assemblies into the consumers' package folder
        string[] sources = Directory.GetFiles(Path.Combine(fixture.ConsumerRoot, "src"), "*.cs").Select(File.ReadAllText).ToArray();

        RoslynRun run = RoslynHarness.Run(fixture.Package.GeneratorDll, Net8References(), sources, LanguageVersion.CSharp12,
            fixture.LayerNorm ? new[] { "NORMGEN_LAYERNORM" } : Array.Empty<string>());

        Assert.Empty(run.LoadFailures);
        Assert.True(run.GeneratorCount > 0, "no generator found in " + fixture.Package.GeneratorDll);
        Assert.Empty(run.All.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()));
        Assert.Contains(run.GeneratedHintNames, h => h.Contains("BnFloat", StringComparison.Ordinal));
        Assert.Contains(run.GeneratedHintNames, h => h.Contains("BnDouble", StringComparison.Ordinal));
        Assert.Contains(run.GeneratedHintNames, h => h.Contains("BnSpatialRelu", StringComparison.Ordinal));
        Assert.True(run.Emitted, "the generated consumer did not emit");
    }

    [Fact]
    public void DiagnosticsReachTheUserInRoslyn48()
    {
        _ = fixture.App8Build;
        RoslynRun run = RoslynHarness.Run(fixture.Package.GeneratorDll, Net8References(), new[]
        {
            "using NormGen;\n[BatchNorm(Features = 4)]\npublic class NotPartial { }\n",
        }, LanguageVersion.CSharp12);

        Assert.Empty(run.LoadFailures);
        Assert.Contains(run.All, d => d.Id == "NG0001" && d.Severity == DiagnosticSeverity.Error);
    }

    /// <summary>The .NET 8 reference assemblies plus lib/net8.0/NormGen.dll of the package.</summary>
    private string[] Net8References()
    {
        string[] packs =
        {
            Path.Combine(fixture.PackagesFolder, "microsoft.netcore.app.ref"),
            Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", "..", "packs", "Microsoft.NETCore.App.Ref"),
        };
        string directory = packs.Where(Directory.Exists)
            .SelectMany(p => Directory.GetDirectories(p, "8.0.*"))
            .Select(v => Path.Combine(v, "ref", "net8.0"))
            .FirstOrDefault(Directory.Exists)
            ?? throw new InvalidOperationException("no .NET 8 reference assemblies in " + string.Join(" or ", packs));
        return Directory.GetFiles(directory, "*.dll")
            .Append(Path.Combine(fixture.Package.Contents, "lib", "net8.0", "NormGen.dll"))
            .ToArray();
    }
}
