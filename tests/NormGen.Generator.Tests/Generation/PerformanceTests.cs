using System;
using System.Diagnostics;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NormGen.Generator.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NormGen.Generator.Tests.Generation;

/// <summary>Reports how long the generator takes on a large project. No time assertion: the figure goes in the notes.</summary>
public class PerformanceTests(ITestOutputHelper output)
{
    private const int Layers = 200;

    [Fact]
    public void TwoHundredLayersInOneCompilation()
    {
        var source = new StringBuilder("using NormGen;\nnamespace Big;\n");
        for (int i = 0; i < Layers; i++)
        {
            string element = i % 2 == 0 ? "float" : "double";
            string spatial = i % 5 == 0 ? ", Spatial = 16" : "";
            source.AppendLine($"[BatchNorm(Features = {1 + (i * 37 % 1024)}{spatial}, ElementType = typeof({element}))] internal partial class Layer{i} {{ }}");
        }

        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(new[]
        {
            CSharpSyntaxTree.ParseText(source.ToString(), GeneratorHarness.ParseOptions, path: "Layers.cs"),
        });

        var clock = Stopwatch.StartNew();
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        double cold = clock.Elapsed.TotalMilliseconds;
        GeneratorDriverRunResult result = driver.GetRunResult();
        Assert.Equal(Layers, result.GeneratedTrees.Length);
        Assert.All(result.Results, r => Assert.Null(r.Exception));

        // Warm: best of 5 fresh drivers (JIT done), and best of 5 incremental runs after an unrelated edit each.
        double warm = double.MaxValue, incremental = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            clock.Restart();
            GeneratorHarness.CreateDriver().RunGenerators(compilation);
            warm = Math.Min(warm, clock.Elapsed.TotalMilliseconds);

            compilation = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText($"namespace Big; class Unrelated{i} {{ }}", GeneratorHarness.ParseOptions, path: $"Other{i}.cs"));
            clock.Restart();
            driver = driver.RunGenerators(compilation);
            incremental = Math.Min(incremental, clock.Elapsed.TotalMilliseconds);
            Assert.All(
                driver.GetRunResult().Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
                o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        }

        int lines = result.GeneratedTrees.Sum(t => t.GetText().Lines.Count);
        output.WriteLine($"{Layers} layers, {lines} generated lines: first run (cold JIT, step tracking) {cold:F0} ms; " +
                         $"warm full run {warm:F0} ms; incremental run after an unrelated edit {incremental:F1} ms (best of 5; machine load affects these).");
    }
}
