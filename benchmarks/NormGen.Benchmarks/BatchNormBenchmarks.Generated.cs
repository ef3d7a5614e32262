using BenchmarkDotNet.Attributes;

namespace NormGen.Benchmarks;

/// <summary>The generated layer's side of the suite.</summary>
public partial class BatchNormBenchmarks
{
    // Called through the interface as a framework would; the JIT's guarded devirtualization
    // removes the dispatch for the one concrete type each benchmark process sees.
    private IBatchNormLayer<float> generated = null!;

    /// <summary>Generated layer, training Forward.</summary>
    [Benchmark]
    public void Generated_TrainForward() => generated.Forward(x, y);

    /// <summary>Generated layer, Backward.</summary>
    [Benchmark]
    public void Generated_Backward() => generated.Backward(x, dy, dx);

    /// <summary>Generated layer, inference Forward.</summary>
    [Benchmark]
    public void Generated_InferenceForward() => generated.Forward(x, y);

    partial void SetupGenerated(int features, bool training)
    {
        generated = GeneratedLayers.Create(features);
        BenchmarkData.FillAffine(generated.Gamma, generated.Beta, seed: 3);
        generated.Forward(x, y);
        generated.Training = training;
    }
}
