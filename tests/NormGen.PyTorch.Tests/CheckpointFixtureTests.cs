using System;
using System.IO;
using System.Linq;
using NormGen.PyTorch;
using NormGen.Tests.State;
using Xunit;

namespace NormGen.PyTorch.Tests;

/// <summary>
/// The checkpoints torch.save wrote for the fixture model (Fixtures/make_state_fixtures.py in NormGen.Tests), loaded
/// into generated layers: the same values, eval outputs and next training step as their safetensors twins.
/// </summary>
public class CheckpointFixtureTests
{
    [Theory]
    [MemberData(nameof(StateFixture.NamesAndVariants), MemberType = typeof(StateFixture))]
    public void LoadedLayerReproducesPyTorch(string name, string variant) =>
        FixtureChecks.LoadAndCheck(StateFixture.Case(name), variant, TorchCheckpoint.ReadFile(Pt(variant + ".pt")));

    [Theory]
    [InlineData("model")]
    [InlineData("model_f16")]
    [InlineData("model_bf16")]
    public void CheckpointHoldsExactlyTheSafetensorsTwin(string variant)
    {
        TensorSet pt = TorchCheckpoint.ReadFile(Pt(variant + ".pt"));
        TensorSet safetensors = Safetensors.ReadFile(StateFixture.PathOf(variant + ".safetensors"));
        Assert.Equal(safetensors.Keys.OrderBy(k => k, StringComparer.Ordinal), pt.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (NamedTensor expected in safetensors.Values)
        {
            NamedTensor actual = pt[expected.Name];
            Assert.Equal(expected.DType, actual.DType);
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.Equal(expected.Data.ToArray(), actual.Data.ToArray());
        }
    }

    [Fact]
    public void KeysComeInStateDictOrder()
    {
        // torch.save numbers storages in the order it meets them: the state_dict's order.
        string[] expected = StateFixture.Cases.SelectMany(c => c.Keys.Select(k => c.Prefix + "." + k)).ToArray();
        Assert.Equal(expected, TorchCheckpoint.ReadFile(Pt("model.pt")).Keys);
    }

    [Fact]
    public void LoadLayerReadsOneLayerOutOfTheModel()
    {
        var layer = new StateBn1dCumulativeF64();
        TorchCheckpoint.LoadLayer(Pt("model.pt"), layer, "layers.bn1d_cumulative_f64");
        Assert.Equal(StateFixture.Case("bn1d_cumulative_f64").Variants["model"].BatchesTracked, layer.BatchesTracked);
    }

    internal static string Pt(string file)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Fixture {path} was not copied beside the tests.", path);
    }
}
