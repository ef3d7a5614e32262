using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace NormGen.Generator.Diagnostics;

/// <summary>
/// Every diagnostic NormGen reports. Messages quote the value the user wrote and say how to fix it.
/// Keep AnalyzerReleases.Unshipped.md in step with this file.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "NormGen";

    public static readonly DiagnosticDescriptor TypeNotPartial = Error(
        "NG0001",
        "Layer type must be partial",
        "'{0}' must be declared partial so NormGen can add the generated [{1}] members; add the 'partial' modifier");

    public static readonly DiagnosticDescriptor UnsupportedTypeKind = Error(
        "NG0002",
        "Unsupported type for a normalization layer",
        "'{0}' is {1}; [{2}] applies to a non-static, non-abstract, non-generic, non-file-local class");

    public static readonly DiagnosticDescriptor UnsupportedContainingType = Error(
        "NG0003",
        "Unsupported enclosing type",
        "'{0}' is nested in '{1}', which is {2}; make every enclosing type partial and non-generic");

    public static readonly DiagnosticDescriptor ShapeOutOfRange = Error(
        "NG0004",
        "Shape argument out of range",
        "{0} = {1} is not valid for [{2}]: it must be between 1 and {3}");

    public static readonly DiagnosticDescriptor MissingRequiredArgument = Error(
        "NG0005",
        "Required argument missing",
        "[{0}] on '{1}' needs {2}; add it, e.g. [{0}({2} = 64)]");

    public static readonly DiagnosticDescriptor MomentumOutOfRange = Error(
        "NG0006",
        "Momentum out of range",
        "Momentum = {0} is not valid: it must be a number in [0, 1], the weight of the old running value (PyTorch's momentum m is 1 - m here), e.g. 0.9");

    public static readonly DiagnosticDescriptor EpsilonInvalid = Error(
        "NG0007",
        "Epsilon must be positive and finite",
        "Epsilon = {0} is not valid: it must be a finite number greater than 0, e.g. 1e-5");

    public static readonly DiagnosticDescriptor ElementTypeUnsupported = Error(
        "NG0008",
        "Unsupported element type",
        "ElementType = typeof({0}) is not supported: use typeof(float) or typeof(double)");

    public static readonly DiagnosticDescriptor MultipleLayerAttributes = Error(
        "NG0009",
        "More than one normalization attribute",
        "'{0}' carries both [{1}] and [{2}]; a type holds one normalization layer, so remove one of them");

    public static readonly DiagnosticDescriptor MemberNameCollision = Error(
        "NG0010",
        "Member name collides with a generated member",
        "'{0}' already declares '{1}', a member NormGen generates for [{2}]; rename or remove your member");

    public static readonly DiagnosticDescriptor GroupsDoNotDivideChannels = Error(
        "NG0011",
        "Groups must divide Channels",
        "Groups = {0} does not divide Channels = {1}; choose Groups among the divisors of Channels (e.g. {2})");

    public static readonly DiagnosticDescriptor UnknownEnumValue = Error(
        "NG0012",
        "Unknown option value",
        "{0} = {1} is not a defined {2} value; use {3}");

    public static readonly DiagnosticDescriptor SampleTooLarge = Error(
        "NG0013",
        "Sample too large",
        "{0} = {1} elements per sample exceeds the limit of {2}; use a smaller shape");

    public static readonly DiagnosticDescriptor TypeNameCollision = Error(
        "NG0014",
        "Type name collides with generated code",
        "A [{1}] layer cannot be named '{0}': NormGen generates a member '{0}', and a member cannot have the name of its type; rename the type");

    public static readonly DiagnosticDescriptor InheritedMemberCollision = Error(
        "NG0015",
        "Inherited member collides with a generated member",
        "'{0}' inherits '{1}' from '{2}', and NormGen generates a member '{1}' for [{3}] that would hide or fail to implement it; derive from another type or rename the inherited member");

    // NG0016 (a type in scope hid a name the generated code used) was removed in 0.2.0: the generated implementation
    // now lives in a file-local class where no user name can reach it. Its ID is not reused.

    public static readonly DiagnosticDescriptor EpsilonNotNormal = Error(
        "NG0017",
        "Epsilon too small for the element type",
        "Epsilon = {0} {1} in {2}, so a feature with zero variance would give NaN or infinity; use at least {3} (the smallest normal {2}), e.g. 1e-5");

    public static readonly DiagnosticDescriptor LanguageVersionTooLow = Error(
        "NG0018",
        "C# language version too low for NormGen",
        "NormGen generates C# 11 code (file-local classes) for [{0}] on '{1}', but this project compiles with C# {2}; set <LangVersion> to 11 or later, or remove it (.NET 8 projects default to C# 12)");

    public static readonly DiagnosticDescriptor RecordLayer = Error(
        "NG0019",
        "A layer cannot be a record",
        "'{0}' is a record, but a [{1}] layer is a mutable object with identity: a record's 'with' copy would share every array with the original and its equality would compare them by reference; declare it as a class");

    public static readonly DiagnosticDescriptor RenormLimitInvalid = Error(
        "NG0020",
        "Batch renormalization limit out of range",
        "{0} = {1} is not valid: {2}");

    public static readonly DiagnosticDescriptor VirtualBatchSizeInvalid = Error(
        "NG0021",
        "VirtualBatchSize out of range",
        "VirtualBatchSize = {0} is not valid: {1}");

    public static readonly DiagnosticDescriptor UnsupportedCombination = Error(
        "NG0022",
        "Options that cannot be combined",
        "{0} cannot be combined with {1}: {2}");

    /// <summary>
    /// Every descriptor above, for <see cref="NormGenAnalyzer.SupportedDiagnostics"/>. A descriptor missing here
    /// makes the analyzer throw when reporting it; a test compares this list with the fields by reflection.
    /// </summary>
    public static readonly ImmutableArray<DiagnosticDescriptor> All = ImmutableArray.Create(
        TypeNotPartial,
        UnsupportedTypeKind,
        UnsupportedContainingType,
        ShapeOutOfRange,
        MissingRequiredArgument,
        MomentumOutOfRange,
        EpsilonInvalid,
        ElementTypeUnsupported,
        MultipleLayerAttributes,
        MemberNameCollision,
        GroupsDoNotDivideChannels,
        UnknownEnumValue,
        SampleTooLarge,
        TypeNameCollision,
        InheritedMemberCollision,
        EpsilonNotNormal,
        LanguageVersionTooLow,
        RecordLayer,
        RenormLimitInvalid,
        VirtualBatchSizeInvalid,
        UnsupportedCombination);

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            helpLinkUri: "https://github.com/normgen/normgen#diagnostics");
}
