using Xunit;

namespace NormGen.Tests.Parity;

/// <summary>Generated batch-norm layers against PyTorch BatchNorm1d/BatchNorm2d (Fixtures/pytorch/batchnorm*.json).</summary>
public sealed class BatchNormParityTests
{
    /// <summary>Case names of batchnorm1d.json.</summary>
    public static TheoryData<string> BatchNorm1dCases => ParityFixture.Names("batchnorm1d");

    /// <summary>Case names of batchnorm2d.json.</summary>
    public static TheoryData<string> BatchNorm2dCases => ParityFixture.Names("batchnorm2d");

    /// <summary>Five training steps and one inference step match torch.nn.BatchNorm1d.</summary>
    /// <param name="name">Fixture case name.</param>
    [Theory]
    [MemberData(nameof(BatchNorm1dCases))]
    public void BatchNorm1d_matches_pytorch(string name) => ParityRunner.Run("batchnorm1d", name);

    /// <summary>Five training steps and one inference step match torch.nn.BatchNorm2d on (N, C, H*W).</summary>
    /// <param name="name">Fixture case name.</param>
    [Theory]
    [MemberData(nameof(BatchNorm2dCases))]
    public void BatchNorm2d_matches_pytorch(string name) => ParityRunner.Run("batchnorm2d", name);
}
