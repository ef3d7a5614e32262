using System;
using NormGen.Generator.Model;

namespace NormGen.Generator.Emitting;

/// <summary>Chooses the emitter for a spec's kind. A new kind adds one line here.</summary>
internal static class LayerEmitter
{
    public static string Emit(LayerSpec spec) => spec switch
    {
        BatchNormSpec batchNorm => BatchNormEmitter.Emit(batchNorm),
        LayerNormSpec layerNorm => LayerNormEmitter.Emit(layerNorm),
        RmsNormSpec rmsNorm => RmsNormEmitter.Emit(rmsNorm),
        GroupNormSpec groupNorm => GroupNormEmitter.Emit(groupNorm),
        _ => throw new ArgumentException("No emitter for " + spec.GetType().Name, nameof(spec)),
    };
}
