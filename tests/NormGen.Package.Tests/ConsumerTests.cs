using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Xunit;
using Xunit.Abstractions;

namespace NormGen.Package.Tests;

/// <summary>
/// A fresh console app that gets NormGen only from the packed .nupkg: it builds with warnings as errors, runs, and
/// publishes NativeAOT; every printed value is checked against <see cref="Reference"/>.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class ConsumerTests(PackageFixture fixture, ITestOutputHelper log) : IDisposable
{
    public void Dispose()
    {
        foreach (string line in fixture.Timings)
        {
            log.WriteLine(line);
        }
    }

    [Fact]
    public void Net10ConsumerBuildsWithoutWarningsAndPrintsTheExpectedValues()
    {
        ProcessResult build = fixture.AppBuild;
        Assert.Contains(" 0 Warning(s)", build.Output, StringComparison.Ordinal);
        // The app got lib/net10.0 of the package, and the generator ran in its build.
        AssertSameBytes(Path.Combine(fixture.Package.Contents, "lib", "net10.0", "NormGen.dll"),
            Path.Combine(Path.GetDirectoryName(fixture.AppDll)!, "NormGen.dll"));
        string generated = Path.Combine(fixture.ConsumerRoot, "App", "obj", "Release", "net10.0", "generated", "NormGen.Generator");
        string[] layers = Directory.GetFiles(generated, "*.g.cs", SearchOption.AllDirectories).Select(Path.GetFileName).ToArray()!;
        Assert.Contains(layers, f => f.Contains("BnFloat", StringComparison.Ordinal));
        Assert.Contains(layers, f => f.Contains("BnDouble", StringComparison.Ordinal));
        Assert.Contains(layers, f => f.Contains("BnSpatialRelu", StringComparison.Ordinal));

        ProcessResult run = fixture.Record("run consumer (net10.0, JIT)",
            ProcessRunner.Run(PackageFixture.DotNet, new[] { fixture.AppDll }, fixture.ConsumerRoot)).EnsureSuccess();
        log.WriteLine(run.Output);
        ConsumerCase.AssertOutput(run.Output, fixture.LayerNorm, "net10.0 consumer");
    }

    [Fact]
    public void Net8ConsumerGetsLibNet8AndPrintsTheExpectedValues()
    {
        ProcessResult build = fixture.App8Build;
        Assert.Contains(" 0 Warning(s)", build.Output, StringComparison.Ordinal);
        AssertSameBytes(Path.Combine(fixture.Package.Contents, "lib", "net8.0", "NormGen.dll"),
            Path.Combine(Path.GetDirectoryName(fixture.App8Dll)!, "NormGen.dll"));

        // Only the .NET 10 runtime is installed here: roll the net8.0 app forward onto it.
        ProcessResult run = fixture.Record("run consumer (net8.0 build on the .NET 10 runtime)", ProcessRunner.Run(
            PackageFixture.DotNet, new[] { fixture.App8Dll }, fixture.ConsumerRoot,
            new Dictionary<string, string?> { ["DOTNET_ROLL_FORWARD"] = "Major" })).EnsureSuccess();
        ConsumerCase.AssertOutput(run.Output, fixture.LayerNorm, "net8.0 consumer");
    }

    [NativeAotFact]
    public void NativeAotPublishHasNoTrimOrAotWarningsAndTheBinaryPrintsTheExpectedValues()
    {
        _ = fixture.AppBuild;
        string output = Path.Combine(fixture.Root, "aot");
        ProcessResult publish = fixture.DotNetCommand("publish consumer (PublishAot, linux native)", fixture.ConsumerRoot,
            "publish", Path.Combine(fixture.ConsumerRoot, "App", "App.csproj"), "-c", "Release",
            "-r", RuntimeInformation.RuntimeIdentifier, "-o", output).EnsureSuccess();
        log.WriteLine(publish.Output);
        // TreatWarningsAsErrors already turns IL2xxx/IL3xxx into errors; no warning of any kind may remain either.
        Assert.DoesNotContain("warning", publish.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Generating native code", publish.Output, StringComparison.Ordinal);

        string binary = Path.Combine(output, "App");
        Assert.True(File.Exists(binary), "no native binary at " + binary);
        Assert.False(File.Exists(Path.Combine(output, "App.dll")), "the publish output holds App.dll: not a native build");
        ProcessResult run = fixture.Record("run consumer (NativeAOT binary)",
            ProcessRunner.Run(binary, Array.Empty<string>(), fixture.ConsumerRoot)).EnsureSuccess();
        log.WriteLine(run.Output);
        ConsumerCase.AssertOutput(run.Output, fixture.LayerNorm, "NativeAOT consumer");
    }

    /// <summary>
    /// Control for the test above: the same consumer plus one reflection call fails to build, so the trim and AOT
    /// analyzers are on and their warnings are errors; a clean build of the real consumer therefore means none fired.
    /// </summary>
    [Fact]
    public void AotAnalyzersInTheConsumerRejectUnanalyzableReflection()
    {
        _ = fixture.AppBuild;
        string project = fixture.WriteConsumerProject("Probe", "net10.0", publishAot: true);
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(project)!, "ReflectionProbe.cs"), """
            namespace NormGenConsumer;

            internal static class ReflectionProbe
            {
                internal static int CountMethods(string typeName) => System.Type.GetType(typeName)!.GetMethods().Length;
            }
            """);
        ProcessResult build = fixture.DotNetCommand("build reflection probe (expected to fail)", fixture.ConsumerRoot,
            "build", project, "-c", "Release");
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error IL2057", build.Output, StringComparison.Ordinal);
    }

    private static void AssertSameBytes(string expected, string actual) =>
        Assert.True(File.ReadAllBytes(expected).AsSpan().SequenceEqual(File.ReadAllBytes(actual)), $"{actual} differs from {expected}");
}
