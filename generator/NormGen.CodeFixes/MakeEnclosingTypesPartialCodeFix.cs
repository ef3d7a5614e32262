using System.Collections.Generic;
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
/// NG0003 (a type enclosing the layer is not partial): "Make 'Outer' partial" adds <c>partial</c> to every enclosing
/// type that lacks it, all their declarations. Offered only when no enclosing type is generic: NormGen does not
/// support layers nested in generic types, so the diagnostic would stay and the edit would not be a fix.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeEnclosingTypesPartialCodeFix))]
[Shared]
public sealed class MakeEnclosingTypesPartialCodeFix : CodeFixProvider
{
    /// <summary>Groups the fixes of one Fix All operation.</summary>
    public const string EquivalenceKey = "NormGen.NG0003.MakeEnclosingTypesPartial";

    /// <summary>NG0003.</summary>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.UnsupportedContainingType.Id);

    /// <summary>
    /// Fix All merges the edits; two layers in the same enclosing type make the same edit, which the batch fixer
    /// applies once.
    /// </summary>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <summary>Offers the fix for each NG0003 whose enclosing types are non-generic and some of them not partial.</summary>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            INamedTypeSymbol? layer = await ReportedType.FindAsync(context.Document, diagnostic.Location.SourceSpan, context.CancellationToken).ConfigureAwait(false);
            if (layer is null)
            {
                continue;
            }

            // Outermost first, as they read in the source.
            var notPartial = new List<INamedTypeSymbol>();
            bool generic = false;
            for (INamedTypeSymbol? outer = layer.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                generic |= outer.IsGenericType;
                if (!PartialModifier.IsPartial(outer, context.CancellationToken))
                {
                    notPartial.Insert(0, outer);
                }
            }

            if (generic || notPartial.Count == 0)
            {
                continue;
            }

            ImmutableArray<SyntaxReference> declarations = notPartial.SelectMany(type => type.DeclaringSyntaxReferences).ToImmutableArray();
            Solution solution = context.Document.Project.Solution;
            context.RegisterCodeFix(
                CodeAction.Create(
                    Title(notPartial),
                    cancellationToken => DeclarationEdits.ReplaceAsync<TypeDeclarationSyntax>(solution, declarations, PartialModifier.Add, cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>"Make 'Outer' partial", "Make 'Outer' and 'Middle' partial", "Make 'A', 'B' and 'C' partial".</summary>
    private static string Title(List<INamedTypeSymbol> types)
    {
        string[] names = types.Select(type => "'" + type.Name + "'").ToArray();
        string list = names.Length == 1
            ? names[0]
            : string.Join(", ", names.Take(names.Length - 1)) + " and " + names[names.Length - 1];
        return $"Make {list} partial";
    }
}
