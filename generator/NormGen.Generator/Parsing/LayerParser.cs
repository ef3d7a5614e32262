using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NormGen.Generator.Diagnostics;
using NormGen.Generator.Kinds;
using NormGen.Generator.Model;

namespace NormGen.Generator.Parsing;

/// <summary>The outcome of parsing one attributed type: a spec when it is valid, and the problems found.</summary>
internal readonly struct ParseResult
{
    public ParseResult(LayerSpec? spec, ImmutableArray<Diagnostic> problems)
    {
        Spec = problems.IsEmpty ? spec : null;
        Problems = problems;
    }

    /// <summary>The spec to emit, or null when anything is wrong (then nothing is generated).</summary>
    public LayerSpec? Spec { get; }

    public ImmutableArray<Diagnostic> Problems { get; }
}

/// <summary>
/// Turns an attributed type into a <see cref="LayerSpec"/> or a list of problems. Shared by the generator
/// (which keeps only the spec) and the analyzer (which reports the problems). Never throws.
/// </summary>
internal static class LayerParser
{
    public static ParseResult Parse(LayerKind kind, INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        var problems = new List<Diagnostic>();
        var arguments = new AttributeArguments(attribute, kind.AttributeName, type.Name, problems);

        // A constructor argument or an argument of the wrong type is already a compiler error: add nothing to it.
        // On a struct, interface, enum or delegate, AttributeUsage(Class) already gives CS0592: one error is enough.
        if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Length > 0 || arguments.HasBindingErrors ||
            type.TypeKind != TypeKind.Class)
        {
            return new ParseResult(null, ImmutableArray<Diagnostic>.Empty);
        }

        if (HasAnotherLayerAttribute(type, attribute, arguments))
        {
            return new ParseResult(null, problems.ToImmutableArray());
        }

        TargetType? target = TargetTypeParser.Parse(type, arguments);
        cancellationToken.ThrowIfCancellationRequested();
        if (target is null || !HasLanguageVersionForGeneratedCode(kind, type, arguments))
        {
            return new ParseResult(null, problems.ToImmutableArray());
        }

