using System;
using System.Buffers;
using System.ComponentModel;
using System.Numerics;

namespace NormGen.Generated;

/// <summary>
/// A layer whose statistics are per sample (layer norm, RMS norm) or per (sample, group) (group and instance norm),
/// minus its kernels: the state kept from Forward for Backward, and the order of the steps. Training and inference
/// compute the same thing. The generated <c>file</c>-local class that derives from it supplies the two kernels,
/// specialized for the layer's shape.
/// </summary>
/// <remarks>
/// <para>Infrastructure for generated code, not for direct use: it may change in any release.</para>
/// <para>
/// A training Forward keeps, per statistics unit (a sample, or a (sample, group) pair), a pivot (a value of the unit, so
/// nothing cancels), the mean relative to it, and 1/std; RMS norm keeps only 1/rms in the last of them. The arrays are
/// sized for the largest batch seen and grow when a larger batch arrives, so steady-state calls allocate nothing. An
/// inference Forward (Training = false) computes the same outputs into scratch of its own and keeps nothing, so several
/// threads may run it at once; Backward needs a training Forward.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class SampleNormCore<T> : LayerCore<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly UnitStatistics _kept = new();
    private int _forwardBatch;

    /// <summary>Creates the layer: Gamma = 1 and Beta = 0 when affine, Training = true.</summary>
    /// <param name="name">The layer's type name, for messages.</param>
    /// <param name="shape">The input shape as text, e.g. <c>(batch, 128)</c>.</param>
    /// <param name="sampleLength">Elements per sample.</param>
    /// <param name="parameterLength">Values per parameter array (features or channels).</param>
    /// <param name="affine">Whether the layer has learnable parameters.</param>
    /// <param name="hasShift">Whether an affine layer has Beta (RMS norm has none).</param>
    /// <param name="unitsPerSample">Statistics units per sample: 1, or the number of groups.</param>
    protected SampleNormCore(string name, string shape, int sampleLength, int parameterLength, bool affine, bool hasShift, int unitsPerSample)
        : base(name, shape, sampleLength, parameterLength, affine, hasShift)
    {
        UnitsPerSample = unitsPerSample;
    }

    /// <summary>Statistics units per sample: 1 for layer and RMS norm, the number of groups for group and instance norm.</summary>
    public int UnitsPerSample { get; }

    /// <summary>Normalizes every sample of x into y with its own statistics. y may be x itself.</summary>
    public sealed override void Forward(ReadOnlySpan<T> x, Span<T> y)
    {
        int batch = CheckForward(x, y);
        int units = batch * UnitsPerSample;
        if (!Training)
        {
            // Scratch from the shared array pool (per thread and per core): nothing of the layer's is written.
            T[] scratch = ArrayPool<T>.Shared.Rent(3 * units);
            try
            {
                ForwardSamples(x, y, scratch.AsSpan(0, units), scratch.AsSpan(units, units), scratch.AsSpan(2 * units, units));
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scratch);
            }

            // Backward after an inference Forward would go back through another call's statistics: refuse it.
            _forwardBatch = 0;
            return;
        }

        EnterTrainingCall("training Forward");
        try
        {
            _kept.EnsureCapacity(units);
            ForwardSamples(x, y, _kept.Pivot.AsSpan(0, units), _kept.Mean.AsSpan(0, units), _kept.InverseStd.AsSpan(0, units));
            _forwardBatch = batch;
        }
        finally
        {
            ExitTrainingCall();
        }
    }

    /// <summary>
    /// Back-propagates dy through the last training Forward on the same x: writes dx and overwrites GammaGrad and BetaGrad.
    /// dx may be dy itself.
    /// </summary>
    public sealed override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx)
    {
        EnterTrainingCall("Backward");
        try
        {
            int batch = CheckBackward(x, dy, dx, _forwardBatch);
            int units = batch * UnitsPerSample;
            Array.Clear(GammaGrad);
            Array.Clear(BetaGrad);
            BackwardSamples(x, dy, dx, _kept.Pivot.AsSpan(0, units), _kept.Mean.AsSpan(0, units), _kept.InverseStd.AsSpan(0, units), GammaGrad, BetaGrad);
        }
        finally
        {
            ExitTrainingCall();
        }
    }

    /// <summary>
    /// Normalizes the samples of x into y; per statistics unit, writes the pivot, the mean relative to it and 1/std
    /// (RMS norm: 1/rms in <paramref name="inverseStd"/> only). y may be x itself: read each unit's pivot before writing it.
    /// </summary>
    protected abstract void ForwardSamples(ReadOnlySpan<T> x, Span<T> y, Span<T> pivot, Span<T> mean, Span<T> inverseStd);

    /// <summary>
    /// Writes dx for the samples of x from the statistics Forward kept, and adds the parameter gradients of these samples
    /// to <paramref name="gammaGrad"/> and <paramref name="betaGrad"/> (empty when the layer has none). dx may be dy itself.
    /// </summary>
    protected abstract void BackwardSamples(
        ReadOnlySpan<T> x,
        ReadOnlySpan<T> dy,
        Span<T> dx,
        ReadOnlySpan<T> pivot,
        ReadOnlySpan<T> mean,
        ReadOnlySpan<T> inverseStd,
        Span<T> gammaGrad,
        Span<T> betaGrad);

    /// <summary>Per statistics unit: pivot, mean relative to it, 1/std; grown to the largest batch seen.</summary>
    private sealed class UnitStatistics
    {
        public T[] Pivot { get; private set; } = [];

        public T[] Mean { get; private set; } = [];

        public T[] InverseStd { get; private set; } = [];

        public void EnsureCapacity(int units)
        {
            if (InverseStd.Length < units)
            {
                Pivot = new T[units];
                Mean = new T[units];
                InverseStd = new T[units];
            }
        }
    }
}
