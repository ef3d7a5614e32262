using System;
using NormGen.Generator.Emitting;
using NormGen.Generator.Model;

namespace NormGen.Generator.Tests.Infrastructure;

/// <summary>Emits a hand-built spec with its kind's emitter, as the generator would for a parsed one.</summary>
internal static class Emitters
{
    public static string Emit(LayerSpec spec) => spec switch
    {
        BatchNormSpec batchNorm => BatchNormEmitter.Instance.Emit(batchNorm),
        LayerNormSpec layerNorm => LayerNormEmitter.Instance.Emit(layerNorm),
        RmsNormSpec rmsNorm => RmsNormEmitter.Instance.Emit(rmsNorm),
        GroupNormSpec { IsInstanceNorm: true } instanceNorm => GroupNormEmitter.InstanceNorm.Emit(instanceNorm),
        GroupNormSpec groupNorm => GroupNormEmitter.GroupNorm.Emit(groupNorm),
        _ => throw new ArgumentException("No emitter for " + spec.GetType().Name, nameof(spec)),
    };
}
