using System;
using System.Numerics;
using Xunit;
using Xunit.Abstractions;

namespace NormGen.Tests.BatchNorm;

/// <summary>
/// The code paths of the Spatial = 1 kernels that the reference shapes do not reach: widths on both sides of the
/// register threshold, with and without an overlapping tail; batches around the 4-row blocks and the chunk size;
/// outputs at every alignment of y and dx; and statistics whose pivot sits far from the data.
/// </summary>
public class ColumnKernelTests(ITestOutputHelper? output = null)
{
    /// <summary>Batches with every remainder of the 4-row blocks, and batches of more than one 256-row chunk.</summary>
    public static TheoryData<int> Batches() => new() { 2, 3, 4, 5, 7, 259, 1027 };

    [Theory]
    [MemberData(nameof(Batches))]
    public void Widths_around_the_register_threshold_match_reference(int batch)
    {
        BatchNormReferenceTests.CheckAgainstReference(new BnColumnF32(), 32, 1, batch, 1e-4, relu: false, seed: batch);
        BatchNormReferenceTests.CheckAgainstReference(new BnColumnF36(), 36, 1, batch, 1e-4, relu: false, seed: batch + 1);
        BatchNormReferenceTests.CheckAgainstReference(new BnColumnF40(), 40, 1, batch, 1e-4, relu: false, seed: batch + 2);
        BatchNormReferenceTests.CheckAgainstReference(new BnColumnD16(), 16, 1, batch, 1e-12, relu: false, seed: batch + 3);
        BatchNormReferenceTests.CheckAgainstReference(new BnColumnD18(), 18, 1, batch, 1e-12, relu: false, seed: batch + 4);
        BatchNormReferenceTests.CheckAgainstReference(new BnColumnReluF20(), 20, 1, batch, 1e-4, relu: true, seed: batch + 5);
        BatchNormReferenceTests.CheckAgainstReference(new BnColumnReluF44(), 44, 1, batch, 1e-4, relu: true, seed: batch + 6);
    }

    // Batches of several statistics chunks and row blocks, in the memory-resident (128, 1000) and register paths.
    [Theory]
    [InlineData(128, 1027)]
    [InlineData(1000, 300)]
    public void Outputs_at_every_alignment_match_reference(int features, int batch) =>
        CheckAtEveryAlignment<float>(features == 128 ? () => new BnF128() : () => new BnF1000(), features, batch, relu: false, 1e-4, seed: batch);

    /// <summary>
    /// A call whose input exceeds BatchNormCore.StreamingBytes (1 MiB) takes 256-bit kernels where 512-bit ones are
    /// accelerated; a smaller one takes 512-bit kernels. Lanes are features, so the two must agree to the bit: here a
    /// 300-row call (1.2 MB of float) against a 150- or 100-row one (600 or 400 KB) over the same rows. In training the
    /// 300 rows are two ghost batches of 150, each normalized exactly as a plain 150-row batch. On a machine without
    /// AVX-512 both calls take the same width and the test holds trivially.
    /// </summary>
    [Fact]
    public void Streaming_calls_change_the_vector_width_but_not_a_bit()
    {
        const int Features = 1000, Batch = 300, Ghost = 150;
        var random = new Random(7);
        float[] x = TestData.ToFloat(TestData.Normal(random, Batch * Features, 3, 2));
        float[] dy = TestData.ToFloat(TestData.Normal(random, Batch * Features));

        var streaming = new BnColumnGhostF1000();
        var cached = new BnF1000();
        float[] yStreaming = new float[Batch * Features], dxStreaming = new float[Batch * Features];
        float[] yCached = new float[Ghost * Features], dxCached = new float[Ghost * Features];
        streaming.Forward(x, yStreaming);
        streaming.Backward(x, dy, dxStreaming);
        cached.Forward(x.AsSpan(0, Ghost * Features), yCached);
        cached.Backward(x.AsSpan(0, Ghost * Features), dy.AsSpan(0, Ghost * Features), dxCached);
        Assert.Equal(yCached, yStreaming.AsSpan(0, Ghost * Features).ToArray());
        Assert.Equal(dxCached, dxStreaming.AsSpan(0, Ghost * Features).ToArray());

        // Inference is row by row: the first 100 rows of a 300-row call equal a 100-row call.
        streaming.Training = false;
        float[] inferStreaming = new float[Batch * Features], inferCached = new float[100 * Features];
        streaming.Forward(x, inferStreaming);
        streaming.Forward(x.AsSpan(0, 100 * Features), inferCached);
        Assert.Equal(inferCached, inferStreaming.AsSpan(0, 100 * Features).ToArray());
    }

