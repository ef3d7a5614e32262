using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FashionMnistBatchNorm;

/// <summary>
/// The two SIMD loops behind <see cref="Linear"/> and <see cref="Adam"/> that TensorPrimitives has no single
/// call for. Each works on four rows at once, so one load of the shared row feeds four fused multiply-adds.
/// Vector&lt;float&gt; is as wide as the machine allows (8 floats with AVX2); a scalar loop does the tail.
/// </summary>
internal static class Kernels
{
    /// <summary>Four dot products of <paramref name="w"/> with a0..a3 (all the length of w).</summary>
    public static (float, float, float, float) Dot4(
        ReadOnlySpan<float> w, ReadOnlySpan<float> a0, ReadOnlySpan<float> a1, ReadOnlySpan<float> a2, ReadOnlySpan<float> a3)
    {
        CheckLength(w.Length, a0.Length, a1.Length, a2.Length, a3.Length);
        ref float wr = ref MemoryMarshal.GetReference(w);
        ref float r0 = ref MemoryMarshal.GetReference(a0);
        ref float r1 = ref MemoryMarshal.GetReference(a1);
        ref float r2 = ref MemoryMarshal.GetReference(a2);
        ref float r3 = ref MemoryMarshal.GetReference(a3);
        Vector<float> s0 = Vector<float>.Zero, s1 = Vector<float>.Zero, s2 = Vector<float>.Zero, s3 = Vector<float>.Zero;
        int i = 0;
        for (; i <= w.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var wv = Vector.LoadUnsafe(ref wr, (nuint)i);
            s0 = Vector.FusedMultiplyAdd(wv, Vector.LoadUnsafe(ref r0, (nuint)i), s0);
            s1 = Vector.FusedMultiplyAdd(wv, Vector.LoadUnsafe(ref r1, (nuint)i), s1);
            s2 = Vector.FusedMultiplyAdd(wv, Vector.LoadUnsafe(ref r2, (nuint)i), s2);
            s3 = Vector.FusedMultiplyAdd(wv, Vector.LoadUnsafe(ref r3, (nuint)i), s3);
        }

        float d0 = Vector.Sum(s0), d1 = Vector.Sum(s1), d2 = Vector.Sum(s2), d3 = Vector.Sum(s3);
        for (; i < w.Length; i++)
        {
            float wi = Unsafe.Add(ref wr, i);
            d0 += wi * Unsafe.Add(ref r0, i);
            d1 += wi * Unsafe.Add(ref r1, i);
            d2 += wi * Unsafe.Add(ref r2, i);
            d3 += wi * Unsafe.Add(ref r3, i);
        }

        return (d0, d1, d2, d3);
    }

    /// <summary><c>target += g0 * a0 + g1 * a1 + g2 * a2 + g3 * a3</c> (all the length of target).</summary>
    public static void MultiplyAdd4(
        Span<float> target,
        float g0, ReadOnlySpan<float> a0, float g1, ReadOnlySpan<float> a1, float g2, ReadOnlySpan<float> a2, float g3, ReadOnlySpan<float> a3)
    {
        CheckLength(target.Length, a0.Length, a1.Length, a2.Length, a3.Length);
        ref float t = ref MemoryMarshal.GetReference(target);
        ref float r0 = ref MemoryMarshal.GetReference(a0);
        ref float r1 = ref MemoryMarshal.GetReference(a1);
        ref float r2 = ref MemoryMarshal.GetReference(a2);
        ref float r3 = ref MemoryMarshal.GetReference(a3);
        var v0 = new Vector<float>(g0);
        var v1 = new Vector<float>(g1);
        var v2 = new Vector<float>(g2);
        var v3 = new Vector<float>(g3);
        int i = 0;
        for (; i <= target.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var sum = Vector.LoadUnsafe(ref t, (nuint)i);
            sum = Vector.FusedMultiplyAdd(v0, Vector.LoadUnsafe(ref r0, (nuint)i), sum);
            sum = Vector.FusedMultiplyAdd(v1, Vector.LoadUnsafe(ref r1, (nuint)i), sum);
            sum = Vector.FusedMultiplyAdd(v2, Vector.LoadUnsafe(ref r2, (nuint)i), sum);
            sum = Vector.FusedMultiplyAdd(v3, Vector.LoadUnsafe(ref r3, (nuint)i), sum);
            sum.StoreUnsafe(ref t, (nuint)i);
        }

        for (; i < target.Length; i++)
        {
            Unsafe.Add(ref t, i) += (g0 * Unsafe.Add(ref r0, i)) + (g1 * Unsafe.Add(ref r1, i)) + (g2 * Unsafe.Add(ref r2, i)) + (g3 * Unsafe.Add(ref r3, i));
        }
    }

    /// <summary>
    /// One Adam update in a single pass over memory: <c>m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    /// p -= stepSize * m / (sqrt(v) * invSqrtCorrection2 + epsilon)</c>.
    /// </summary>
    public static void AdamUpdate(
        Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float beta1, float beta2, float stepSize, float invSqrtCorrection2, float epsilon)
    {
        CheckLength(p.Length, g.Length, m.Length, v.Length, p.Length);
        ref float pr = ref MemoryMarshal.GetReference(p);
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float mr = ref MemoryMarshal.GetReference(m);
        ref float vr = ref MemoryMarshal.GetReference(v);
        var b1 = new Vector<float>(beta1);
        var c1 = new Vector<float>(1 - beta1);
        var b2 = new Vector<float>(beta2);
        var c2 = new Vector<float>(1 - beta2);
        var step = new Vector<float>(stepSize);
        var correction = new Vector<float>(invSqrtCorrection2);
        var eps = new Vector<float>(epsilon);
        int i = 0;
        for (; i <= p.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var gv = Vector.LoadUnsafe(ref gr, (nuint)i);
            var mv = (b1 * Vector.LoadUnsafe(ref mr, (nuint)i)) + (c1 * gv);
            var vv = (b2 * Vector.LoadUnsafe(ref vr, (nuint)i)) + (c2 * gv * gv);
            var pv = Vector.LoadUnsafe(ref pr, (nuint)i) - (step * mv / ((Vector.SquareRoot(vv) * correction) + eps));
            mv.StoreUnsafe(ref mr, (nuint)i);
            vv.StoreUnsafe(ref vr, (nuint)i);
            pv.StoreUnsafe(ref pr, (nuint)i);
        }

        for (; i < p.Length; i++)
        {
            float gi = Unsafe.Add(ref gr, i);
            float mi = Unsafe.Add(ref mr, i) = (beta1 * Unsafe.Add(ref mr, i)) + ((1 - beta1) * gi);
            float vi = Unsafe.Add(ref vr, i) = (beta2 * Unsafe.Add(ref vr, i)) + ((1 - beta2) * gi * gi);
            Unsafe.Add(ref pr, i) -= stepSize * mi / ((MathF.Sqrt(vi) * invSqrtCorrection2) + epsilon);
        }
    }

    private static void CheckLength(int length, int a, int b, int c, int d)
    {
        // The loops read past nothing only if every span is as long as the first.
        if (a != length || b != length || c != length || d != length)
        {
            throw new ArgumentException($"Kernels: spans must all have length {length}; got {a}, {b}, {c}, {d}.");
        }
    }
}
