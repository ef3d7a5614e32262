using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace NormGen.Generator.Tests.Infrastructure;

/// <summary>
/// Microsoft.CodeAnalysis.Testing's analyzer test with the generator added, so generated code takes part and
/// any compiler error or warning it causes must be expected too. Markup: <c>{|NG0004:Features = 0|}</c>.
/// Reference assemblies: an empty <see cref="ReferenceAssemblies"/> (no NuGet download at test time) plus
/// <see cref="TestReferences.All"/> (Basic.Reference.Assemblies.Net100 and the NormGen runtime).
/// </summary>
internal sealed class NormGenVerifier : CSharpAnalyzerTest<NormGenAnalyzer, DefaultVerifier>
{
    private static readonly ReferenceAssemblies NoDownload = new("net10.0");

    public NormGenVerifier(string markup)
    {
        TestCode = markup;
        ReferenceAssemblies = NoDownload;
        TestState.AdditionalReferences.AddRange(TestReferences.All);
        // Every compiler diagnostic down to warnings must appear in the markup: none may sneak in beside ours.
        CompilerDiagnostics = CompilerDiagnostics.Warnings;
        // Generated files are checked by the snapshot tests; here only the diagnostics matter.
        TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
    }

    /// <summary>Verifies the markup's diagnostics are exactly the ones reported.</summary>
    public static Task VerifyAsync(string markup) => new NormGenVerifier(markup).RunAsync();

    protected override IEnumerable<Type> GetSourceGenerators() => new[] { typeof(NormGenGenerator) };

    protected override CompilationOptions CreateCompilationOptions() =>
        ((CSharpCompilationOptions)base.CreateCompilationOptions())
            .WithNullableContextOptions(NullableContextOptions.Enable)
            .WithGeneralDiagnosticOption(ReportDiagnostic.Error);

    protected override ParseOptions CreateParseOptions() =>
        ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Latest);
}
