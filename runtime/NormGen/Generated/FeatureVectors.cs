using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NormGen.Generated;

/// <summary>
/// Loads and stores for the per-feature steps, which compute in double whatever the element type: a step covers
/// <see cref="Step"/> features as two <see cref="Vector{T}"/> of double, widened from one vector of float (or two of
/// double) and narrowed back. These steps run once per call over the features (or groups times features); at small
/// batches they cost as much as the kernels over the batch, so they are vectorized too.
/// </summary>
/// <remarks>
/// Each operation is the same IEEE operation the scalar form does (no fused multiply-add), so a feature gets the same
/// bits whether it falls in a vector step or in the scalar tail.
/// </remarks>
internal static class FeatureVectors
{
    /// <summary>Features per step: one vector of float, two of double.</summary>
    public static int Step => Vector<float>.Count;

    /// <summary>Whether the vector steps run; if not, every feature takes the scalar path.</summary>
    public static bool IsEnabled => Vector.IsHardwareAccelerated;

    /// <summary>Features a vector loop covers: the largest multiple of <see cref="Step"/> up to <paramref name="length"/>, or 0.</summary>
    public static int VectorLength(int length) => IsEnabled ? length - length % Step : 0;

    /// <summary>Values [i, i + Step) as double: the first half in <paramref name="low"/>, the second in <paramref name="high"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load<T>(ReadOnlySpan<T> values, int i, out Vector<double> low, out Vector<double> high)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Vector.Widen(new Vector<float>(MemoryMarshal.Cast<T, float>(values).Slice(i)), out low, out high);
        }
        else if (typeof(T) == typeof(double))
        {
            ReadOnlySpan<double> doubles = MemoryMarshal.Cast<T, double>(values);
            low = new Vector<double>(doubles.Slice(i));
            high = new Vector<double>(doubles.Slice(i + Vector<double>.Count));
        }
        else
        {
            // No typeof(T).Name in the message: the runtime stays free of reflection (NoReflectionTests).
            throw new NotSupportedException("FeatureVectors: T must be float or double.");
        }
    }

    /// <summary>Writes <paramref name="low"/> and <paramref name="high"/> (rounded to T) to values [i, i + Step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Span<T> values, int i, Vector<double> low, Vector<double> high)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Vector.Narrow(low, high).CopyTo(MemoryMarshal.Cast<T, float>(values).Slice(i));
        }
        else if (typeof(T) == typeof(double))
        {
            Span<double> doubles = MemoryMarshal.Cast<T, double>(values);
            low.CopyTo(doubles.Slice(i));
            high.CopyTo(doubles.Slice(i + Vector<double>.Count));
        }
        else
        {
            // No typeof(T).Name in the message: the runtime stays free of reflection (NoReflectionTests).
            throw new NotSupportedException("FeatureVectors: T must be float or double.");
        }
    }

    /// <summary>Whether every value is finite (no NaN, no infinity): <c>v - v</c> is 0 exactly for finite v, NaN otherwise.</summary>
    /// <remarks>
    /// Four independent sums of <c>v - v</c>: with one sum, each addition waits for the last (a profile of a (32, 128)
    /// layer with ghost batches of 8 put 2.9% of its Forward+Backward here).
    /// </remarks>
    public static bool AllFinite(ReadOnlySpan<double> values)
    {
        int i = 0;
        if (IsEnabled)
        {
            int lanes = Vector<double>.Count;
            Vector<double> first = default, second = default, third = default, fourth = default;
            for (; i <= values.Length - 4 * lanes; i += 4 * lanes)
            {
                first += Difference(values, i);
                second += Difference(values, i + lanes);
                third += Difference(values, i + 2 * lanes);
                fourth += Difference(values, i + 3 * lanes);
            }

            for (; i <= values.Length - lanes; i += lanes)
            {
                first += Difference(values, i);
            }

            if (!Vector.EqualsAll((first + second) + (third + fourth), Vector<double>.Zero))
            {
                return false;
            }
        }

        for (; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>v - v</c> for the vector at <c>values[i]</c>: 0 in a lane whose value is finite, NaN otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> Difference(ReadOnlySpan<double> values, int i)
    {
        var value = new Vector<double>(values.Slice(i));
        return value - value;
    }

    /// <summary><c>sums += values</c>, per feature.</summary>
    public static void Add(Span<double> sums, ReadOnlySpan<double> values)
    {
        int i = 0;
        if (IsEnabled)
        {
            for (; i <= sums.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                (new Vector<double>(sums.Slice(i)) + new Vector<double>(values.Slice(i))).CopyTo(sums.Slice(i));
            }
        }

        for (; i < sums.Length; i++)
        {
            sums[i] += values[i];
        }
    }

    /// <summary><c>destination = (T)values</c>, per feature.</summary>
    public static void Round<T>(ReadOnlySpan<double> values, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        for (int vectorLength = VectorLength(values.Length); i < vectorLength; i += Step)
        {
            Load(values, i, out var low, out var high);
            Store(destination, i, low, high);
        }

        for (; i < values.Length; i++)
        {
            destination[i] = T.CreateTruncating(values[i]);
        }
    }

    /// <summary><c>destination = (double)values</c>, per feature.</summary>
    public static void Widen<T>(ReadOnlySpan<T> values, Span<double> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        for (int vectorLength = VectorLength(values.Length); i < vectorLength; i += Step)
        {
            Load(values, i, out var low, out var high);
            Store(destination, i, low, high);
        }

        for (; i < values.Length; i++)
        {
            destination[i] = double.CreateTruncating(values[i]);
        }
    }
}
