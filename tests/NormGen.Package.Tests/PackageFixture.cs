using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace NormGen.Package.Tests;

/// <summary>Tests that share one packed package and one set of consumer projects.</summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "NormGen package";
}

/// <summary>
/// Packs NormGen with build/pack.sh into a temporary feed, then writes consumer projects next to it, all under one
/// temporary folder outside the repository: its own NuGet.config (the local feed for NormGen, nuget.org for the rest),
/// an empty package folder (so no cached copy of NormGen can stand in for the one just packed), and empty
/// Directory.Build.props/.targets/Directory.Packages.props that stop MSBuild from looking further up.
/// Each step runs once, on first use; a failed step fails every test that needs it with the step's output.
/// Set NORMGEN_PACKAGE_TEST_KEEP=1 to keep the folder for inspection.
/// </summary>
public sealed class PackageFixture : IDisposable
{
    private readonly Lazy<PackedPackage> _package;
    private readonly Lazy<ProcessResult> _appBuild;
    private readonly Lazy<ProcessResult> _app8Build;
    private readonly Lazy<bool> _layerNorm;
    private readonly List<string> _timings = new();

    public PackageFixture()
    {
        RepoRoot = FindRepoRoot();
        Root = Path.Combine(Path.GetTempPath(), "normgen-package-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        Feed = Path.Combine(Root, "feed");
        PackagesFolder = Path.Combine(Root, "packages");
        ConsumerRoot = Path.Combine(Root, "consumer");
        Directory.CreateDirectory(PackagesFolder);
        _package = new Lazy<PackedPackage>(Pack);
        _layerNorm = new Lazy<bool>(GeneratorEmitsLayerNorm);
        _appBuild = new Lazy<ProcessResult>(() => BuildConsumer("App"));
        _app8Build = new Lazy<ProcessResult>(() => BuildConsumer("App8"));
    }

    public string RepoRoot { get; }

    /// <summary>The temporary folder holding everything below (outside the repository).</summary>
    public string Root { get; }

    public string Feed { get; }

    /// <summary>The consumers' NuGet package folder (NUGET_PACKAGES), empty before the first restore.</summary>
    public string PackagesFolder { get; }

    public string ConsumerRoot { get; }

    public PackedPackage Package => _package.Value;

    /// <summary>Whether the packed generator emits [LayerNorm] layers (then the consumer declares one too).</summary>
    public bool LayerNorm => _layerNorm.Value;

    /// <summary>The net10.0 consumer (PublishAot=true), built in Release.</summary>
    public ProcessResult AppBuild => _appBuild.Value;

    /// <summary>The net8.0 consumer, built in Release.</summary>
    public ProcessResult App8Build => _app8Build.Value;

    public string AppDll => Path.Combine(ConsumerRoot, "App", "bin", "Release", "net10.0", "App.dll");

    public string App8Dll => Path.Combine(ConsumerRoot, "App8", "bin", "Release", "net8.0", "App8.dll");

    /// <summary>How long each step took, for the test log.</summary>
    public IReadOnlyList<string> Timings
    {
        get
        {
            lock (_timings)
            {
                return _timings.ToArray();
            }
        }
    }

    /// <summary>The dotnet that runs this test (DOTNET_HOST_PATH under dotnet test), else the one on PATH.</summary>
    public static string DotNet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
        ? host
        : "dotnet";

    /// <summary>Runs dotnet with the consumers' package folder; no MSBuild node or compiler server outlives the call.</summary>
    public ProcessResult DotNetCommand(string step, string workingDirectory, params string[] arguments) =>
        Record(step, ProcessRunner.Run(
            DotNet, arguments.Concat(new[] { "-nodeReuse:false", "-p:UseSharedCompilation=false" }),
            workingDirectory,
            new Dictionary<string, string?> { ["NUGET_PACKAGES"] = PackagesFolder }));

    public ProcessResult Record(string step, ProcessResult result)
    {
        lock (_timings)
        {
            _timings.Add($"{step}: {result.Elapsed.TotalSeconds:F1} s (exit {result.ExitCode})");
        }
        return result;
    }

    /// <summary>Writes a consumer project (App, App8, or a variant) over the shared sources in consumer/src.</summary>
    public string WriteConsumerProject(string name, string targetFramework, bool publishAot, string extraItems = "")
    {
        PackedPackage package = Package;
        string sources = Path.Combine(ConsumerRoot, "src");
        if (!Directory.Exists(sources))
        {
            Directory.CreateDirectory(sources);
            string template = Path.Combine(AppContext.BaseDirectory, "Consumer");
            foreach (string file in new[] { "Layers.cs", "Program.cs" })
            {
                File.Copy(Path.Combine(template, file), Path.Combine(sources, file));
            }
            if (LayerNorm)
            {
                File.Copy(Path.Combine(template, "LayerNormLayers.cs"), Path.Combine(sources, "LayerNormLayers.cs"));
            }
            File.WriteAllText(Path.Combine(sources, "Inputs.cs"), ConsumerCase.InputsSource());
        }

        string directory = Path.Combine(ConsumerRoot, name);
        Directory.CreateDirectory(directory);
        string aot = publishAot
            ? """
                  <PublishAot>true</PublishAot>
                  <!-- One warning per problem, not one per assembly; with TreatWarningsAsErrors any of them fails. -->
                  <TrimmerSingleWarn>false</TrimmerSingleWarn>
                  <InvariantGlobalization>true</InvariantGlobalization>
              """
            : "";
        string layerNorm = LayerNorm ? "<DefineConstants>$(DefineConstants);NORMGEN_LAYERNORM</DefineConstants>" : "";
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <!-- A user's console app referencing the NormGen package. Written by NormGen.Package.Tests. -->
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>{targetFramework}</TargetFramework>
                <RootNamespace>NormGenConsumer</RootNamespace>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
                {layerNorm}
            {aot}
              </PropertyGroup>
              <ItemGroup>
                <Compile Include="../src/*.cs" />
                <PackageReference Include="NormGen" Version="{package.Version}" />
                {extraItems}
              </ItemGroup>
            </Project>
            """);
        return Path.Combine(directory, name + ".csproj");
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("NORMGEN_PACKAGE_TEST_KEEP") == "1")
        {
            return;
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is not a test failure.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private PackedPackage Pack()
    {
        // The consumers' NuGet.config and the files that keep the repository's MSBuild settings out.
        File.WriteAllText(Path.Combine(Root, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{PackagesFolder}" />
              </config>
              <packageSources>
                <clear />
                <add key="normgen-local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="normgen-local">
                  <package pattern="NormGen" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        foreach (string file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(Root, file), "<Project>\n  <!-- Stops MSBuild's search for the repository's settings. -->\n</Project>\n");
        }

        // The package script itself, building into a private folder so it never races the solution build over bin/obj.
        Record("pack (build/pack.sh)", ProcessRunner.Run(
            "bash",
            new[]
            {
                Path.Combine(RepoRoot, "build", "pack.sh"), Feed,
                "-p:ArtifactsPath=" + Path.Combine(Root, "pack-build"), "-nodeReuse:false", "-p:UseSharedCompilation=false",
            },
            RepoRoot)).EnsureSuccess();

        // NormGen.<version>.nupkg; NormGen.Mpi and NormGen.PyTorch packages lie beside it.
        string[] packages = Directory.GetFiles(Feed, "NormGen.*.nupkg")
            .Where(p => Regex.IsMatch(Path.GetFileName(p), @"^NormGen\.\d")).ToArray();
        Assert.True(packages.Length == 1, "expected one NormGen .nupkg in the feed, found: " + string.Join(", ", packages));
        string nupkg = packages[0];
        Match version = Regex.Match(Path.GetFileName(nupkg), @"^NormGen\.(.+)\.nupkg$");
        string contents = Path.Combine(Root, "nupkg");
        ZipFile.ExtractToDirectory(nupkg, contents);
        return new PackedPackage(nupkg, Path.ChangeExtension(nupkg, ".snupkg"), version.Groups[1].Value, contents);
    }

    /// <summary>Asks the packed generator (in Roslyn 4.8) whether it emits a [LayerNorm] layer.</summary>
    private bool GeneratorEmitsLayerNorm()
    {
        PackedPackage package = Package;
        string template = Path.Combine(AppContext.BaseDirectory, "Consumer");
        string[] runtimeAssemblies = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal)
                || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .ToArray();
        RoslynRun run = RoslynHarness.Run(
            package.GeneratorDll,
            runtimeAssemblies.Append(Path.Combine(package.Contents, "lib", "net10.0", "NormGen.dll")),
            new[] { File.ReadAllText(Path.Combine(template, "LayerNormLayers.cs")) },
            LanguageVersion.CSharp12);
        return run.GeneratedHintNames.Any(h => h.Contains("LnFloat", StringComparison.Ordinal));
    }

    private ProcessResult BuildConsumer(string name)
    {
        string project = name == "App"
            ? WriteConsumerProject("App", "net10.0", publishAot: true)
            : WriteConsumerProject("App8", "net8.0", publishAot: false);
        return DotNetCommand($"build consumer {name} (restore into an empty package folder)", ConsumerRoot,
            "build", project, "-c", "Release").EnsureSuccess();
    }

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "NormGen.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("NormGen.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>The packed .nupkg, its symbols package, its version and where its contents were extracted.</summary>
public sealed record PackedPackage(string Nupkg, string Snupkg, string Version, string Contents)
{
    public string GeneratorDll => Path.Combine(Contents, "analyzers", "dotnet", "cs", "NormGen.Generator.dll");

    public string CodeFixesDll => Path.Combine(Contents, "analyzers", "dotnet", "cs", "NormGen.CodeFixes.dll");
}
