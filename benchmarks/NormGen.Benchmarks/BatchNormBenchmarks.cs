using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace NormGen.Benchmarks;

/// <summary>
/// Batch norm over float32 (batch, features) input, per shape: training Forward, Backward (after a training
/// Forward in setup) and inference Forward for the generated layer, the scalar peer and the TensorPrimitives
/// peer, plus two copies of x into y (the same bytes as one read of x and one write of y): the memory yardstick.
/// Method names are parsed by build/bench_report.py as IMPLEMENTATION_OPERATION.
/// </summary>
[MemoryDiagnoser]
public class BatchNormBenchmarks
{
    private float[] x = [];
    private float[] y = [];
    private float[] dy = [];
    private float[] dx = [];
    private ScalarBatchNorm scalar = null!;
    private TensorPrimitivesBatchNorm tensorPrimitives = null!;

    // Called through the interface as a framework would; the JIT's guarded devirtualization
    // removes the dispatch for the one concrete type each benchmark process sees.
    private IBatchNormLayer<float> generated = null!;

    /// <summary>The (batch, features) shape as "BATCHxFEATURES".</summary>
    [ParamsSource(nameof(ShapeValues))]
    public string Shape { get; set; } = BenchmarkData.Shapes[0];

    /// <summary>All shapes of issue 6, or the comma-separated list in NORMGEN_BENCH_SHAPES (for short runs).</summary>
    public static string[] ShapeValues =>
        Environment.GetEnvironmentVariable("NORMGEN_BENCH_SHAPES") is { Length: > 0 } shapes
            ? shapes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : BenchmarkData.Shapes;

    /// <summary>Data and layers in training mode, each after one training Forward (so Backward has its statistics).</summary>
    [GlobalSetup(Targets = [
        nameof(Copy), nameof(CopyVector),
        nameof(Generated_TrainForward), nameof(Scalar_TrainForward), nameof(TensorPrimitives_TrainForward),
        nameof(Generated_Backward), nameof(Scalar_Backward), nameof(TensorPrimitives_Backward)])]
    public void SetupTraining() => Setup(training: true);

    /// <summary>As <see cref="SetupTraining"/>, then every layer switched to inference (running statistics).</summary>
    [GlobalSetup(Targets = [nameof(Generated_InferenceForward), nameof(Scalar_InferenceForward), nameof(TensorPrimitives_InferenceForward)])]
    public void SetupInference() => Setup(training: false);

    /// <summary>Memory yardstick: copy x into y with <see cref="Span{T}.CopyTo"/> (the runtime's memmove).</summary>
    [Benchmark]
    public void Copy() => x.AsSpan().CopyTo(y);

    /// <summary>
    /// Memory yardstick: copy x into y with a plain SIMD load/store loop. The report takes the faster of the two
    /// copies, because memmove's strategy (e.g. rep movsb) is not always the fastest on a given machine and size.
    /// </summary>
    [Benchmark]
    public void CopyVector()
    {
        ref float source = ref MemoryMarshal.GetArrayDataReference(x);
        ref float destination = ref MemoryMarshal.GetArrayDataReference(y);
        nuint length = (nuint)x.Length;
        nuint i = 0;
        for (; i + (nuint)Vector<float>.Count <= length; i += (nuint)Vector<float>.Count)
        {
            Vector.LoadUnsafe(ref source, i).StoreUnsafe(ref destination, i);
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref destination, i) = Unsafe.Add(ref source, i);
        }
    }

    /// <summary>Generated layer, training Forward.</summary>
    [Benchmark]
    public void Generated_TrainForward() => generated.Forward(x, y);

    /// <summary>Scalar peer, training Forward.</summary>
    [Benchmark]
    public void Scalar_TrainForward() => scalar.Forward(x, y);

    /// <summary>TensorPrimitives peer, training Forward.</summary>
    [Benchmark]
    public void TensorPrimitives_TrainForward() => tensorPrimitives.Forward(x, y);

    /// <summary>Generated layer, Backward.</summary>
    [Benchmark]
    public void Generated_Backward() => generated.Backward(x, dy, dx);

    /// <summary>Scalar peer, Backward.</summary>
    [Benchmark]
    public void Scalar_Backward() => scalar.Backward(x, dy, dx);

    /// <summary>TensorPrimitives peer, Backward.</summary>
    [Benchmark]
    public void TensorPrimitives_Backward() => tensorPrimitives.Backward(x, dy, dx);

    /// <summary>Generated layer, inference Forward.</summary>
    [Benchmark]
    public void Generated_InferenceForward() => generated.Forward(x, y);

    /// <summary>Scalar peer, inference Forward.</summary>
    [Benchmark]
    public void Scalar_InferenceForward() => scalar.Forward(x, y);

    /// <summary>TensorPrimitives peer, inference Forward.</summary>
    [Benchmark]
    public void TensorPrimitives_InferenceForward() => tensorPrimitives.Forward(x, y);

    private void Setup(bool training)
    {
        (int batch, int features) = BenchmarkData.Parse(Shape);
        int length = batch * features;
        x = new float[length];
        y = new float[length];
        dy = new float[length];
        dx = new float[length];
        BenchmarkData.FillInput(x, features, seed: 1);
        BenchmarkData.FillGaussian(dy, seed: 2);

        scalar = new ScalarBatchNorm(features);
        BenchmarkData.FillAffine(scalar.Gamma, scalar.Beta, seed: 3);
        scalar.Forward(x, y);
        scalar.Training = training;

        tensorPrimitives = new TensorPrimitivesBatchNorm(features);
        BenchmarkData.FillAffine(tensorPrimitives.Gamma, tensorPrimitives.Beta, seed: 3);
        tensorPrimitives.Forward(x, y);
        tensorPrimitives.Training = training;

        generated = GeneratedLayers.Create(features);
        BenchmarkData.FillAffine(generated.Gamma, generated.Beta, seed: 3);
        generated.Forward(x, y);
        generated.Training = training;
    }
}
