using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;

namespace NormGen.CodeFixes;

/// <summary>
/// Rewrites every declaration of a type at once. A partial type's declarations may sit in several documents, and
/// all of them must change together (partial declarations must agree on the kind; one 'partial' is not enough for
/// two declarations that lack it), so the edit is a solution edit, document by document.
/// </summary>
internal static class DeclarationEdits
{
    /// <summary>
    /// Replaces each node in <paramref name="declarations"/> (references into <paramref name="solution"/>'s trees)
    /// with <paramref name="rewrite"/>'s result.
    /// </summary>
    public static async Task<Solution> ReplaceAsync<TNode>(
        Solution solution,
        IEnumerable<SyntaxReference> declarations,
        Func<TNode, SyntaxNode> rewrite,
        CancellationToken cancellationToken)
        where TNode : SyntaxNode
    {
        foreach (IGrouping<SyntaxTree, SyntaxReference> inTree in declarations.GroupBy(reference => reference.SyntaxTree))
        {
            Document? document = solution.GetDocument(inTree.Key);
            if (document is null)
            {
                continue; // a declaration outside the solution's documents (e.g. generated): nothing the user can edit
            }

            SyntaxNode root = await inTree.Key.GetRootAsync(cancellationToken).ConfigureAwait(false);
            TNode[] nodes = inTree.Select(reference => reference.GetSyntax(cancellationToken)).OfType<TNode>().ToArray();
            SyntaxNode newRoot = root.ReplaceNodes(nodes, (_, current) => rewrite(current));
            solution = solution.WithDocumentSyntaxRoot(document.Id, newRoot);
        }

        return solution;
    }
}
