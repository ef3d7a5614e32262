using System;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;
using VerifyClass = NormGen.CodeFixes.Tests.Infrastructure.CodeFixVerifier<NormGen.CodeFixes.DeclareLayerAsClassCodeFix>;
using VerifyPartial = NormGen.CodeFixes.Tests.Infrastructure.CodeFixVerifier<NormGen.CodeFixes.MakeLayerPartialCodeFix>;

namespace NormGen.CodeFixes.Tests;

/// <summary>
/// The "no fix offered" and "fixed code compiles with the generated code" checks the other tests rely on can fail:
/// each is shown failing on a case built to break it.
/// </summary>
public sealed class VerifierSelfTests(ITestOutputHelper log)
{
    [Fact]
    public async Task NoFixCheckFailsWhenAFixIsOffered()
    {
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => VerifyClass.VerifyNoFixAsync("""
            using NormGen;

            [BatchNorm(Features = 3)]
            partial record {|NG0019:Hidden|};
            """));
        log.WriteLine(failure.Message);
        Assert.Contains("+partial class Hidden { }", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The fix is right, but the user's member 'Forward' collides with the generated one once the layer is partial:
    /// the fixed state then reports NG0010, so a test that expected a clean fixed state fails.
    /// </summary>
    [Fact]
    public async Task FixedStateIsAnalyzedAndCompiledWithTheGenerator()
    {
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => VerifyPartial.VerifyAsync("""
            using NormGen;

            [BatchNorm(Features = 3)]
            class {|NG0001:Hidden|}
            {
                public void Forward() { }
            }
            """, """
            using NormGen;

            [BatchNorm(Features = 3)]
            partial class Hidden
            {
                public void Forward() { }
            }
            """));
        log.WriteLine(failure.Message);
        Assert.Contains("fixed state", failure.Message, StringComparison.Ordinal);
        Assert.Contains("error NG0010", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>A use of a generated member fails to compile unless the generator emitted the layer (CS0117).</summary>
    [Fact]
    public async Task GeneratedMembersAreMissingWithoutTheFix()
    {
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => VerifyPartial.VerifyNoFixAsync("""
            using NormGen;

            [BatchNorm(Features = 3)]
            class {|NG0001:Hidden|} { }

            static class Use
            {
                public static int Width => Hidden.Features;
            }
            """));
        log.WriteLine(failure.Message);
        Assert.Contains("CS0117", failure.Message, StringComparison.Ordinal);
    }
}
