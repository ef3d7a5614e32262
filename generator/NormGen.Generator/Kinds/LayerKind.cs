using System;
using System.Collections.Immutable;
using NormGen.Generator.Emitting;
using NormGen.Generator.Model;
using NormGen.Generator.Parsing;

namespace NormGen.Generator.Kinds;

/// <summary>
/// One normalization-layer kind: the attribute that asks for it, the parser that turns the attribute into a spec,
/// and the emitter that writes the layer (and lists the public members it adds). The generator and the analyzer
/// both walk <see cref="LayerKinds.All"/>.
/// </summary>
internal abstract class LayerKind
{
    /// <summary>The name of the step that keeps only valid specs (shared by every kind's pipeline).</summary>
    public const string ValidSpecsTrackingName = "ValidSpecs";

    protected LayerKind(Type attribute)
    {
        const string Suffix = "Attribute";
        AttributeName = attribute.Name.EndsWith(Suffix, StringComparison.Ordinal) ? attribute.Name.Substring(0, attribute.Name.Length - Suffix.Length) : attribute.Name;
    }

    /// <summary>The short attribute name, e.g. BatchNorm.</summary>
    public string AttributeName { get; }

    /// <summary>The attribute's metadata name in the runtime, e.g. NormGen.BatchNormAttribute.</summary>
    public string AttributeMetadataName => "NormGen." + AttributeName + "Attribute";

    /// <summary>The name of this kind's pipeline step, for caching tests: e.g. BatchNormSpecs.</summary>
    public string TrackingName => AttributeName + "Specs";

    /// <summary>Every member name the generated code declares on the user's type.</summary>
    public abstract ImmutableArray<string> MemberNames { get; }

    /// <summary>Reads the kind's own arguments into a spec; problems are reported through the arguments object.</summary>
    public abstract LayerSpec? Parse(AttributeArguments arguments, TargetType target);

    /// <summary>The generated source for a valid spec of this kind.</summary>
    public abstract string Emit(LayerSpec spec);
}

/// <summary>A kind whose parser and emitter agree on one spec type.</summary>
/// <typeparam name="TSpec">The kind's spec.</typeparam>
internal sealed class LayerKind<TSpec> : LayerKind
    where TSpec : LayerSpec
{
    private readonly Func<AttributeArguments, TargetType, TSpec?> _parse;
    private readonly LayerEmitter<TSpec> _emitter;

    public LayerKind(Type attribute, Func<AttributeArguments, TargetType, TSpec?> parse, LayerEmitter<TSpec> emitter)
        : base(attribute)
    {
        _parse = parse;
        _emitter = emitter;
        MemberNames = emitter.MemberNames;
    }

    public override ImmutableArray<string> MemberNames { get; }

    public override LayerSpec? Parse(AttributeArguments arguments, TargetType target) => _parse(arguments, target);

    public override string Emit(LayerSpec spec) => _emitter.Emit((TSpec)spec);
}