    /// <summary>The strip walks of rows too wide for registers: every layout of strips, in place and at every alignment.</summary>
    [Theory]
    [InlineData(136)]
    [InlineData(144)]
    [InlineData(256)]
    [InlineData(200)]
    [InlineData(72)]
    public void Column_strips_match_reference_at_every_alignment(int features)
    {
        foreach (int batch in new[] { 3, 259 })
        {
            switch (features)
            {
                case 72:
                    CheckAtEveryAlignment<double>(() => new BnStripD72(), features, batch, relu: false, 1e-12, seed: batch);
                    break;
                case 200:
                    CheckAtEveryAlignment<float>(() => new BnStripReluF200(), features, batch, relu: true, 1e-4, seed: batch);
                    break;
                default:
                    CheckAtEveryAlignment<float>(
                        features switch { 136 => () => new BnStripF136(), 144 => () => new BnStripF144(), _ => () => new BnStripF256() },
                        features,
                        batch,
                        relu: false,
                        1e-4,
                        seed: batch);
                    break;
            }
        }
    }

    /// <summary>
    /// A call that fits in cache takes the 512-bit column strips; a streaming call the 256-bit row kernels, except for
    /// the statistics below 8 MiB of input, which keep the strips: each ghost batch of a 2,000-row call of 200 features
    /// (1.6 MB) and of an 11,000-row one (8.8 MB, every kernel in rows) is normalized exactly as a 1,000-row call alone,
    /// in place too.
    /// </summary>
    [Theory]
    [InlineData(2000)]
    [InlineData(11000)]
    public void Column_strips_and_streaming_rows_agree_to_the_bit(int batch)
    {
        const int Features = 200, Ghost = 1000;
        var random = new Random(9);
        float[] x = TestData.ToFloat(TestData.Normal(random, batch * Features, 3, 2));
        float[] dy = TestData.ToFloat(TestData.Normal(random, batch * Features));
        var streaming = new BnStripGhostReluF200();
        var cached = new BnStripReluF200();
        Copy(TestData.Normal(random, Features, 1, 0.3), streaming.Gamma);
        streaming.Gamma.CopyTo(cached.Gamma, 0);

        float[] yStreaming = new float[batch * Features], dxStreaming = new float[batch * Features];
        streaming.Forward(x, yStreaming);
        streaming.Backward(x, dy, dxStreaming);

        // The last ghost batch, alone.
        int last = (batch - Ghost) * Features;
        float[] yCached = x.AsSpan(last).ToArray(), dxCached = dy.AsSpan(last).ToArray();
        cached.Forward(yCached, yCached);
        cached.Backward(x.AsSpan(last), dxCached, dxCached);
        Assert.Equal(yCached, yStreaming.AsSpan(last).ToArray());
        Assert.Equal(dxCached, dxStreaming.AsSpan(last).ToArray());
    }

    [Fact]
    public void The_relu_mask_holds_at_every_alignment() =>
        CheckAtEveryAlignment(() => new BnColumnReluF44(), 44, 259, relu: true, 1e-4, seed: 1);

