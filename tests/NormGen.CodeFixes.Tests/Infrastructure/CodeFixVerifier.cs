using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using NormGen.Generator;

namespace NormGen.CodeFixes.Tests.Infrastructure;

/// <summary>
/// Microsoft.CodeAnalysis.Testing's code-fix test for <typeparamref name="TFix"/> against the real
/// <see cref="NormGenAnalyzer"/>, with the NormGen generator running too. Before the fix the generator skips the
/// invalid layer; after it, it emits the layer, and the fixed code must then compile with the generated code with no
/// error or warning (<see cref="CompilerDiagnostics.Warnings"/>): a fix that makes NormGen's diagnostic go away but
/// leaves code that does not build fails here. Generated files themselves are checked by the generator's snapshot
/// tests, not here. Markup: <c>{|NG0001:Hidden|}</c>.
/// </summary>
internal sealed class CodeFixVerifier<TFix> : CSharpCodeFixTest<NormGenAnalyzer, TFix, DefaultVerifier>
    where TFix : CodeFixProvider, new()
{
    private static readonly ReferenceAssemblies NoDownload = new("net10.0");

    public CodeFixVerifier()
    {
        ReferenceAssemblies = NoDownload;
        TestState.AdditionalReferences.AddRange(TestReferences.All);
        CompilerDiagnostics = CompilerDiagnostics.Warnings;
        TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
    }

    /// <summary>The C# version of the test project (default: latest).</summary>
    public LanguageVersion LanguageVersion { get; init; } = LanguageVersion.Latest;

    /// <summary>Applies the fix to every diagnostic in <paramref name="source"/> and expects <paramref name="fixedSource"/>.</summary>
    public static Task VerifyAsync(string source, string fixedSource) =>
        new CodeFixVerifier<TFix> { TestCode = source, FixedCode = fixedSource }.RunAsync();

    /// <summary>Expects the diagnostics marked in <paramref name="source"/> and no code fix for any of them.</summary>
    public static Task VerifyNoFixAsync(string source) =>
        new CodeFixVerifier<TFix> { TestCode = source, FixedCode = source }.RunAsync();

    protected override IEnumerable<Type> GetSourceGenerators() => new[] { typeof(NormGenGenerator) };

    protected override CompilationOptions CreateCompilationOptions() =>
        ((CSharpCompilationOptions)base.CreateCompilationOptions())
            .WithNullableContextOptions(NullableContextOptions.Enable)
            .WithGeneralDiagnosticOption(ReportDiagnostic.Error)
            // The test declarations are public without doc comments; the generated code's docs are the generator tests' business.
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1591"] = ReportDiagnostic.Suppress });

    protected override ParseOptions CreateParseOptions() =>
        ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion);
}
