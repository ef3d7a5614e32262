namespace NormGen.Generator.Model;

/// <summary>A type that encloses the layer class, outermost first, e.g. <c>partial class Outer</c>.</summary>
/// <param name="Keyword">The declaration keyword(s): class, struct, record, record struct or interface.</param>
/// <param name="Name">The identifier, escaped with @ where it is a keyword.</param>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>Where the generated members go: the attributed partial class and everything around it.</summary>
/// <param name="Namespace">The namespace with escaped identifiers, or null for the global namespace.</param>
/// <param name="ContainingTypes">Enclosing partial types, outermost first.</param>
/// <param name="Keyword">class or record.</param>
/// <param name="Name">The class identifier, escaped with @ where it is a keyword.</param>
/// <param name="DisplayName">The name as the user reads it in messages (no @).</param>
/// <param name="HintName">A unique file name for the generated source.</param>
internal sealed record TargetType(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string Keyword,
    string Name,
    string DisplayName,
    string HintName);