    /// <summary>
    /// The statistics take two passes over a cached chunk, the second about the chunk's own mean, so a pivot far from
    /// the data costs nothing. The batch's first sample is the pivot; here it sits 15 standard deviations from the mean
    /// of float data with mean 1e4 and std 1 (x - pivot is then exact, and one pass of sum((x - p)^2) - sum(x - p)^2 / n
    /// would lose about z^2 * 2^-24, 1e-5; with std 1e-2 the float values near 1e4 are so coarse that every sum is exact
    /// and nothing would show). One 256-row batch is one chunk, so the variance EndCollect writes is the kernel's own.
    /// The naive one-pass float sum is computed beside it to show that the data expose it.
    /// </summary>
    [Theory]
    [InlineData(8)]
    [InlineData(128)]
    public void Statistics_do_not_cancel_when_the_pivot_is_far_from_the_data(int features)
    {
        const int Batch = 256;
        const double Mean = 1e4, Std = 1, PivotZ = 15;
        IBatchNormLayer<float> layer = features == 8 ? new BnF8() : new BnF128();
        var random = new Random(features);
        float[] x = TestData.ToFloat(TestData.Normal(random, Batch * features, Mean, Std));
        for (int f = 0; f < features; f++)
        {
            x[f] = (float)(Mean + PivotZ * Std);
        }

        layer.BeginCollect();
        layer.Forward(x, new float[x.Length]);
        layer.EndCollect();

        double worstLayer = 0, worstOnePass = 0;
        for (int f = 0; f < features; f++)
        {
            (double truthMean, double truthVariance) = UnbiasedStatistics(x, features, f);
            worstLayer = Math.Max(worstLayer, Math.Abs(layer.RunningVariance[f] - truthVariance) / truthVariance);
            worstOnePass = Math.Max(worstOnePass, Math.Abs(OnePassVariance(x, features, f) - truthVariance) / truthVariance);
            Assert.True(Math.Abs(layer.RunningMean[f] - truthMean) <= 1e-6 * truthMean, $"feature {f}: mean {layer.RunningMean[f]:R}, truth {truthMean:R}");
        }

        output?.WriteLine($"Features {features}: variance relative error {worstLayer:E2}; one-pass float {worstOnePass:E2}");
        Assert.True(worstOnePass > 1e-6, $"the data should defeat a one-pass sum; its worst relative error is only {worstOnePass:E2}");
        Assert.True(worstLayer <= 1e-6, $"variance relative error {worstLayer:E2} (one-pass float would make {worstOnePass:E2})");
    }

    /// <summary>Mean and unbiased variance of feature f in double, two passes.</summary>
    private static (double Mean, double Variance) UnbiasedStatistics(float[] x, int features, int f)
    {
        int rows = x.Length / features;
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            sum += x[r * features + f];
        }

        double mean = sum / rows, squares = 0;
        for (int r = 0; r < rows; r++)
        {
            double d = x[r * features + f] - mean;
            squares += d * d;
        }

