using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FindSymbols;
using NormGen.Generator.Diagnostics;

namespace NormGen.CodeFixes;

/// <summary>
/// NG0019 (the layer is a record): "Declare 'Hidden' as a class" turns <c>record</c> or <c>record class</c> into
/// <c>class</c> in every declaration of the layer. Offered only where a class means the same declaration:
/// <list type="bullet">
/// <item>no declaration has a parameter list (a positional record's generated properties, constructor and
/// <c>Deconstruct</c> have no one obvious class equivalent);</item>
/// <item>the record derives from no other record and no record derives from it (only records inherit from
/// records, CS8865/CS8864).</item>
/// </list>
/// Code that uses <c>with</c> on the layer stops compiling: that sharing of arrays is what NG0019 is about.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DeclareLayerAsClassCodeFix))]
[Shared]
public sealed class DeclareLayerAsClassCodeFix : CodeFixProvider
{
    /// <summary>Groups the fixes of one Fix All operation.</summary>
    public const string EquivalenceKey = "NormGen.NG0019.DeclareLayerAsClass";

    /// <summary>NG0019.</summary>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.RecordLayer.Id);

    /// <summary>Fix All merges the per-layer edits (each touches only its own declarations).</summary>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <summary>Offers the fix for each NG0019 whose record has a class equivalent (see the type's remarks).</summary>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            INamedTypeSymbol? layer = await ReportedType.FindAsync(context.Document, diagnostic.Location.SourceSpan, context.CancellationToken).ConfigureAwait(false);
            Solution solution = context.Document.Project.Solution;
            if (layer is null || !await HasClassEquivalentAsync(layer, solution, context.CancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            ImmutableArray<SyntaxReference> declarations = layer.DeclaringSyntaxReferences;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Declare '{layer.Name}' as a class",
                    cancellationToken => DeclarationEdits.ReplaceAsync<RecordDeclarationSyntax>(solution, declarations, ToClass, cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<bool> HasClassEquivalentAsync(INamedTypeSymbol layer, Solution solution, CancellationToken cancellationToken)
    {
        if (!layer.IsRecord || layer.TypeKind != TypeKind.Class || layer.BaseType?.SpecialType != SpecialType.System_Object)
        {
            return false;
        }

        foreach (SyntaxReference reference in layer.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not RecordDeclarationSyntax { ParameterList: null })
            {
                return false;
            }
        }

        var derived = await SymbolFinder.FindDerivedClassesAsync(layer, solution, transitive: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        return !derived.Any();
    }

    /// <summary>
    /// <c>record</c> / <c>record class</c> becomes <c>class</c> with the same attributes, modifiers, base list,
    /// members and trivia. A body-less <c>record Hidden;</c> gets an empty body <c>{ }</c>: a class with a
    /// semicolon body needs C# 12, and NormGen supports C# 11.
    /// </summary>
    private static SyntaxNode ToClass(RecordDeclarationSyntax record)
    {
        SyntaxToken lastKeyword = record.ClassOrStructKeyword.IsKind(SyntaxKind.None) ? record.Keyword : record.ClassOrStructKeyword;
        SyntaxToken classKeyword = SyntaxFactory.Token(record.Keyword.LeadingTrivia, SyntaxKind.ClassKeyword, lastKeyword.TrailingTrivia);

        SyntaxToken open = record.OpenBraceToken;
        SyntaxToken close = record.CloseBraceToken;
        SyntaxToken semicolon = record.SemicolonToken;
        if (open.IsKind(SyntaxKind.None))
        {
            // `record Hidden;` -> `class Hidden { }`; the semicolon's trivia moves onto the braces.
            SyntaxToken before = semicolon.GetPreviousToken();
            SyntaxTriviaList space = before.TrailingTrivia.Any(SyntaxKind.WhitespaceTrivia) || before.TrailingTrivia.Any(SyntaxKind.EndOfLineTrivia)
                ? SyntaxFactory.TriviaList()
                : SyntaxFactory.TriviaList(SyntaxFactory.Space);
            open = SyntaxFactory.Token(space.AddRange(semicolon.LeadingTrivia), SyntaxKind.OpenBraceToken, SyntaxFactory.TriviaList(SyntaxFactory.Space));
            close = SyntaxFactory.Token(SyntaxFactory.TriviaList(), SyntaxKind.CloseBraceToken, semicolon.TrailingTrivia);
            semicolon = default;
        }

        return SyntaxFactory.ClassDeclaration(
            record.AttributeLists,
            record.Modifiers,
            classKeyword,
            record.Identifier,
            record.TypeParameterList,
            record.BaseList,
            record.ConstraintClauses,
            open,
            record.Members,
            close,
            semicolon);
    }
}
