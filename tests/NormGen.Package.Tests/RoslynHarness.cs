using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace NormGen.Package.Tests;

/// <summary>What the packed generator and analyzers did to a compilation, in the Roslyn this project references.</summary>
internal sealed record RoslynRun(
    ImmutableArray<string> LoadFailures,
    int GeneratorCount,
    int AnalyzerCount,
    ImmutableArray<string> GeneratedHintNames,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> CompilationDiagnostics,
    ImmutableArray<Diagnostic> AnalyzerDiagnostics,
    bool Emitted)
{
    public IEnumerable<Diagnostic> All => GeneratorDiagnostics.Concat(CompilationDiagnostics).Concat(AnalyzerDiagnostics);
}

/// <summary>
/// Loads analyzers/dotnet/cs/NormGen.Generator.dll the way the compiler does (AnalyzerFileReference) into the Roslyn
/// of this test project, Microsoft.CodeAnalysis 4.8.0 (the version the generator references; .NET SDK 8.0.100 /
/// VS 2022 17.8), runs its generators and analyzers, and compiles the result.
/// </summary>
internal static class RoslynHarness
{
    /// <summary>The Roslyn version loaded in this process.</summary>
    public static Version LoadedRoslyn => typeof(Compilation).Assembly.GetName().Version!;

    public static RoslynRun Run(
        string analyzerPath, IEnumerable<string> referencePaths, IEnumerable<string> sources,
        LanguageVersion languageVersion, params string[] preprocessorSymbols)
    {
        var failures = new List<string>();
        var analyzerReference = new AnalyzerFileReference(analyzerPath, new LoadFromLoader());
        analyzerReference.AnalyzerLoadFailed += (_, e) => failures.Add($"{e.ErrorCode}: {e.Message} {e.Exception}");
        ImmutableArray<ISourceGenerator> generators = analyzerReference.GetGenerators(LanguageNames.CSharp);
        ImmutableArray<DiagnosticAnalyzer> analyzers = analyzerReference.GetAnalyzers(LanguageNames.CSharp);

        var parseOptions = new CSharpParseOptions(languageVersion, preprocessorSymbols: preprocessorSymbols);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "NormGenConsumer",
            sources.Select((text, i) => CSharpSyntaxTree.ParseText(text, parseOptions, path: $"Source{i}.cs")),
            referencePaths.Select(path => MetadataReference.CreateFromFile(path)),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        GeneratorDriver driver = CSharpGeneratorDriver.Create(generators, parseOptions: parseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        ImmutableArray<string> hintNames = driver.GetRunResult().Results
            .SelectMany(r => r.GeneratedSources)
            .Select(s => s.HintName)
            .ToImmutableArray();

        ImmutableArray<Diagnostic> analyzerDiagnostics = analyzers.IsEmpty
            ? ImmutableArray<Diagnostic>.Empty
            : Task.Run(() => output.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync()).GetAwaiter().GetResult();
        ImmutableArray<Diagnostic> compilationDiagnostics = output.GetDiagnostics();
        bool emitted = !compilationDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)
            && output.Emit(new MemoryStream()).Success;
        return new RoslynRun(
            failures.ToImmutableArray(), generators.Length, analyzers.Length, hintNames,
            generatorDiagnostics, compilationDiagnostics, analyzerDiagnostics, emitted);
    }

    /// <summary>Loads the analyzer assembly into the default context, where it binds to this process's Roslyn.</summary>
    private sealed class LoadFromLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }
}
