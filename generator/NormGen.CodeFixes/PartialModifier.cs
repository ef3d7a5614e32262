using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NormGen.CodeFixes;

/// <summary>Adds the <c>partial</c> modifier to a type declaration, keeping its comments and layout.</summary>
internal static class PartialModifier
{
    /// <summary>Whether the declaration carries <c>partial</c>.</summary>
    public static bool IsPresent(TypeDeclarationSyntax declaration) =>
        declaration.Modifiers.Any(SyntaxKind.PartialKeyword);

    /// <summary>Whether any declaration of the type carries <c>partial</c> (the compiler's notion of a partial type).</summary>
    public static bool IsPartial(INamedTypeSymbol type, System.Threading.CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences.Any(reference =>
            reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration && IsPresent(declaration));

    /// <summary>
    /// The declaration with <c>partial</c> as its last modifier, right before <c>class</c>/<c>record</c>/<c>struct</c>/
    /// <c>interface</c>, where C# requires it (CS0267). Without other modifiers, the keyword's leading trivia (a doc
    /// comment, the indentation) moves to <c>partial</c>, which now starts the line.
    /// </summary>
    public static TypeDeclarationSyntax Add(TypeDeclarationSyntax declaration)
    {
        if (IsPresent(declaration))
        {
            return declaration;
        }

        SyntaxTokenList modifiers = declaration.Modifiers;
        if (modifiers.Count == 0)
        {
            SyntaxToken keyword = declaration.Keyword;
            SyntaxToken first = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
            return declaration
                .WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
                .WithModifiers(SyntaxFactory.TokenList(first));
        }

        // 'partial' takes the last modifier's trailing trivia (normally one space, possibly a comment or a line
        // break), and the last modifier gets a single space before 'partial'.
        SyntaxToken last = modifiers.Last();
        SyntaxToken partial = SyntaxFactory.Token(SyntaxFactory.TriviaList(), SyntaxKind.PartialKeyword, last.TrailingTrivia);
        SyntaxTokenList updated = modifiers
            .Replace(last, last.WithTrailingTrivia(SyntaxFactory.Space))
            .Add(partial);
        return declaration.WithModifiers(updated);
    }
}
