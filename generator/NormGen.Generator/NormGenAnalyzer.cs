using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using NormGen.Generator.Diagnostics;
using NormGen.Generator.Kinds;
using NormGen.Generator.Parsing;

namespace NormGen.Generator;

/// <summary>
/// Reports why a NormGen layer declaration is invalid. The generator runs the same <see cref="LayerParser"/>
/// and silently skips an invalid declaration, so every problem gets exactly one diagnostic, from here, where
/// <c>#pragma warning disable</c> and .editorconfig severities apply as for any analyzer.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NormGenAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => DiagnosticDescriptors.All;

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            // Resolve each kind's attribute once per compilation; a compilation without the runtime has none.
            var kinds = new Dictionary<INamedTypeSymbol, LayerKind>(SymbolEqualityComparer.Default);
            foreach (LayerKind kind in LayerKinds.All)
            {
                if (start.Compilation.GetTypeByMetadataName(kind.AttributeMetadataName) is { } attributeClass)
                {
                    kinds[attributeClass] = kind;
                }
            }

            if (kinds.Count > 0)
            {
                start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, kinds), SymbolKind.NamedType);
            }
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, Dictionary<INamedTypeSymbol, LayerKind> kinds)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is null || !kinds.TryGetValue(attribute.AttributeClass, out LayerKind? kind))
            {
                continue;
            }

            foreach (Diagnostic problem in LayerParser.Parse(kind, type, attribute, context.CancellationToken).Problems)
            {
                context.ReportDiagnostic(problem);
            }
        }
    }
}
