using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Generator.Diagnostics;

namespace NormGen.CodeFixes;

/// <summary>
/// NG0001 (the layer type is not partial): "Make 'Hidden' partial" adds the <c>partial</c> modifier to every
/// declaration of the layer type, in the position C# requires and keeping comments and attributes.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeLayerPartialCodeFix))]
[Shared]
public sealed class MakeLayerPartialCodeFix : CodeFixProvider
{
    /// <summary>Groups the fixes of one Fix All operation.</summary>
    public const string EquivalenceKey = "NormGen.NG0001.MakeLayerPartial";

    /// <summary>NG0001.</summary>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.TypeNotPartial.Id);

    /// <summary>Fix All merges the per-layer edits (each touches only its own declarations).</summary>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <summary>Offers the fix for each NG0001 whose layer declaration is still there.</summary>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            INamedTypeSymbol? layer = await ReportedType.FindAsync(context.Document, diagnostic.Location.SourceSpan, context.CancellationToken).ConfigureAwait(false);
            if (layer is null || PartialModifier.IsPartial(layer, context.CancellationToken))
            {
                continue;
            }

            ImmutableArray<SyntaxReference> declarations = layer.DeclaringSyntaxReferences;
            Solution solution = context.Document.Project.Solution;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Make '{layer.Name}' partial",
                    cancellationToken => DeclarationEdits.ReplaceAsync<TypeDeclarationSyntax>(solution, declarations, PartialModifier.Add, cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }
}