        return (mean, squares / (rows - 1));
    }

    /// <summary>The unbiased variance of feature f as one float pass of shifted sums about the pivot, the way not to do it.</summary>
    private static double OnePassVariance(float[] x, int features, int f)
    {
        int rows = x.Length / features;
        float pivot = x[f], sum = 0, squares = 0;
        for (int r = 0; r < rows; r++)
        {
            float d = x[r * features + f] - pivot;
            sum += d;
            squares += d * d;
        }

        return (squares - (double)sum * sum / rows) / (rows - 1);
    }

    /// <summary>
    /// A training step and an inference Forward against the reference, writing y and dx
    /// at each of 8 element offsets into a larger buffer (every alignment of a float or double vector), then in place
    /// (y = x, dx = dy). The buffer around the output must stay untouched.
    /// </summary>
    private static void CheckAtEveryAlignment<T>(Func<IBatchNormLayer<T>> make, int features, int batch, bool relu, double tolerance, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int Offsets = 8;
        var random = new Random(seed);
        var reference = new ReferenceBatchNorm(features, 1, 1e-5, relu);
        double[] gamma = TestData.RoundToFloat(TestData.Normal(random, features, 1, 0.3));
        double[] beta = TestData.RoundToFloat(TestData.Normal(random, features, 0, 0.5));
        double[] x = TestData.RoundToFloat(TestData.FeatureData(random, batch, features));
        double[] dy = TestData.RoundToFloat(TestData.Normal(random, x.Length));
        (double[] mean, double[] variance) = reference.Statistics(x);
        double[] expectedY = reference.Normalize(x, mean, variance, gamma, beta);
        (double[] expectedDx, double[] expectedDGamma, double[] expectedDBeta) = reference.Backward(x, dy, gamma, beta);
        double yScale = Math.Max(1, TestData.MaxAbs(expectedY));
        double dxScale = TestData.MaxAbs(dy) * Math.Max(1, TestData.MaxAbs(gamma)) / Math.Sqrt(Min(variance) + 1e-5);
        T[] xT = BatchNormReferenceTests.Convert<T>(x);
        T[] dyT = BatchNormReferenceTests.Convert<T>(dy);
        int n = x.Length;

        IBatchNormLayer<T> Trained()
        {
            IBatchNormLayer<T> layer = make();
            Copy(gamma, layer.Gamma);
            Copy(beta, layer.Beta);
            return layer;
        }

        for (int offset = 0; offset < Offsets; offset++)
        {
            IBatchNormLayer<T> layer = Trained();
            string where = $"{layer.Name} ({batch} rows, output at element offset {offset})";
            var buffer = new T[n + Offsets];
            layer.Forward(xT, buffer.AsSpan(offset, n));
            TestData.AssertClose(expectedY, Slice(buffer, offset, n), tolerance, where + " y", yScale);
            AssertUntouched(buffer, offset, n, where + " y");

            buffer = new T[n + Offsets];
            layer.Backward(xT, dyT, buffer.AsSpan(offset, n));
            TestData.AssertClose(expectedDx, Slice(buffer, offset, n), tolerance, where + " dx", dxScale);
            AssertUntouched(buffer, offset, n, where + " dx");
            TestData.AssertClose(expectedDGamma, BatchNormReferenceTests.ToDouble(layer.GammaGrad), tolerance, where + " dGamma", Math.Max(1, TestData.MaxAbs(expectedDGamma)));
            TestData.AssertClose(expectedDBeta, BatchNormReferenceTests.ToDouble(layer.BetaGrad), tolerance, where + " dBeta", Math.Max(1, TestData.MaxAbs(expectedDBeta)));

            layer.Training = false;
            double[] expectedInference = reference.Normalize(
                x, BatchNormReferenceTests.ToDouble(layer.RunningMean), BatchNormReferenceTests.ToDouble(layer.RunningVariance), gamma, beta);
            buffer = new T[n + Offsets];
            layer.Forward(xT, buffer.AsSpan(offset, n));
            TestData.AssertClose(expectedInference, Slice(buffer, offset, n), tolerance, where + " inference y", yScale);
            AssertUntouched(buffer, offset, n, where + " inference y");
        }

        // In place, at an offset that is aligned for no vector width.
        IBatchNormLayer<T> inPlace = Trained();
        var data = new T[n + Offsets];
        xT.CopyTo(data, 3);
        inPlace.Forward(data.AsSpan(3, n), data.AsSpan(3, n));
        TestData.AssertClose(expectedY, Slice(data, 3, n), tolerance, inPlace.Name + " y in place", yScale);
        var gradient = new T[n + Offsets];
        dyT.CopyTo(gradient, 3);
        inPlace.Backward(xT, gradient.AsSpan(3, n), gradient.AsSpan(3, n));
        TestData.AssertClose(expectedDx, Slice(gradient, 3, n), tolerance, inPlace.Name + " dx in place", dxScale);
    }

    private static double[] Slice<T>(T[] buffer, int offset, int length)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        BatchNormReferenceTests.ToDouble(buffer.AsSpan(offset, length).ToArray());

    private static void AssertUntouched<T>(T[] buffer, int offset, int length, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            if (i < offset || i >= offset + length)
            {
                Assert.True(buffer[i] == T.Zero, $"{what}: element {i} outside the output (offset {offset}, length {length}) was written");
            }
        }
    }

    private static double Min(double[] values)
    {
        double min = double.MaxValue;
        foreach (double v in values)
        {
            min = Math.Min(min, v);
        }

        return min;
    }

    private static void Copy<T>(double[] source, T[] target)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < source.Length; i++)
        {
            target[i] = T.CreateChecked(source[i]);
        }
    }
}
