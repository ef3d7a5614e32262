using System;

// Compiled into the runtime (namespace NormGen) and linked into the generator (NormGen.Generator.Shared), so the
// generator reads option names, defaults and limits from the same definitions the user's attribute has.
#if NORMGEN_GENERATOR
namespace NormGen.Generator.Shared;
#else
namespace NormGen;
#endif

/// <summary>
/// Generates a batch-normalization layer on the attributed <c>partial class</c>.
/// Input is row-major (batch, <see cref="Features"/>, <see cref="Spatial"/>); statistics are
/// per feature over the batch and spatial positions (PyTorch BatchNorm1d/2d, Keras BatchNormalization).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class BatchNormAttribute : Attribute
{
    /// <summary>Number of features (channels). Required; between 1 and <see cref="LayerLimits.MaxFeatures"/>.</summary>
    public int Features { get; set; }

    /// <summary>Spatial positions per feature (H*W for NCHW input). Default 1 (BatchNorm1d).</summary>
    public int Spatial { get; set; } = 1;

    /// <summary>
    /// Weight of the old running value: <c>running = Momentum * running + (1 - Momentum) * batch</c>
    /// (cs231n and Keras convention). PyTorch's <c>momentum</c> equals <c>1 - Momentum</c>. Default 0.9.
    /// </summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>Added to the variance before the square root. Default 1e-5 (PyTorch; Keras uses 1e-3).</summary>
    public double Epsilon { get; set; } = 1e-5;

    /// <summary><c>typeof(float)</c> (default) or <c>typeof(double)</c>.</summary>
    public Type ElementType { get; set; } = typeof(float);

    /// <summary>
    /// When true (default, as PyTorch), the running variance gets the N/(N-1) factor.
    /// Normalization itself always uses the biased batch variance.
    /// </summary>
    public bool UnbiasedRunningVariance { get; set; } = true;

    /// <summary>How running statistics are kept. Default <see cref="RunningStatsMode.Exponential"/>.</summary>
    public RunningStatsMode RunningStats { get; set; } = RunningStatsMode.Exponential;

    /// <summary>Learnable per-feature Gamma and Beta. Default true (PyTorch <c>affine</c>).</summary>
    public bool Affine { get; set; } = true;

    /// <summary>Activation fused after the normalization. Default <see cref="NormGen.Activation.None"/>.</summary>
    public Activation Activation { get; set; } = Activation.None;

    /// <summary>
    /// Batch renormalization (Ioffe 2017), for small or non-i.i.d. batches: training normalizes with the batch statistics
    /// corrected toward the running ones, <c>y = Gamma * ((x - mean_B) / sigma_B * r + d) + Beta</c>, with
    /// <c>r = clip(sigma_B / sigma, 1/RenormMaxScale, RenormMaxScale)</c> and
    /// <c>d = clip((mean_B - RunningMean) / sigma, -RenormMaxShift, RenormMaxShift)</c> (sigma from the running variance,
    /// r and d constants for Backward). Inference is plain batch norm. Needs running statistics. Default false.
    /// </summary>
    public bool Renorm { get; set; }

    /// <summary>r_max of batch renormalization: r is clipped to [1/RenormMaxScale, RenormMaxScale]. At least 1. Default 3.</summary>
    public double RenormMaxScale { get; set; } = 3;

    /// <summary>d_max of batch renormalization: d is clipped to [-RenormMaxShift, RenormMaxShift]. At least 0. Default 5.</summary>
    public double RenormMaxShift { get; set; } = 5;

    /// <summary>
    /// Ghost (virtual) batch norm: training splits each batch into consecutive groups of this many samples, each
    /// normalized with its own statistics; the running statistics take the mean over the groups of the group means and
    /// of the group variances (as Keras's virtual_batch_size). Batches must be a multiple of it. 0 (default) is off.
    /// </summary>
    public int VirtualBatchSize { get; set; }
}

/// <summary>
/// Generates a layer-normalization layer: per-sample mean and biased variance over the last
/// <see cref="Features"/> values, per-feature Gamma and Beta (PyTorch LayerNorm). Same in training and inference.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LayerNormAttribute : Attribute
{
    /// <summary>Number of features normalized together per sample. Required.</summary>
    public int Features { get; set; }

    /// <summary>Added to the variance before the square root. Default 1e-5.</summary>
    public double Epsilon { get; set; } = 1e-5;

    /// <summary><c>typeof(float)</c> (default) or <c>typeof(double)</c>.</summary>
    public Type ElementType { get; set; } = typeof(float);

    /// <summary>Learnable per-feature Gamma and Beta. Default true.</summary>
    public bool Affine { get; set; } = true;

    /// <summary>Activation fused after the normalization. Default <see cref="NormGen.Activation.None"/>.</summary>
    public Activation Activation { get; set; } = Activation.None;
}

/// <summary>
/// Generates an RMS-normalization layer: <c>y = x / sqrt(mean(x^2) + Epsilon) * Gamma</c>, no Beta (PyTorch RMSNorm).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RmsNormAttribute : Attribute
{
    /// <summary>Number of features normalized together per sample. Required.</summary>
    public int Features { get; set; }

    /// <summary>Added to the mean square before the square root. Default 1e-5.</summary>
    public double Epsilon { get; set; } = 1e-5;

    /// <summary><c>typeof(float)</c> (default) or <c>typeof(double)</c>.</summary>
    public Type ElementType { get; set; } = typeof(float);

    /// <summary>Learnable per-feature Gamma. Default true.</summary>
    public bool Affine { get; set; } = true;
}

/// <summary>
/// Generates a group-normalization layer over row-major (batch, <see cref="Channels"/>, <see cref="Spatial"/>) input:
/// per sample, per group of Channels/Groups channels over their spatial positions; per-channel Gamma and Beta (PyTorch GroupNorm).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class GroupNormAttribute : Attribute
{
    /// <summary>Number of groups; must divide <see cref="Channels"/>. Required.</summary>
    public int Groups { get; set; }

    /// <summary>Number of channels. Required.</summary>
    public int Channels { get; set; }

    /// <summary>Spatial positions per channel (H*W). Default 1.</summary>
    public int Spatial { get; set; } = 1;

    /// <summary>Added to the variance before the square root. Default 1e-5.</summary>
    public double Epsilon { get; set; } = 1e-5;

    /// <summary><c>typeof(float)</c> (default) or <c>typeof(double)</c>.</summary>
    public Type ElementType { get; set; } = typeof(float);

    /// <summary>Learnable per-channel Gamma and Beta. Default true.</summary>
    public bool Affine { get; set; } = true;
}

/// <summary>
/// Generates an instance-normalization layer over row-major (batch, <see cref="Channels"/>, <see cref="Spatial"/>) input:
/// per sample and channel over its spatial positions (group norm with Groups == Channels; PyTorch InstanceNorm without running statistics).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class InstanceNormAttribute : Attribute
{
    /// <summary>Number of channels. Required.</summary>
    public int Channels { get; set; }

    /// <summary>Spatial positions per channel (H*W). Default 1.</summary>
    public int Spatial { get; set; } = 1;

    /// <summary>Added to the variance before the square root. Default 1e-5.</summary>
    public double Epsilon { get; set; } = 1e-5;

    /// <summary><c>typeof(float)</c> (default) or <c>typeof(double)</c>.</summary>
    public Type ElementType { get; set; } = typeof(float);

    /// <summary>Learnable per-channel Gamma and Beta. Default true (PyTorch's InstanceNorm defaults to false).</summary>
    public bool Affine { get; set; } = true;
}
