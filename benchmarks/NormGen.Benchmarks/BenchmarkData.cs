using System;
using System.Globalization;

namespace NormGen.Benchmarks;

/// <summary>Benchmark shapes and the deterministic data every implementation (and build/bench_torch.py) sees.</summary>
public static class BenchmarkData
{
    /// <summary>The (batch, features) shapes of issue 6, as "BATCHxFEATURES" (the BenchmarkDotNet parameter text).</summary>
    public static readonly string[] Shapes = ["32x128", "64x128", "256x512", "1024x1024", "16384x256", "65536x128"];

    /// <summary>Parses "BATCHxFEATURES".</summary>
    /// <exception cref="FormatException">The text is not two positive integers joined by 'x'.</exception>
    public static (int Batch, int Features) Parse(string shape)
    {
        string[] parts = shape.Split('x');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int batch)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int features)
            || batch < 1 || features < 1)
        {
            throw new FormatException($"Shape must look like 256x512 (batch x features); got '{shape}'.");
        }

        return (batch, features);
    }

    /// <summary>
    /// Fills <paramref name="values"/> (row-major, rows of <paramref name="features"/>) with normal values whose
    /// mean and spread differ per feature, so normalization has real work to do and a wrong feature index shows.
    /// </summary>
    public static void FillInput(Span<float> values, int features, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < values.Length; i++)
        {
            int j = i % features;
            float center = (j % 7) - 3f;
            float spread = 0.5f + (j % 5);
            values[i] = center + spread * Gaussian(random);
        }
    }

    /// <summary>Fills <paramref name="values"/> with standard normal values (upstream gradients).</summary>
    public static void FillGaussian(Span<float> values, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Gaussian(random);
        }
    }

    /// <summary>Per-feature parameters: Gamma around 1 and Beta around 0, the same for every implementation.</summary>
    public static void FillAffine(Span<float> gamma, Span<float> beta, int seed)
    {
        var random = new Random(seed);
        for (int j = 0; j < gamma.Length; j++)
        {
            gamma[j] = 1f + 0.25f * Gaussian(random);
            beta[j] = 0.5f * Gaussian(random);
        }
    }

    private static float Gaussian(Random random)
    {
        // Box-Muller; 1 - NextDouble() keeps the logarithm's argument in (0, 1].
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }
}
