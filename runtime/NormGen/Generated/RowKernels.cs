using System.ComponentModel;

namespace NormGen.Generated;

/// <summary>
/// Vectorized kernels over one run of values that share their statistics but each have their own Gamma (and Beta):
/// a sample's row of Features in layer and RMS normalization, or a group's channels in group normalization over
/// (batch, Channels) input. The statistics themselves come from <see cref="SegmentKernels"/>. Generated layers call
/// these with compile-time constant lengths; they are aggressively inlined so the JIT folds the length, the
/// <c>relu</c> flag and the choice of vector width. No checks: callers validate every length once.
/// </summary>
/// <remarks>
/// <para>Infrastructure for generated code, not for direct use: it may change in any release.</para>
/// <para>
/// Layer norm: <c>xhat_i = ((x_i - pivot) - mean) * inverseStd</c>, where pivot is a value of the run (its first)
/// and mean is the run's mean relative to it, so nothing cancels. RMS norm: <c>xhat_i = x_i * inverseRms</c>.
/// Under a fused ReLU, <c>dy'</c> is dy where the output was positive and 0 elsewhere; otherwise dy' = dy.
/// </para>
/// <para>
/// Vector widths, the overlapping last vector and the independent accumulators work as in <see cref="SegmentKernels"/>:
/// in the backward sums, the last vector's already-counted lanes get a dy' of 0, which drops them from the sums and
/// from the parameter gradients alike; so does <c>streaming</c>.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class RowKernels
{
}
