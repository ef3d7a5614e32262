using System;
using System.Reflection;
using NormGen.Tests.GroupNorm;
using Xunit;

namespace NormGen.Tests.InstanceNorm;

/// <summary>
/// Instance norm is group norm with one channel per group: each layer equals its group-norm twin bit for bit, matches
/// the scalar reference (float 1e-4, double 1e-12), passes the gradient check, and rejects bad calls without changes.
/// </summary>
public class InstanceNormTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (InstanceNormConfig config in InstanceNormLayers.All)
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
    public void Equals_group_norm_with_groups_equal_to_channels(string name, int batch)
    {
        InstanceNormConfig config = InstanceNormLayers.Get(name);
        Assert.Equal(config.Channels, config.Twin.Groups);

        var floats = GroupNormHarness.MakeInputs(batch * 13 + config.Channels, batch, config.Channels, config.Spatial, config.Affine, forFloat: true);
        AssertSame(GroupNormHarness.Run(config.Twin.Float(), floats), GroupNormHarness.Run(config.Float(), floats));
        var doubles = GroupNormHarness.MakeInputs(batch * 17 + config.Channels, batch, config.Channels, config.Spatial, config.Affine, forFloat: false);
        AssertSame(GroupNormHarness.Run(config.Twin.Double(), doubles), GroupNormHarness.Run(config.Double(), doubles));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_reference(string name, int batch)
    {
        InstanceNormConfig config = InstanceNormLayers.Get(name);
        var floats = GroupNormHarness.MakeInputs(batch * 19 + config.Spatial, batch, config.Channels, config.Spatial, config.Affine, forFloat: true);
        GroupNormHarness.AssertMatchesReference(
            GroupNormHarness.Run(config.Float(), floats), floats, config.Channels, config.Channels, config.Spatial, 1e-5, 1e-4, name + " float");
        var doubles = GroupNormHarness.MakeInputs(batch * 23 + config.Spatial, batch, config.Channels, config.Spatial, config.Affine, forFloat: false);
        GroupNormHarness.AssertMatchesReference(
            GroupNormHarness.Run(config.Double(), doubles), doubles, config.Channels, config.Channels, config.Spatial, 1e-5, 1e-12, name + " double");
    }

    public static TheoryData<string, int> GradientCases()
    {
        var data = new TheoryData<string, int>();
        foreach (InstanceNormConfig config in InstanceNormLayers.All)
        {
            data.Add(config.Name, 1);
            data.Add(config.Name, 2);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Analytic_gradients_match_finite_differences(string name, int batch)
    {
        InstanceNormConfig config = InstanceNormLayers.Get(name);
        GroupNormHarness.AssertGradientsCheck(
            config.Double(), batch * 29 + config.Channels, batch, config.Channels, config.Channels, config.Spatial, $"{name} batch {batch}");
    }

    [Fact]
    public void Generated_members_have_no_groups_constant_and_spatial_defaults_to_one()
    {
        Assert.Equal(5, InC5DefaultSpatialF64.Channels);
        Assert.Equal(1, InC5DefaultSpatialF64.Spatial);
        Assert.Equal(1e-5, InC5DefaultSpatialF64.Epsilon);
        var layer = new InC5DefaultSpatialF64();
        Assert.Equal(5, layer.SampleLength);
        Assert.Equal("InC5DefaultSpatialF64", layer.Name);
        Assert.Null(typeof(InC3S16F32).GetField("Groups", BindingFlags.Public | BindingFlags.Static));
        Assert.NotNull(typeof(GnC3G3S16F32).GetField("Groups", BindingFlags.Public | BindingFlags.Static));

        // Spatial = 1: every value is its own instance, so y = Beta and every input gradient is exactly 0.
        var inputs = GroupNormHarness.MakeInputs(1, 3, 5, 1, affine: true, forFloat: false);
        var outputs = GroupNormHarness.Run(layer, inputs);
        for (int i = 0; i < outputs.Y.Length; i++)
        {
            Assert.Equal(inputs.Beta[i % 5], outputs.Y[i]);
            Assert.Equal(0, outputs.Dx[i]);
        }
    }

    /// <summary>Float data with mean 1e4 and standard deviation 1e-2 normalizes to the reference's accuracy.</summary>
    [Fact]
    public void Float_data_with_a_large_mean_and_a_small_spread_normalizes_correctly()
    {
        var random = new Random(8);
        double[] x = TestData.RoundToFloat(TestData.Normal(random, 3 * 3 * 16, 1e4, 1e-2));
        double[] dy = TestData.RoundToFloat(TestData.Normal(random, x.Length));
        double[] gamma = TestData.RoundToFloat(TestData.Normal(random, 3, 1, 0.5));
        double[] beta = TestData.RoundToFloat(TestData.Normal(random, 3));
        var inputs = new GroupNormHarness.Inputs(x, dy, gamma, beta);
        GroupNormHarness.AssertMatchesReference(
            GroupNormHarness.Run(new InC3S16F32(), inputs), inputs, 3, 3, 16, 1e-5, 1e-4, "InC3S16F32 (mean 1e4, std 1e-2)");
    }

    [Fact]
    public void Bad_calls_throw_and_change_nothing()
    {
        var layer = new InC4S17F64();
        var inputs = GroupNormHarness.MakeInputs(2, 2, 4, 17, affine: true, forFloat: false);
        var outputs = GroupNormHarness.Run(layer, inputs);

        var shortX = new double[4 * 17 + 1];
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(shortX, new double[shortX.Length]));
        Assert.Contains("InC4S17F64", error.Message);
        Assert.Contains("(batch, 4, 17)", error.Message);
        Assert.Throws<InvalidOperationException>(() => layer.Backward(new double[68], new double[68], new double[68]));
        Assert.Throws<ArgumentException>(() => layer.Backward(inputs.X, inputs.Dy, new double[3]));

        Assert.Equal(outputs.GammaGrad, layer.GammaGrad);
        Assert.Equal(outputs.BetaGrad, layer.BetaGrad);
        var dx = new double[inputs.X.Length];
        layer.Backward(inputs.X, inputs.Dy, dx);
        Assert.Equal(outputs.Dx, dx);
    }

    private static void AssertSame(GroupNormHarness.Outputs expected, GroupNormHarness.Outputs actual)
    {
        Assert.Equal(expected.Y, actual.Y);
        Assert.Equal(expected.Dx, actual.Dx);
        Assert.Equal(expected.GammaGrad, actual.GammaGrad);
        Assert.Equal(expected.BetaGrad, actual.BetaGrad);
    }
}
