using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using NormGen.Generator.Tests.Infrastructure;
using Xunit.Abstractions;
namespace NormGen.Generator.Tests;
public class TimingProbe(ITestOutputHelper output)
{
    [Fact]
    public void Time()
    {
        foreach (string src in new[] { "using NormGen; [BatchNorm(Features = 0)] partial class C { }", "using NormGen; [BatchNorm(Features = 7)] partial class C { }" })
        {
            for (int round = 0; round < 3; round++)
            {
                var sw = Stopwatch.StartNew();
                long c = 0, g = 0, d = 0, a = 0;
                for (int i = 0; i < 20; i++)
                {
                    sw.Restart();
                    var comp = GeneratorHarness.CreateCompilation(src);
                    c += sw.ElapsedTicks; sw.Restart();
                    GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(comp, out var outc, out _);
                    g += sw.ElapsedTicks; sw.Restart();
                    outc.GetDiagnostics();
                    d += sw.ElapsedTicks; sw.Restart();
                    outc.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new NormGenAnalyzer())).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
                    a += sw.ElapsedTicks;
                }
                double f = 1000.0 / Stopwatch.Frequency / 20;
                output.WriteLine($"{src.Substring(15, 25)} create {c * f:F1} ms, generate {g * f:F1} ms, compile diags {d * f:F1} ms, analyzer {a * f:F1} ms");
            }
        }
    }
}
