using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace NormGen.Generator.Tests.Infrastructure;

/// <summary>The outcome of running the generator, then the compiler and the analyzer, on some sources.</summary>
/// <param name="Input">The compilation before generation.</param>
/// <param name="Output">The compilation with the generated trees added.</param>
/// <param name="Driver">The driver after the run, for incremental re-runs.</param>
/// <param name="RunResult">The generator's results: generated sources, exceptions, tracked steps.</param>
/// <param name="Diagnostics">Compiler diagnostics of <paramref name="Output"/> and the analyzer's, after pragma suppression, sorted by location.</param>
/// <param name="AnalyzerExceptions">Exceptions the analyzer threw (should be none).</param>
internal sealed record GeneratorRun(
    CSharpCompilation Input,
    Compilation Output,
    GeneratorDriver Driver,
    GeneratorDriverRunResult RunResult,
    ImmutableArray<Diagnostic> Diagnostics,
    ImmutableArray<Exception> AnalyzerExceptions)
{
    /// <summary>The generated sources, hint name to text.</summary>
    public IReadOnlyList<(string HintName, string Text)> GeneratedSources =>
        RunResult.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList();

    /// <summary>Diagnostics of severity error (warnings count as errors here too: the compilation options say so).</summary>
    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>One line per diagnostic, for assertion messages.</summary>
    public string Describe() => string.Join(Environment.NewLine, Diagnostics.Select(d => d.ToString()));
}

/// <summary>
/// Runs <see cref="NormGenGenerator"/> and <see cref="NormGenAnalyzer"/> the way the compiler does: generator first,
/// then the analyzer over the compilation that includes the generated code. Warnings are errors and nullable is on.
/// </summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    public static readonly CSharpCompilationOptions CompilationOptions = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable,
            generalDiagnosticOption: ReportDiagnostic.Error,
            // Every warning wave, as an SDK project gets by default (CS8981 and the like are wave 7 and later).
            warningLevel: 9999,
            deterministic: true)
        // CS1591 (missing XML doc) would flag the tests' own undocumented classes; generated members are checked by a test that enables it.
        .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1591"] = ReportDiagnostic.Suppress });

    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CreateCompilation(sources.Select((text, i) => CSharpSyntaxTree.ParseText(text, ParseOptions, path: "Source" + i + ".cs")));

    public static CSharpCompilation CreateCompilation(IEnumerable<SyntaxTree> trees, CSharpCompilationOptions? options = null) =>
        CSharpCompilation.Create("TestAssembly", trees, TestReferences.All, options ?? CompilationOptions);

    public static GeneratorDriver CreateDriver(bool trackSteps = false, CSharpParseOptions? parseOptions = null) =>
        CSharpGeneratorDriver.Create(
            new[] { new NormGenGenerator().AsSourceGenerator() },
            parseOptions: parseOptions ?? ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    public static GeneratorRun Run(params string[] sources) => Run(CreateCompilation(sources));

    public static GeneratorRun Run(CSharpCompilation input, GeneratorDriver? driver = null)
    {
        driver = (driver ?? CreateDriver()).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (exception, _, _) => { lock (exceptions) { exceptions.Add(exception); } },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> all = output
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new NormGenAnalyzer()), options)
            .GetAllDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
        ImmutableArray<Diagnostic> diagnostics = generatorDiagnostics.AddRange(all)
            .Where(d => !d.IsSuppressed)
            .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToImmutableArray();
        return new GeneratorRun(input, output, driver, driver.GetRunResult(), diagnostics, exceptions.ToImmutableArray());
    }
}
