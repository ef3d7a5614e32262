// Compiled into the runtime (namespace NormGen) and linked into the generator (NormGen.Generator.Shared), so the
// generator reads option names, defaults and limits from the same definitions the user's attribute has.
#if NORMGEN_GENERATOR
namespace NormGen.Generator.Shared;
#else
namespace NormGen;
#endif

/// <summary>How a batch-norm layer keeps the running statistics used at inference.</summary>
public enum RunningStatsMode
{
    /// <summary><c>running = Momentum * running + (1 - Momentum) * batch</c> (PyTorch momentum = 1 - Momentum).</summary>
    Exponential = 0,

    /// <summary>Equal-weight average of the per-batch statistics since the last reset (PyTorch <c>momentum=None</c>).</summary>
    Cumulative = 1,

    /// <summary>No running statistics; inference uses batch statistics (PyTorch <c>track_running_stats=False</c>).</summary>
    None = 2,
}

/// <summary>An activation fused after the normalization, in the same pass over memory.</summary>
public enum Activation
{
    /// <summary>No activation: y is the normalized, scaled and shifted value.</summary>
    None = 0,

    /// <summary><c>y = max(0, normalized)</c>; Backward masks the gradient where the output was not positive.</summary>
    Relu = 1,
}

/// <summary>Limits the generator enforces on attribute values (reported as compile-time diagnostics).</summary>
public static class LayerLimits
{
    /// <summary>Largest Features, Channels or Spatial value accepted: 2^24, so a sample fits comfortably in memory and counts stay exact in float.</summary>
    public const int MaxFeatures = 1 << 24;
}
