using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace NormGen.CodeFixes;

/// <summary>
/// Finds the layer type a NormGen diagnostic is about. Type-level diagnostics (NG0001, NG0003, NG0019) are reported
/// on the identifier of the layer's first declaration, so the type is the declaration around that span.
/// </summary>
internal static class ReportedType
{
    /// <summary>The type declared around <paramref name="span"/>, or null when there is none (stale diagnostic).</summary>
    public static async Task<INamedTypeSymbol?> FindAsync(Document document, TextSpan span, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        BaseTypeDeclarationSyntax? declaration = root?.FindToken(span.Start).Parent?
            .AncestorsAndSelf().OfType<BaseTypeDeclarationSyntax>().FirstOrDefault();
        if (declaration is null)
        {
            return null;
        }

        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        return model?.GetDeclaredSymbol(declaration, cancellationToken);
    }
}