        ReportCollisions(kind, type, arguments);
        LayerSpec? spec = kind.Parse(arguments, target);
        return new ParseResult(spec, problems.ToImmutableArray());
    }

    /// <summary>The generated code declares a file-local class, a C# 11 feature; older language versions get NG0018 instead of compiler errors in generated code.</summary>
    private static bool HasLanguageVersionForGeneratedCode(LayerKind kind, INamedTypeSymbol type, AttributeArguments arguments)
    {
        SyntaxTree? tree = type.DeclaringSyntaxReferences.FirstOrDefault()?.SyntaxTree;
        if (tree?.Options is not CSharpParseOptions options || options.LanguageVersion >= LanguageVersion.CSharp11)
        {
            return true;
        }

        arguments.Report(
            DiagnosticDescriptors.LanguageVersionTooLow, arguments.AttributeLocation, kind.AttributeName, type.Name, options.LanguageVersion.ToDisplayString());
        return false;
    }

    /// <summary>
    /// Two layer attributes on one type: the second (in source order) gets the diagnostic, and neither generates.
    /// </summary>
    private static bool HasAnotherLayerAttribute(INamedTypeSymbol type, AttributeData attribute, AttributeArguments arguments)
    {
        List<AttributeData> layerAttributes = type.GetAttributes()
            .Where(candidate => LayerKinds.Find(candidate.AttributeClass?.ToDisplayString()) is not null)
            .ToList();
        if (layerAttributes.Count < 2)
        {
            return false;
        }

        AttributeData first = layerAttributes[0];
        if (!ReferenceEquals(first, attribute) && !SameApplication(first, attribute))
        {
            arguments.Report(
                DiagnosticDescriptors.MultipleLayerAttributes,
                arguments.AttributeLocation,
                type.Name,
                ShortName(first),
                ShortName(attribute));
        }

        return true;
    }

    private static bool SameApplication(AttributeData a, AttributeData b) =>
        a.ApplicationSyntaxReference is { } left && b.ApplicationSyntaxReference is { } right &&
        left.SyntaxTree == right.SyntaxTree && left.Span == right.Span;

    private static string ShortName(AttributeData attribute)
    {
        string name = attribute.AttributeClass?.Name ?? "?";
        return name.EndsWith("Attribute", System.StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name;
    }

    /// <summary>
    /// Names the generator would declare that are taken already: by the type itself (C# forbids a member named
    /// like its type), by a user member, or by a visible member of a base type (the generated one would hide it, or
    /// leave an abstract one unimplemented).
    /// </summary>
    private static void ReportCollisions(LayerKind kind, INamedTypeSymbol type, AttributeArguments arguments)
    {
        var generated = new HashSet<string>(kind.MemberNames);
        if (generated.Contains(type.Name))
        {
            arguments.Report(DiagnosticDescriptors.TypeNameCollision, TargetTypeParser.LocationOfName(type), type.Name, kind.AttributeName);
            generated.Remove(type.Name);
        }

        foreach (ISymbol member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared || !generated.Contains(member.Name) || !IsUserWritten(member))
            {
                continue;
            }

            Location location = member.Locations.FirstOrDefault(l => l.IsInSource && !IsGeneratedByUs(l.SourceTree)) ?? arguments.AttributeLocation;
            arguments.Report(DiagnosticDescriptors.MemberNameCollision, location, type.Name, member.Name, kind.AttributeName);
            generated.Remove(member.Name);
        }

        ReportInheritedCollisions(kind, type, arguments, generated);
    }

    private static void ReportInheritedCollisions(LayerKind kind, INamedTypeSymbol type, AttributeArguments arguments, HashSet<string> generated)
    {
        for (INamedTypeSymbol? baseType = type.BaseType; baseType is { SpecialType: not SpecialType.System_Object }; baseType = baseType.BaseType)
        {
            // A base that is itself a layer gets its members from the generator, which the generator cannot see yet.
            LayerKind? baseKind = baseType.GetAttributes()
                .Select(candidate => LayerKinds.Find(candidate.AttributeClass?.ToDisplayString()))
                .FirstOrDefault(found => found is not null);
            string? shared = baseKind?.MemberNames.FirstOrDefault(generated.Contains);
            if (shared is not null)
            {
                arguments.Report(DiagnosticDescriptors.InheritedMemberCollision, TargetTypeParser.LocationOfName(type), type.Name, shared, baseType.Name, kind.AttributeName);
                return;
            }

            foreach (ISymbol member in baseType.GetMembers())
            {
                if (member.IsImplicitlyDeclared || !generated.Contains(member.Name) || !IsVisibleToDerived(member, type) || IsOnlyGeneratedByUs(member))
                {
                    continue;
                }

                arguments.Report(DiagnosticDescriptors.InheritedMemberCollision, TargetTypeParser.LocationOfName(type), type.Name, member.Name, baseType.Name, kind.AttributeName);
                generated.Remove(member.Name);
            }
        }
    }

    /// <summary>Whether a generated member of the same name would hide <paramref name="member"/> (CS0108).</summary>
    private static bool IsVisibleToDerived(ISymbol member, INamedTypeSymbol derived) => member.DeclaredAccessibility switch
    {
        Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal => true,
        Accessibility.Internal or Accessibility.ProtectedAndInternal =>
            SymbolEqualityComparer.Default.Equals(member.ContainingAssembly, derived.ContainingAssembly),
        _ => false,
    };

    private static bool IsOnlyGeneratedByUs(ISymbol member) =>
        member.Locations.Length > 0 && member.Locations.All(location => location.IsInSource && IsGeneratedByUs(location.SourceTree));

    private static bool IsUserWritten(ISymbol member) =>
        member.Locations.Any(location => location.IsInSource && !IsGeneratedByUs(location.SourceTree));

    /// <summary>The analyzer sees our own output in the compilation; those members are not collisions.</summary>
    private static bool IsGeneratedByUs(SyntaxTree? tree) =>
        tree is not null && tree.FilePath.Replace('\\', '/').Contains("NormGen.Generator/NormGen.Generator.NormGenGenerator/");
}
