using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NormGen.Generated;

/// <summary>
/// Per-feature (count, mean, M2) merging with the Chan-Golub-LeVeque parallel formula, where
/// M2 is the sum of squared deviations from the mean. Exact in exact arithmetic and free of the
/// cancellation of E[x^2] - E[x]^2, so statistics of many batches equal those of one big batch.
/// </summary>
internal static class Moments
{
    /// <summary>
    /// Merges moments B into A in place: after the call, A describes the union of both sample sets.
    /// </summary>
    /// <param name="countA">Samples behind A (may be 0: A then becomes a copy of B).</param>
    /// <param name="meanA">Per-feature mean of A; overwritten with the merged mean.</param>
    /// <param name="m2A">Per-feature M2 of A; overwritten with the merged M2.</param>
    /// <param name="countB">Samples behind B (at least 1).</param>
    /// <param name="meanB">Per-feature mean of B.</param>
    /// <param name="m2B">Per-feature M2 of B.</param>
    /// <exception cref="ArgumentException">Spans differ in length or a count is negative.</exception>
    public static void Merge<T>(long countA, Span<T> meanA, Span<T> m2A, long countB, ReadOnlySpan<T> meanB, ReadOnlySpan<T> m2B)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (meanA.Length != m2A.Length || meanB.Length != meanA.Length || m2B.Length != meanA.Length)
        {
            throw new ArgumentException(
                $"Moments.Merge: all spans need one value per feature; got meanA {meanA.Length}, m2A {m2A.Length}, meanB {meanB.Length}, m2B {m2B.Length}.");
        }

        if (countA < 0 || countB < 0)
        {
            throw new ArgumentException($"Moments.Merge: counts must be non-negative; got countA = {countA}, countB = {countB}.");
        }

        if (countB == 0)
        {
            return;
        }

        if (countA == 0)
        {
            // Nothing to merge with: whatever A held describes no samples.
            meanB.CopyTo(meanA);
            m2B.CopyTo(m2A);
            return;
        }

        double total = (double)countA + countB;
        T weightB = T.CreateTruncating(countB / total);
        T crossWeight = T.CreateTruncating(countA / total * countB);
        MergeUnchecked(meanA, m2A, meanB, m2B, weightB, crossWeight);
    }

    /// <summary>
    /// The merge kernel the generated layers call: <c>delta = meanB - meanA; meanA += delta * weightB;
    /// m2A += m2B + delta^2 * crossWeight</c>, with weightB = nB/n and crossWeight = nA*nB/n. No checks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergeUnchecked<T>(Span<T> meanA, Span<T> m2A, ReadOnlySpan<T> meanB, ReadOnlySpan<T> m2B, T weightB, T crossWeight)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T meanARef = ref MemoryMarshal.GetReference(meanA);
        ref T m2ARef = ref MemoryMarshal.GetReference(m2A);
        ref T meanBRef = ref MemoryMarshal.GetReference(meanB);
        ref T m2BRef = ref MemoryMarshal.GetReference(m2B);
        int length = meanA.Length;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var weightBVector = new Vector<T>(weightB);
            var crossVector = new Vector<T>(crossWeight);
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var meanAVector = Vector.LoadUnsafe(ref meanARef, (nuint)i);
                var delta = Vector.LoadUnsafe(ref meanBRef, (nuint)i) - meanAVector;
                (meanAVector + delta * weightBVector).StoreUnsafe(ref meanARef, (nuint)i);
                var m2 = Vector.LoadUnsafe(ref m2ARef, (nuint)i) + Vector.LoadUnsafe(ref m2BRef, (nuint)i) + delta * delta * crossVector;
                m2.StoreUnsafe(ref m2ARef, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            T delta = Unsafe.Add(ref meanBRef, i) - Unsafe.Add(ref meanARef, i);
            Unsafe.Add(ref meanARef, i) += delta * weightB;
            Unsafe.Add(ref m2ARef, i) += Unsafe.Add(ref m2BRef, i) + delta * delta * crossWeight;
        }
    }
}
