using Xunit;

namespace NormGen.Tests.Parity;

/// <summary>
/// Generated layer, RMS, group and instance norms against PyTorch (Fixtures/pytorch/*.json). They keep no
/// running statistics, so the inference step must equal a training Forward on the same input.
/// </summary>
public sealed class NormalizationParityTests
{
    /// <summary>Case names of layernorm.json.</summary>
    public static TheoryData<string> LayerNormCases => ParityFixture.Names("layernorm");

    /// <summary>Case names of rmsnorm.json.</summary>
    public static TheoryData<string> RmsNormCases => ParityFixture.Names("rmsnorm");

    /// <summary>Case names of groupnorm.json.</summary>
    public static TheoryData<string> GroupNormCases => ParityFixture.Names("groupnorm");

    /// <summary>Case names of instancenorm.json.</summary>
    public static TheoryData<string> InstanceNormCases => ParityFixture.Names("instancenorm");

    /// <summary>Matches torch.nn.LayerNorm (and relu after it).</summary>
    /// <param name="name">Fixture case name.</param>
    [Theory]
    [MemberData(nameof(LayerNormCases))]
    public void LayerNorm_matches_pytorch(string name) => ParityRunner.Run("layernorm", name);

    /// <summary>Matches x / sqrt(mean(x^2) + eps) * gamma differentiated by torch autograd.</summary>
    /// <param name="name">Fixture case name.</param>
    [Theory]
    [MemberData(nameof(RmsNormCases))]
    public void RmsNorm_matches_pytorch(string name) => ParityRunner.Run("rmsnorm", name);

    /// <summary>Matches torch.nn.GroupNorm on (N, C, S).</summary>
    /// <param name="name">Fixture case name.</param>
    [Theory]
    [MemberData(nameof(GroupNormCases))]
    public void GroupNorm_matches_pytorch(string name) => ParityRunner.Run("groupnorm", name);

    /// <summary>Matches torch.nn.GroupNorm with one channel per group (instance norm).</summary>
    /// <param name="name">Fixture case name.</param>
    [Theory]
    [MemberData(nameof(InstanceNormCases))]
    public void InstanceNorm_matches_pytorch(string name) => ParityRunner.Run("instancenorm", name);
}
