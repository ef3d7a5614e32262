using System;
using System.IO;

namespace NormGen.Benchmarks;

/// <summary>
/// The deterministic data every implementation of a case sees: x, the upstream gradient dy, Gamma and Beta, and
/// the running statistics that batch-norm inference normalizes with (given, not learned, so every implementation
/// and the reference use the same ones). Also holds the y and dx buffers the in-process implementations share.
/// Out-of-process peers read the same values from raw float32 files (<see cref="WriteFiles"/>).
/// </summary>
public sealed class CaseData
{
    private CaseData(BenchCase benchCase)
    {
        Case = benchCase;
        X = new float[benchCase.Elements];
        Dy = new float[benchCase.Elements];
        Y = new float[benchCase.Elements];
        Dx = new float[benchCase.Elements];
        Gamma = new float[benchCase.Channels];
        Beta = new float[benchCase.Channels];
        RunningMean = new float[benchCase.Channels];
        RunningVariance = new float[benchCase.Channels];
    }

    /// <summary>The case.</summary>
    public BenchCase Case { get; }

    /// <summary>Input, row-major in the case's shape.</summary>
    public float[] X { get; }

    /// <summary>Upstream gradient, same shape as x.</summary>
    public float[] Dy { get; }

    /// <summary>Output buffer shared by the in-process implementations.</summary>
    public float[] Y { get; }

    /// <summary>Input-gradient buffer shared by the in-process implementations.</summary>
    public float[] Dx { get; }

    /// <summary>Per-channel scale (around 1).</summary>
    public float[] Gamma { get; }

    /// <summary>Per-channel shift (around 0; unused by RMS norm).</summary>
    public float[] Beta { get; }

    /// <summary>Per-channel mean that batch-norm inference uses.</summary>
    public float[] RunningMean { get; }

    /// <summary>Per-channel (positive) variance that batch-norm inference uses.</summary>
    public float[] RunningVariance { get; }

    /// <summary>
    /// Makes the data: x normal with a center and spread that differ per channel (so a wrong channel index shows and
    /// normalization has real work), dy standard normal, Gamma around 1, Beta around 0, running statistics near the
    /// data's own per-channel center and spread. Seeds are fixed, so every run sees the same numbers.
    /// </summary>
    public static CaseData Create(BenchCase benchCase)
    {
        ArgumentNullException.ThrowIfNull(benchCase);
        var data = new CaseData(benchCase);
        var random = new Random(1);
        for (int i = 0; i < data.X.Length; i++)
        {
            int channel = benchCase.ChannelOf(i);
            data.X[i] = Center(channel) + Spread(channel) * Gaussian(random);
        }

        random = new Random(2);
        for (int i = 0; i < data.Dy.Length; i++)
        {
            data.Dy[i] = Gaussian(random);
        }

        random = new Random(3);
        for (int j = 0; j < benchCase.Channels; j++)
        {
            data.Gamma[j] = 1f + 0.25f * Gaussian(random);
            data.Beta[j] = 0.5f * Gaussian(random);
            data.RunningMean[j] = Center(j) + 0.1f * Gaussian(random);
            data.RunningVariance[j] = Spread(j) * Spread(j) * (1f + 0.2f * MathF.Abs(Gaussian(random)));
        }

        return data;
    }

    /// <summary>
    /// Writes x.f32, dy.f32, gamma.f32, beta.f32, running_mean.f32 and running_var.f32 (raw little-endian float32)
    /// into <paramref name="directory"/>, for the workers and the ONNX model script.
    /// </summary>
    public void WriteFiles(string directory)
    {
        Directory.CreateDirectory(directory);
        FloatFiles.Write(Path.Combine(directory, "x.f32"), X);
        FloatFiles.Write(Path.Combine(directory, "dy.f32"), Dy);
        FloatFiles.Write(Path.Combine(directory, "gamma.f32"), Gamma);
        FloatFiles.Write(Path.Combine(directory, "beta.f32"), Beta);
        FloatFiles.Write(Path.Combine(directory, "running_mean.f32"), RunningMean);
        FloatFiles.Write(Path.Combine(directory, "running_var.f32"), RunningVariance);
    }

    private static float Center(int channel) => (channel % 7) - 3f;

    private static float Spread(int channel) => 0.5f + (channel % 5);

    private static float Gaussian(Random random)
    {
        // Box-Muller; 1 - NextDouble() keeps the logarithm's argument in (0, 1].
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }
}
