using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NormGen.Generator.Tests.Infrastructure;

namespace NormGen.Generator.Tests.Generation;

/// <summary>
/// Generated code compiled with every warning as an error, nullable on and XML documentation checked (CS1591 on),
/// then loaded into a collectible context and run once.
/// </summary>
public class CompileAndRunTests
{
    private const string Declarations = """
        using NormGen;

        namespace Net.Layers
        {
            /// <summary>Float, vector-width features.</summary>
            [BatchNorm(Features = 128)]
            public partial class Wide { }

            /// <summary>Double with a tail.</summary>
            [BatchNorm(Features = 5, ElementType = typeof(double), Epsilon = 1e-9)]
            public sealed partial class Narrow { }

            /// <summary>Enclosing type.</summary>
            public static partial class Block
            {
                /// <summary>Spatial, fused ReLU, no affine parameters.</summary>
                [BatchNorm(Features = 3, Spatial = 7, Activation = Activation.Relu, Affine = false, ElementType = typeof(double))]
                public partial class Conv { }
            }
        }

        /// <summary>Global namespace, one feature, no running statistics.</summary>
        [BatchNorm(Features = 1, RunningStats = RunningStatsMode.None)]
        public partial class Single { }

        /// <summary>Many features, cumulative statistics.</summary>
        [BatchNorm(Features = 1000, RunningStats = RunningStatsMode.Cumulative, ElementType = typeof(double))]
        public partial class Thousand { }
        """;

    private static readonly Lazy<GeneratorRun> Run = new(() => GeneratorHarness.Run(GeneratorHarness.CreateCompilation(
        new[] { CSharpSyntaxTree.ParseText(Declarations, GeneratorHarness.ParseOptions, path: "Layers.cs") },
        GeneratorHarness.CompilationOptions.WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>()))));

    private static readonly Lazy<byte[]> Image = new(() => LoadedAssembly.Emit(Run.Value.Output));

    [Fact]
    public void GeneratedCodeCompilesWithWarningsAsErrorsAndDocumentation()
    {
        Assert.Equal(5, Run.Value.GeneratedSources.Count);
        Assert.True(!Run.Value.Diagnostics.Any(d => d.Severity >= DiagnosticSeverity.Warning), Run.Value.Describe());
    }

    [Theory]
    [InlineData("Net.Layers.Wide", 64)]
    [InlineData("Single", 9)]
    public void FloatForwardNormalizesEachFeature(string typeName, int batch)
    {
        using LoadedAssembly loaded = LoadedAssembly.Load(Image.Value);
        var layer = loaded.Create<global::NormGen.IBatchNormLayer<float>>(typeName);
        float[] x = RandomData(batch * layer.SampleLength, seed: 1).Select(v => (float)v).ToArray();
        float[] y = new float[x.Length];

        layer.Forward(x, y);

        (double[] mean, double[] variance) = Moments(y.Select(v => (double)v).ToArray(), layer.FeatureCount, 1);
        Assert.All(mean, m => Assert.InRange(m, -1e-4, 1e-4));
        Assert.All(variance, v => Assert.InRange(v, 1 - 1e-3, 1 + 1e-3));
        Assert.Equal(typeName.Split('.').Last(), layer.Name);
    }

    [Theory]
    [InlineData("Net.Layers.Narrow", 1e-9)]
    [InlineData("Thousand", 1e-5)]
    public void DoubleForwardMatchesTheDefinition(string typeName, double epsilon)
    {
        using LoadedAssembly loaded = LoadedAssembly.Load(Image.Value);
        var layer = loaded.Create<global::NormGen.IBatchNormLayer<double>>(typeName);
        double[] x = RandomData(17 * layer.SampleLength, seed: 2);
        double[] y = new double[x.Length];

        layer.Forward(x, y);

        double[] expected = Reference(x, layer.FeatureCount, 1, epsilon, relu: false);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - y[i]) <= 1e-10, $"{typeName} y[{i}] = {y[i]}, expected {expected[i]}");
        }
    }

    [Fact]
    public void SpatialReluLayerMatchesTheDefinition()
    {
        using LoadedAssembly loaded = LoadedAssembly.Load(Image.Value);
        var layer = loaded.Create<global::NormGen.IBatchNormLayer<double>>("Net.Layers.Block+Conv");
        Assert.Equal(21, layer.SampleLength);
        Assert.Empty(layer.Gamma);
        double[] x = RandomData(6 * layer.SampleLength, seed: 3);
        double[] y = new double[x.Length];

        layer.Forward(x, y);

        double[] expected = Reference(x, 3, 7, 1e-5, relu: true);
        Assert.Contains(0.0, y);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - y[i]) <= 1e-10, $"y[{i}] = {y[i]}, expected {expected[i]}");
        }
    }

    [Fact]
    public void UnloadedContextIsCollected()
    {
        WeakReference context = LoadAndForget();
        for (int i = 0; i < 10 && context.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(context.IsAlive, "the collectible AssemblyLoadContext was not unloaded");
    }

    private static WeakReference LoadAndForget()
    {
        using LoadedAssembly loaded = LoadedAssembly.Load(Image.Value);
        var layer = loaded.Create<global::NormGen.INormalizationLayer<float>>("Single");
        layer.Forward(new float[] { 1, 2, 3 }, new float[3]);
        return new WeakReference(System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(loaded.Assembly));
    }

    private static double[] RandomData(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => 3 + 2 * (random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>Per-feature mean and biased variance of row-major (batch, features, spatial) data.</summary>
    private static (double[] Mean, double[] Variance) Moments(double[] x, int features, int spatial)
    {
        int batch = x.Length / (features * spatial);
        var mean = new double[features];
        var variance = new double[features];
        for (int f = 0; f < features; f++)
        {
            IEnumerable<double> values = Enumerable.Range(0, batch).SelectMany(n => Enumerable.Range(0, spatial).Select(s => x[(n * features + f) * spatial + s]));
            double m = values.Average();
            mean[f] = m;
            variance[f] = values.Select(v => (v - m) * (v - m)).Average();
        }

        return (mean, variance);
    }

    /// <summary>Training-mode batch norm with Gamma = 1, Beta = 0, straight from the definition.</summary>
    private static double[] Reference(double[] x, int features, int spatial, double epsilon, bool relu)
    {
        (double[] mean, double[] variance) = Moments(x, features, spatial);
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int f = i / spatial % features;
            double value = (x[i] - mean[f]) / Math.Sqrt(variance[f] + epsilon);
            y[i] = relu ? Math.Max(0, value) : value;
        }

        return y;
    }
}
