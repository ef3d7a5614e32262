using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using NormGen.Generator.Model;

namespace NormGen.Generator.Parsing;

/// <summary>
/// One normalization-layer kind: the attribute that asks for it, how its arguments become a spec,
/// and the member names it generates (a user member with one of these names is a collision).
/// Adding a kind means adding one of these to <see cref="LayerKinds.All"/>, a spec record and an emitter.
/// </summary>
internal sealed class LayerKind
{
    public LayerKind(
        string attributeName,
        string trackingName,
        ImmutableArray<string> generatedMembers,
        Func<AttributeArguments, TargetType, LayerSpec?> parseArguments)
    {
        AttributeName = attributeName;
        TrackingName = trackingName;
        GeneratedMembers = generatedMembers;
        ParseArguments = parseArguments;
    }

    /// <summary>The short attribute name, e.g. BatchNorm.</summary>
    public string AttributeName { get; }

    /// <summary>The attribute's metadata name, e.g. NormGen.BatchNormAttribute.</summary>
    public string AttributeMetadataName => "NormGen." + AttributeName + "Attribute";

    /// <summary>The name of this kind's pipeline step, for caching tests.</summary>
    public string TrackingName { get; }

    /// <summary>Every member name the emitter declares on the user's type, public or private.</summary>
    public ImmutableArray<string> GeneratedMembers { get; }

    /// <summary>Reads the kind's own arguments; reports problems through the arguments object.</summary>
    public Func<AttributeArguments, TargetType, LayerSpec?> ParseArguments { get; }
}

/// <summary>The registry of layer kinds: the generator and the analyzer both walk it.</summary>
internal static class LayerKinds
{
    /// <summary>
    /// Largest value of any shape argument and of the elements per sample (mirrors NormGen.LayerLimits.MaxFeatures):
    /// 2^24, so a sample fits in memory and counts stay exact in float.
    /// </summary>
    public const int MaxShape = 1 << 24;

    public static readonly ImmutableArray<LayerKind> All = ImmutableArray.Create(
        BatchNormParser.Kind,
        LayerNormParser.Kind,
        RmsNormParser.Kind,
        GroupNormParser.Kind,
        InstanceNormParser.Kind);

    /// <summary>The kind whose attribute has this metadata name, or null.</summary>
    public static LayerKind? Find(string? metadataName)
    {
        foreach (LayerKind kind in All)
        {
            if (kind.AttributeMetadataName == metadataName)
            {
                return kind;
            }
        }

        return null;
    }

    /// <summary>Names shared by every kind: the interface members and the shape guard's state.</summary>
    public static IEnumerable<string> CommonMembers => new[]
    {
        "Name", "SampleLength", "Training", "Forward", "Backward", "Gamma", "Beta", "GammaGrad", "BetaGrad", "Epsilon",
    };
}
