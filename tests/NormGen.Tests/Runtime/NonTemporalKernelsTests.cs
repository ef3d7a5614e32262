using System;
using System.Numerics;
using NormGen.Generated;
using Xunit;

namespace NormGen.Tests.Runtime;

/// <summary>
/// The kernels that write a whole output, with <see cref="StreamMode.NonTemporal"/>: they split a run at the first
/// 32-byte boundary of its destination, so every start within a 32-byte line is its own case. At each offset of the
/// run in its array and each length, the result must equal <see cref="StreamMode.Cached"/>'s bit for bit, in place
/// too, and nothing outside the run may change (the arrays are NaN around it).
/// </summary>
public class NonTemporalKernelsTests
{
    private const int Lead = 16;

    private static readonly int[] Lengths = [1, 3, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 40, 63, 64, 65, 100, 1000, 1024];

    private delegate void Map<T>(ref T x, ref T dy, ref T output, ref T gamma, ref T beta, int length, StreamMode streaming);

    [Fact]
    public void Every_writing_kernel_keeps_its_bits_at_every_alignment()
    {
        // Sampled at the start of every element of a 32-byte line, so every head length (0 to 7 floats, 0 to 3 doubles)
        // appears whatever the alignment of the array.
        CheckAll<float>();
        CheckAll<double>();
    }

    private static void CheckAll<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T p = T.CreateChecked(2.5), m = T.CreateChecked(0.25), s = T.CreateChecked(1.5), b = T.CreateChecked(-0.125);
        T k = T.CreateChecked(-0.375), c = T.CreateChecked(0.0625);
        var maps = new (string Name, Map<T> Run)[]
        {
            ("ScaleShift", (ref T x, ref T dy, ref T o, ref T g, ref T be, int n, StreamMode mode) => SegmentKernels.ScaleShift(ref x, ref o, n, p, s, b, relu: true, mode)),
            ("SegmentKernels.BackwardInput", (ref T x, ref T dy, ref T o, ref T g, ref T be, int n, StreamMode mode) => SegmentKernels.BackwardInput(ref x, ref dy, ref o, n, p, relu: true, s, b, m, k, c, mode)),
            ("AffineNormalize", (ref T x, ref T dy, ref T o, ref T g, ref T be, int n, StreamMode mode) => RowKernels.AffineNormalize(ref x, ref o, ref g, ref be, n, p, m, s, relu: true, mode)),
            ("AffineBackwardInput", (ref T x, ref T dy, ref T o, ref T g, ref T be, int n, StreamMode mode) => RowKernels.AffineBackwardInput(ref x, ref dy, ref o, ref g, ref be, n, p, m, s, relu: true, k, c, mode)),
            ("ScaleNormalize", (ref T x, ref T dy, ref T o, ref T g, ref T be, int n, StreamMode mode) => RowKernels.ScaleNormalize(ref x, ref o, ref g, n, s, mode)),
            ("ScaleBackwardInput", (ref T x, ref T dy, ref T o, ref T g, ref T be, int n, StreamMode mode) => RowKernels.ScaleBackwardInput(ref x, ref dy, ref o, ref g, n, s, k, mode)),
        };

        int lineElements = 32 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        foreach (int length in Lengths)
        {
            var random = new Random(length);
            T[] x = Data<T>(random, length, 3, 2), dy = Data<T>(random, length, 0, 1), gamma = Data<T>(random, length, 1, 0.5), beta = Data<T>(random, length, 0, 0.5);
            foreach ((string name, Map<T> run) in maps)
            {
                for (int offset = 0; offset < lineElements; offset++)
                {
                    string what = $"{name} ({typeof(T).Name}) at length {length}, offset {offset}";
                    T[] expected = Outputs<T>(length, offset);
                    run(ref x[Lead], ref dy[Lead], ref expected[Lead + offset], ref gamma[Lead], ref beta[Lead], length, StreamMode.Cached);

                    T[] actual = Outputs<T>(length, offset);
                    run(ref x[Lead], ref dy[Lead], ref actual[Lead + offset], ref gamma[Lead], ref beta[Lead], length, StreamMode.NonTemporal);
                    AssertSameBits(expected, actual, what);

                    // In place: the output overwrites the input it is computed from (y = x for a normalize, dx = dy for a
                    // backward input; the kernels that read dy write over it, the others over x).
                    bool readsDy = name.Contains("Backward", StringComparison.Ordinal);
                    T[] inPlace = Outputs<T>(length, offset);
                    Array.Copy(readsDy ? dy : x, Lead, inPlace, Lead + offset, length);
                    if (readsDy)
                    {
                        run(ref x[Lead], ref inPlace[Lead + offset], ref inPlace[Lead + offset], ref gamma[Lead], ref beta[Lead], length, StreamMode.NonTemporal);
                    }
                    else
                    {
                        run(ref inPlace[Lead + offset], ref dy[Lead], ref inPlace[Lead + offset], ref gamma[Lead], ref beta[Lead], length, StreamMode.NonTemporal);
                    }

                    AssertSameBits(expected, inPlace, what + " in place");
                }
            }
        }
    }

    private static T[] Data<T>(Random random, int length, double center, double spread)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[length + 2 * Lead];
        Array.Fill(values, T.NaN);
        for (int i = 0; i < length; i++)
        {
            values[Lead + i] = T.CreateTruncating(center + spread * (2 * random.NextDouble() - 1));
        }

        return values;
    }

    /// <summary>An output array, NaN everywhere: the run starts at Lead + offset.</summary>
    private static T[] Outputs<T>(int length, int offset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[length + 2 * Lead + offset];
        Array.Fill(values, T.NaN);
        return values;
    }

    private static void AssertSameBits<T>(T[] expected, T[] actual, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            // The same value and sign (0 and -0 differ); any NaN is a guard, as no kernel writes one from this data.
            bool same = T.IsNaN(expected[i]) ? T.IsNaN(actual[i]) : expected[i] == actual[i] && T.IsNegative(expected[i]) == T.IsNegative(actual[i]);
            Assert.True(same, $"{what}: element {i} is {actual[i]}, expected {expected[i]}");
        }
    }
}
