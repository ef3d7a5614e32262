using Xunit;

namespace NormGen.Tests.GroupNorm;

/// <summary>
/// Generated group-norm layers against the scalar double reference (Forward, then Backward: dx, GammaGrad, BetaGrad)
/// over every configuration in <see cref="GroupNormLayers"/> and batches 1, 2 and 5. Float within 1e-4 and double
/// within 1e-12, relative to the largest expected magnitude of each output.
/// </summary>
public class GroupNormReferenceTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (GroupNormConfig config in GroupNormLayers.All)
        {
            foreach (int batch in new[] { 1, 2, 5 })
            {
                data.Add(config.Name, batch);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float_layer_matches_the_reference(string name, int batch)
    {
        GroupNormConfig config = GroupNormLayers.Get(name);
        var inputs = GroupNormHarness.MakeInputs(batch * 7919 + config.Channels, batch, config.Channels, config.Spatial, config.Affine, forFloat: true);
        INormalizationLayer<float> layer = config.Float();
        Assert.Equal(config.Channels * config.Spatial, layer.SampleLength);
        Assert.Equal(config.Affine ? config.Channels : 0, layer.Gamma.Length);
        GroupNormHarness.AssertMatchesReference(
            GroupNormHarness.Run(layer, inputs), inputs, config.Groups, config.Channels, config.Spatial, 1e-5, 1e-4, $"{name} float batch {batch}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Double_layer_matches_the_reference(string name, int batch)
    {
        GroupNormConfig config = GroupNormLayers.Get(name);
        var inputs = GroupNormHarness.MakeInputs(batch * 7919 + config.Channels, batch, config.Channels, config.Spatial, config.Affine, forFloat: false);
        INormalizationLayer<double> layer = config.Double();
        GroupNormHarness.AssertMatchesReference(
            GroupNormHarness.Run(layer, inputs), inputs, config.Groups, config.Channels, config.Spatial, 1e-5, 1e-12, $"{name} double batch {batch}");
    }

    /// <summary>Epsilon from the attribute reaches the math (a large one changes every output visibly).</summary>
    [Fact]
    public void Epsilon_from_the_attribute_is_used()
    {
        Assert.Equal(0.25, GnEps025F64.Epsilon);
        var inputs = GroupNormHarness.MakeInputs(5, 3, 4, 5, affine: true, forFloat: false);
        GroupNormHarness.AssertMatchesReference(GroupNormHarness.Run(new GnEps025F64(), inputs), inputs, 2, 4, 5, 0.25, 1e-12, "eps 0.25");
    }

    /// <summary>A layer reused on batches of changing size (growing, then shrinking) gives each batch's own answer.</summary>
    [Fact]
    public void One_layer_serves_batches_of_any_size_in_any_order()
    {
        var layer = new GnC4G2S16F64();
        foreach (int batch in new[] { 2, 5, 1, 3, 5 })
        {
            var inputs = GroupNormHarness.MakeInputs(100 + batch, batch, 4, 16, affine: true, forFloat: false);
            GroupNormHarness.AssertMatchesReference(GroupNormHarness.Run(layer, inputs), inputs, 2, 4, 16, 1e-5, 1e-12, $"batch {batch}");
        }
    }
}
