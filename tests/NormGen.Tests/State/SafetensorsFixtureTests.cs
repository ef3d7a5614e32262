using System.Linq;
using Xunit;

namespace NormGen.Tests.State;

/// <summary>The safetensors files written by Fixtures/make_state_fixtures.py, loaded into generated layers.</summary>
public class SafetensorsFixtureTests
{
    [Theory]
    [MemberData(nameof(StateFixture.NamesAndVariants), MemberType = typeof(StateFixture))]
    public void LoadedLayerReproducesPyTorch(string name, string variant) =>
        FixtureChecks.LoadAndCheck(StateFixture.Case(name), variant, Safetensors.ReadFile(StateFixture.PathOf(variant + ".safetensors")));

    [Theory]
    [MemberData(nameof(StateFixture.Names), MemberType = typeof(StateFixture))]
    public void LayerHasExactlyPyTorchsKeys(string name)
    {
        StateCase c = StateFixture.Case(name);
        object layer = StateLayers.Factories[name]();
        TensorSet captured = layer is INormalizationLayer<float> f ? LayerState.Capture(f) : LayerState.Capture((INormalizationLayer<double>)layer);
        Assert.Equal(c.Keys, captured.Keys);
    }

    [Fact]
    public void FileMetadataIsRead()
    {
        TensorSet tensors = Safetensors.ReadFile(StateFixture.PathOf("model.safetensors"));
        Assert.Equal("pt", tensors.Metadata["format"]);
        Assert.Equal(StateFixture.Cases.Sum(c => c.Keys.Count), tensors.Count);
    }

    [Fact]
    public void StoredDTypesAreTheLayersOwnAndInt64Counts()
    {
        TensorSet tensors = Safetensors.ReadFile(StateFixture.PathOf("model.safetensors"));
        Assert.Equal(TensorDType.F32, tensors["layers.bn1d_f32.weight"].DType);
        Assert.Equal(TensorDType.F64, tensors["layers.bn1d_f64.running_var"].DType);
        NamedTensor count = tensors["layers.bn1d_cumulative_f32.num_batches_tracked"];
        Assert.Equal(TensorDType.I64, count.DType);
        Assert.Empty(count.Shape);
        Assert.Equal(TensorDType.F16, Safetensors.ReadFile(StateFixture.PathOf("model_f16.safetensors"))["layers.ln_f32.bias"].DType);
        Assert.Equal(TensorDType.BF16, Safetensors.ReadFile(StateFixture.PathOf("model_bf16.safetensors"))["layers.gn_f64.weight"].DType);
    }

    [Fact]
    public void WholeModelLoadsThroughOneStrictMap()
    {
        var map = new StateMap();
        foreach (StateCase c in StateFixture.Cases)
        {
            object layer = StateLayers.Factories[c.Name]();
            if (layer is INormalizationLayer<float> f)
            {
                map.Add(c.Prefix, f);
            }
            else
            {
                map.Add(c.Prefix, (INormalizationLayer<double>)layer);
            }
        }

        // Strict over the whole file: every tensor in it is bound, and every bound key is in it.
        map.Load(Safetensors.ReadFile(StateFixture.PathOf("model.safetensors")), strict: true);
        Assert.Equal(map.Keys, map.Capture().Keys);
    }

    [Theory]
    [MemberData(nameof(KerasCases))]
    public void KerasNamesLoadTheSameValues(string name)
    {
        StateCase c = StateFixture.Case(name);
        TensorSet keras = Safetensors.ReadFile(StateFixture.PathOf("keras.safetensors"));
        object layer = StateLayers.Factories[name]();
        if (layer is INormalizationLayer<float> f)
        {
            f.Training = false;
            CheckKeras(f, c, keras);
        }
        else
        {
            CheckKeras((INormalizationLayer<double>)layer, c, keras);
        }
    }

    public static TheoryData<string> KerasCases()
    {
        var data = new TheoryData<string>();
        foreach (string name in StateFixture.KerasCases)
        {
            data.Add(name);
        }

        return data;
    }

    private static void CheckKeras<T>(INormalizationLayer<T> layer, StateCase c, TensorSet keras)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        // Keras stores no batch count: BatchesTracked is left as it was.
        long before = layer is IBatchNormLayer<T> b ? b.BatchesTracked : 0;
        LayerState.Load(layer, keras, c.Name, StateNaming.Keras);
        StateVariant stored = c.Variants["model"];
        FixtureChecks.AssertStored(stored, "weight", layer.Gamma, c.Name);
        FixtureChecks.AssertStored(stored, "bias", layer.Beta, c.Name);
        if (layer is IBatchNormLayer<T> batchNorm)
        {
            FixtureChecks.AssertStored(stored, "running_mean", batchNorm.RunningMean, c.Name);
            FixtureChecks.AssertStored(stored, "running_var", batchNorm.RunningVariance, c.Name);
            Assert.Equal(before, batchNorm.BatchesTracked);
        }
    }
}
