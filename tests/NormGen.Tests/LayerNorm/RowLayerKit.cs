using System;
using System.Numerics;

namespace NormGen.Tests.LayerNorm;

/// <summary>Creating row-wise layers (layer norm, RMS norm) by name, data with per-row statistics, and conversions.</summary>
internal static class RowLayerKit
{
    /// <summary>Creates the generated layer with this full type name, e.g. NormGen.Tests.LayerNorm.Ln7F32.</summary>
    public static INormalizationLayer<T> Create<T>(string typeName)
        where T : unmanaged
    {
        Type type = typeof(RowLayerKit).Assembly.GetType(typeName, throwOnError: true)!;
        object instance = Activator.CreateInstance(type)!;
        return instance as INormalizationLayer<T>
            ?? throw new InvalidOperationException($"{type.Name} does not implement INormalizationLayer<{typeof(T).Name}>.");
    }

    /// <summary>
    /// x of shape (batch, features): each row gets its own mean in [-3, 3] and std in [0.5, 2.5], so the per-row
    /// statistics differ. Rounded to float, so float and double layers see the same inputs.
    /// </summary>
    public static double[] RowData(Random random, int batch, int features)
    {
        double[] x = TestData.Normal(random, batch * features);
        for (int n = 0; n < batch; n++)
        {
            double mean = random.NextDouble() * 6 - 3;
            double std = 0.5 + random.NextDouble() * 2;
            for (int f = 0; f < features; f++)
            {
                x[n * features + f] = mean + std * x[n * features + f];
            }
        }

        return TestData.RoundToFloat(x);
    }

    /// <summary>Sets Gamma ~ N(1, 0.5) and Beta ~ N(0, 0.5) (float-representable); no-op for empty arrays.</summary>
    public static void RandomParameters<T>(INormalizationLayer<T> layer, Random random)
        where T : unmanaged, INumberBase<T>
    {
        Convert<T>(TestData.RoundToFloat(TestData.Normal(random, layer.Gamma.Length, 1, 0.5))).CopyTo(layer.Gamma, 0);
        Convert<T>(TestData.RoundToFloat(TestData.Normal(random, layer.Beta.Length, 0, 0.5))).CopyTo(layer.Beta, 0);
    }

    public static T[] Convert<T>(double[] values)
        where T : INumberBase<T> =>
        Array.ConvertAll(values, v => T.CreateChecked(v));

    public static double[] ToDouble<T>(T[] values)
        where T : INumberBase<T> =>
        Array.ConvertAll(values, v => double.CreateChecked(v));

    /// <summary>The tolerance the issue sets for comparisons with the double reference.</summary>
    public static double Tolerance<T>() => typeof(T) == typeof(float) ? 1e-4 : 1e-12;
}
