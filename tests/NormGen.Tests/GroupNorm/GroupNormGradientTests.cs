using Xunit;

namespace NormGen.Tests.GroupNorm;

/// <summary>
/// Finite-difference gradient checks of every double configuration, affine and not (GradientCheck.CheckLayer, fourth-order
/// differences): relative error below 3e-8 for dx and below 1e-10 for GammaGrad and BetaGrad. See
/// <see cref="GroupNormHarness.AssertGradientsCheck"/> for how inputs are drawn so the differences resolve the gradient.
/// </summary>
public class GroupNormGradientTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (GroupNormConfig config in GroupNormLayers.All)
        {
            foreach (int batch in new[] { 1, 3 })
            {
                data.Add(config.Name, batch);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Analytic_gradients_match_finite_differences(string name, int batch)
    {
        GroupNormConfig config = GroupNormLayers.Get(name);
        GroupNormHarness.AssertGradientsCheck(
            config.Double(), batch * 31 + config.Channels * 7 + config.Spatial, batch, config.Groups, config.Channels, config.Spatial, $"{name} batch {batch}");
    }
}
