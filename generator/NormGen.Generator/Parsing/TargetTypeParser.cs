using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Generator.Diagnostics;
using NormGen.Generator.Model;

namespace NormGen.Generator.Parsing;

/// <summary>
/// Checks that the attributed type can hold generated members and describes where they go.
/// Supported: non-static, non-abstract, non-generic, non-file-local partial classes (not records), nested in any
/// partial non-generic types. Layers are mutable objects with identity, so structs and records are not supported.
/// </summary>
internal static class TargetTypeParser
{
    private static readonly SymbolDisplayFormat NamespaceFormat = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    public static TargetType? Parse(INamedTypeSymbol type, AttributeArguments arguments)
    {
        string? unsupported = DescribeUnsupported(type);
        if (unsupported is not null)
        {
            arguments.Report(DiagnosticDescriptors.UnsupportedTypeKind, LocationOfName(type), type.Name, unsupported, arguments.AttributeName);
            return null;
        }

        if (type.IsRecord)
        {
            arguments.Report(DiagnosticDescriptors.RecordLayer, LocationOfName(type), type.Name, arguments.AttributeName);
            return null;
        }

        if (!IsPartial(type))
        {
            arguments.Report(DiagnosticDescriptors.TypeNotPartial, LocationOfName(type), type.Name, arguments.AttributeName);
            return null;
        }

        var containing = new List<ContainingType>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            string? problem = outer.IsGenericType ? "generic" : !IsPartial(outer) ? "not partial" : null;
            if (problem is not null)
            {
                arguments.Report(DiagnosticDescriptors.UnsupportedContainingType, LocationOfName(type), type.Name, outer.Name, problem);
                return null;
            }

            containing.Insert(0, new ContainingType(Keyword(outer), Escape(outer.Name)));
        }

        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } space ? space.ToDisplayString(NamespaceFormat) : null;
        return new TargetType(
            ns,
            new EquatableArray<ContainingType>(containing),
            Keyword(type),
            Escape(type.Name),
            type.Name,
            HintName(type));
    }

    private static string? DescribeUnsupported(INamedTypeSymbol type)
    {
        if (type.TypeKind != TypeKind.Class)
        {
            return type.TypeKind switch
            {
                TypeKind.Struct => type.IsRecord ? "a record struct" : "a struct",
                TypeKind.Interface => "an interface",
                TypeKind.Enum => "an enum",
                _ => "not a class",
            };
        }

        if (type.IsStatic)
        {
            return "a static class";
        }

        if (type.IsAbstract)
        {
            return "an abstract class";
        }

        // Arity, not IsGenericType: a class nested in a generic type is reported as such (NG0003), not as generic itself.
        if (type.Arity > 0)
        {
            return "a generic class";
        }

        if (type.IsFileLocal)
        {
            return "a file-local class";
        }

        return null;
    }

    private static bool IsPartial(INamedTypeSymbol type) =>
        type.DeclaringSyntaxReferences.Any(reference =>
            reference.GetSyntax() is TypeDeclarationSyntax declaration &&
            declaration.Modifiers.Any(modifier => modifier.IsKind(SyntaxKind.PartialKeyword)));

    private static string Keyword(INamedTypeSymbol type) => type.TypeKind switch
    {
        TypeKind.Struct => type.IsRecord ? "record struct" : "struct",
        TypeKind.Interface => "interface",
        _ => type.IsRecord ? "record" : "class",
    };

    /// <summary>
    /// Escapes reserved and contextual keywords: a type the user wrote as <c>@record</c> must be re-declared as
    /// <c>@record</c>, since a bare <c>record</c> type name is warning CS8860 (an error in warnings-as-errors builds).
    /// </summary>
    private static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None
            ? "@" + name
            : name;

    /// <summary>Namespace.Outer+Inner.g.cs: unique for nested types and same-named types in other namespaces.</summary>
    private static string HintName(INamedTypeSymbol type)
    {
        string name = type.MetadataName;
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            name = outer.MetadataName + "+" + name;
        }

        // Metadata names, not ToDisplayString(): that escapes keywords (@int), and AddSource rejects '@'.
        for (INamespaceSymbol? space = type.ContainingNamespace; space is { IsGlobalNamespace: false }; space = space.ContainingNamespace)
        {
            name = space.MetadataName + "." + name;
        }

        return name.Replace('`', '_') + ".g.cs";
    }

    /// <summary>The identifier of the type's first declaration: where type-level problems are reported.</summary>
    internal static Location LocationOfName(INamedTypeSymbol type)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is BaseTypeDeclarationSyntax declaration)
            {
                return declaration.Identifier.GetLocation();
            }
        }

        return type.Locations.FirstOrDefault() ?? Location.None;
    }
}
