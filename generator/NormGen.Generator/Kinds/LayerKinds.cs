using System.Collections.Immutable;
using NormGen.Generator.Emitting;
using NormGen.Generator.Model;
using NormGen.Generator.Parsing;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Kinds;

/// <summary>
/// The registry of layer kinds. A new kind is its attribute (in the runtime, linked here), a spec, a parser, an emitter
/// and one line below.
/// </summary>
internal static class LayerKinds
{
    public static readonly ImmutableArray<LayerKind> All = ImmutableArray.Create<LayerKind>(
        new LayerKind<BatchNormSpec>(typeof(BatchNormAttribute), BatchNormParser.Parse, BatchNormEmitter.Instance),
        new LayerKind<LayerNormSpec>(typeof(LayerNormAttribute), LayerNormParser.Parse, LayerNormEmitter.Instance),
        new LayerKind<RmsNormSpec>(typeof(RmsNormAttribute), RmsNormParser.Parse, RmsNormEmitter.Instance),
        new LayerKind<GroupNormSpec>(typeof(GroupNormAttribute), GroupNormParser.Parse, GroupNormEmitter.GroupNorm),
        new LayerKind<GroupNormSpec>(typeof(InstanceNormAttribute), InstanceNormParser.Parse, GroupNormEmitter.InstanceNorm));

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
}
