using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using CsCheck;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NormGen.Generator.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NormGen.Generator.Tests.Robustness;

/// <summary>
/// Property test: random declarations, valid and invalid. The generator never throws, and each declaration either
/// compiles cleanly with its generated code (warnings as errors) or gets exactly the errors its model predicts.
/// </summary>
public class GeneratorRobustnessTests(ITestOutputHelper output)
{
    private const string Bases = """
        public class Module { public string Name => "module"; }
        public class Plain { public int Depth { get; set; } }
        """;

    private static readonly SyntaxTree BasesTree = CSharpSyntaxTree.ParseText(Bases, GeneratorHarness.ParseOptions, path: "Bases.cs");

    [Fact]
    public void RandomDeclarationsNeverCrashAndGetExactlyTheExpectedErrors()
    {
        var outcomes = new ConcurrentDictionary<string, int>();
        var clock = Stopwatch.StartNew();
        DeclarationGenerators.Declarations.Sample(
            declaration =>
            {
                Check(declaration);
                outcomes.AddOrUpdate(declaration.ExpectedErrors().Length == 0 ? "valid" : string.Join("+", declaration.ExpectedErrors().Distinct()), 1, (_, n) => n + 1);
            },
            iter: 1000);
        output.WriteLine($"1000 declarations in {clock.Elapsed.TotalSeconds:F1} s");
        foreach ((string outcome, int count) in outcomes.OrderByDescending(o => o.Value))
        {
            output.WriteLine($"{count,5}  {outcome}");
        }

        Assert.True(outcomes.TryGetValue("valid", out int valid) && valid >= 120, "too few valid declarations to mean anything");
    }

    private static void Check(Declaration declaration)
    {
        string source = declaration.Render();
        SyntaxTree tree = CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, path: "Layer.cs");
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(new[] { tree, BasesTree }));

        Exception? crash = run.RunResult.Results.Select(r => r.Exception).FirstOrDefault(e => e is not null);
        if (crash is not null || run.AnalyzerExceptions.Length > 0 || run.Diagnostics.Any(d => d.Id is "CS8784" or "CS8785" or "AD0001"))
        {
            throw new InvalidOperationException($"Generator or analyzer threw on:\n{source}\n{crash}{string.Join("\n", run.AnalyzerExceptions)}");
        }

        string[] expected = declaration.ExpectedErrors();
        string[] actual = run.Errors.Select(d => d.Id).OrderBy(id => id, StringComparer.Ordinal).ToArray();
        if (!expected.SequenceEqual(actual))
        {
            throw new InvalidOperationException(
                $"Expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}] for:\n{source}\n{run.Describe()}");
        }

        // A valid declaration generates its file; an invalid one generates nothing.
        int generated = run.GeneratedSources.Count;
        if (generated != (expected.Length == 0 ? 1 : 0))
        {
            throw new InvalidOperationException($"Expected {(expected.Length == 0 ? 1 : 0)} generated files, got {generated} for:\n{source}");
        }

        // Argument problems sit on the argument the user wrote.
        foreach (Diagnostic diagnostic in run.Errors.Where(d => d.Id.StartsWith("NG", StringComparison.Ordinal)))
        {
            string? argument = Declaration.ArgumentOf(diagnostic.Id, diagnostic.GetMessage());
            string at = diagnostic.Location.SourceTree!.ToString().Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);
            if (argument is not null && !at.StartsWith(argument + " =", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{diagnostic.Id} is on '{at}', expected the {argument} argument, for:\n{source}");
            }
        }
    }
}
