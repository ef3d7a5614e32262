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
    [Fact]
    public void TwoHundredLayersInOneCompilation()
    {
        var source = new StringBuilder("using NormGen;\nnamespace Big;\n");
        for (int i = 0; i < 200; i++)
        {
            string element = i % 2 == 0 ? "float" : "double";
            string spatial = i % 5 == 0 ? ", Spatial = 16" : "";
            source.AppendLine($"[BatchNorm(Features = {1 + (i * 37 % 1024)}{spatial}, ElementType = typeof({element}))] internal partial class Layer{i} {{ }}");
        }

        SyntaxTree layers = CSharpSyntaxTree.ParseText(source.ToString(), GeneratorHarness.ParseOptions, path: "Layers.cs");
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(new[] { layers });

        // Warm up JIT and the reference symbols on a one-layer compilation first, so the figure is the generator's own.
        GeneratorHarness.CreateDriver().RunGenerators(GeneratorHarness.CreateCompilation("using NormGen; [BatchNorm(Features = 3)] partial class W { }"));

        var clock = Stopwatch.StartNew();
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        double cold = clock.Elapsed.TotalMilliseconds;
        GeneratorDriverRunResult result = driver.GetRunResult();
        Assert.Equal(200, result.GeneratedTrees.Length);
        Assert.All(result.Results, r => Assert.Null(r.Exception));

        CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Big; class Unrelated { }", GeneratorHarness.ParseOptions, path: "Other.cs"));
        clock.Restart();
        driver = driver.RunGenerators(edited);
        double incremental = clock.Elapsed.TotalMilliseconds;

        int lines = result.GeneratedTrees.Sum(t => t.GetText().Lines.Count);
        output.WriteLine($"200 layers: first run {cold:F0} ms (driver-reported {result.ElapsedTime.TotalMilliseconds:F0} ms), " +
                         $"{lines} generated lines; re-run after an unrelated edit {incremental:F1} ms " +
                         $"(driver-reported {driver.GetRunResult().ElapsedTime.TotalMilliseconds:F1} ms).");
    }
}
