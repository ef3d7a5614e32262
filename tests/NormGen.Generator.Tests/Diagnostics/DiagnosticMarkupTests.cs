using System.Threading.Tasks;
using NormGen.Generator.Tests.Infrastructure;

namespace NormGen.Generator.Tests.Diagnostics;

/// <summary>
/// One test per reachable diagnostic, in Microsoft.CodeAnalysis.Testing markup. The generator runs too, and every
/// compiler diagnostic (warnings included) must be in the markup: a test fails if a bad declaration also makes the
/// generated code or anything else fail to compile.
/// </summary>
public class DiagnosticMarkupTests
{
    [Fact]
    public Task ValidDeclarationHasNoDiagnostics() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        [BatchNorm(Features = 3, Spatial = 4, Momentum = 0, Epsilon = 1e-3, ElementType = typeof(double),
                   RunningStats = RunningStatsMode.Cumulative, Activation = Activation.Relu, Affine = false)]
        internal partial class Hidden { }
        """);

    [Fact]
    public Task NG0001_TypeNotPartial() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        [BatchNorm(Features = 3)]
        internal class {|NG0001:Hidden|} { }
        """);

    [Theory]
    [InlineData("static partial class")]
    [InlineData("abstract partial class")]
    [InlineData("abstract partial record")]
    [InlineData("file partial class")]
    public Task NG0002_UnsupportedClass(string declaration) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        [BatchNorm(Features = 3)]
        {{declaration}} {|NG0002:Hidden|} { }
        """);

    [Fact]
    public Task NG0002_GenericClass() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        [BatchNorm(Features = 3)]
        internal partial class {|NG0002:Hidden|}<T> { }
        """);

    /// <summary>On a struct, record struct or interface the compiler's CS0592 is the one error: no NG0002 beside it.</summary>
    [Theory]
    [InlineData("partial struct")]
    [InlineData("partial record struct")]
    [InlineData("partial interface")]
    public Task NonClassGetsOnlyTheCompilerError(string declaration) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        [{|CS0592:BatchNorm|}(Features = 3)]
        internal {{declaration}} Hidden { }
        """);

    [Theory]
    [InlineData("class Outer")]
    [InlineData("partial class Outer<T>")]
    [InlineData("partial struct Outer<T>")]
    public Task NG0003_UnsupportedContainingType(string outer) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        internal {{outer}}
        {
            [BatchNorm(Features = 3)]
            internal partial class {|NG0003:Hidden|} { }
        }
        """);

    [Theory]
    [InlineData("Features = 0")]
    [InlineData("Features = -5")]
    [InlineData("Features = 16777217")]
    [InlineData("Features = int.MinValue")]
    public Task NG0004_FeaturesOutOfRange(string argument) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        [BatchNorm({|NG0004:{{argument}}|})]
        internal partial class Hidden { }
        """);

    [Fact]
    public Task NG0004_SpatialOutOfRange() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        [BatchNorm(Features = 3, {|NG0004:Spatial = 0|})]
        internal partial class Hidden { }
        """);

    [Fact]
    public Task NG0005_FeaturesMissing() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        [{|NG0005:BatchNorm(Spatial = 4)|}]
        internal partial class Hidden { }
        """);

    [Fact]
    public Task NG0005_NoArgumentsAtAll() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        [{|NG0005:BatchNorm|}]
        internal partial class Hidden { }
        """);

    [Theory]
    [InlineData("Momentum = double.NaN")]
    [InlineData("Momentum = 1.5")]
    [InlineData("Momentum = -0.1")]
    [InlineData("Momentum = double.NegativeInfinity")]
    public Task NG0006_MomentumOutOfRange(string argument) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        [BatchNorm(Features = 3, {|NG0006:{{argument}}|})]
        internal partial class Hidden { }
        """);

    [Theory]
    [InlineData("Epsilon = 0")]
    [InlineData("Epsilon = -1e-5")]
    [InlineData("Epsilon = double.NaN")]
    [InlineData("Epsilon = double.PositiveInfinity")]
    [InlineData("Epsilon = 1.0 / 0.0")]
    public Task NG0007_EpsilonInvalid(string argument) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        [BatchNorm(Features = 3, {|NG0007:{{argument}}|})]
        internal partial class Hidden { }
        """);

    [Theory]
    [InlineData("typeof(int)")]
    [InlineData("typeof(decimal)")]
    [InlineData("typeof(System.Half)")]
    [InlineData("typeof(string)")]
    public Task NG0008_ElementTypeUnsupported(string type) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        [BatchNorm(Features = 3, {|NG0008:ElementType = {{type}}|})]
        internal partial class Hidden { }
        """);

    [Fact]
    public Task NG0009_TwoLayerAttributes()
    {
        return NormGenVerifier.VerifyAsync("""
            using NormGen;

            [BatchNorm(Features = 3)]
            [{|NG0009:LayerNorm(Features = 3)|}]
            internal partial class Hidden { }
            """);
    }

    [Theory]
    [InlineData("public void {|NG0010:Forward|}() { }")]
    [InlineData("public int {|NG0010:Gamma|} => 0;")]
    [InlineData("public class {|NG0010:Features|} { }")]
    [InlineData("public event System.Action? {|NG0010:Training|}; public void Raise() => Training?.Invoke();")]
    [InlineData("private int {|NG0010:__normGenCore|}; public int Next() => __normGenCore++;")]
    public Task NG0010_MemberCollision(string member) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        [BatchNorm(Features = 3)]
        internal partial class Hidden
        {
            {{member}}
        }
        """);

    /// <summary>
    /// Names the implementation uses are no longer the user's concern: it lives in a file-local class, so members named
    /// like runtime or framework types (or like the old private members) compile cleanly.
    /// </summary>
    [Theory]
    [InlineData("private int _pivot; public int Pivot() => _pivot++;")]
    [InlineData("public static int Unsafe => 1;")]
    [InlineData("public class Vector128 { }")]
    [InlineData("public static int Math => 2; public class MemoryMarshal { } public int ChunkMoments() => 3;")]
    public Task MembersNamedLikeTheImplementationAreFine(string member) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        [BatchNorm(Features = 3)]
        internal partial class Hidden
        {
            {{member}}
        }
        """);

    [Theory]
    [InlineData("partial record")]
    [InlineData("sealed partial record class")]
    public Task NG0019_RecordLayer(string declaration) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        [BatchNorm(Features = 3)]
        internal {{declaration}} {|NG0019:Hidden|} { }
        """);

    [Fact]
    public Task NG0019_PositionalRecord() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        [LayerNorm(Features = 3)]
        internal partial record {|NG0019:Hidden|}(int Width);
        """);

    [Theory]
    [InlineData("BatchNorm(Features = 3, {|NG0017:Epsilon = 1e-46|})")]
    [InlineData("GroupNorm(Groups = 1, Channels = 2, {|NG0017:Epsilon = 1e-39|})")]
    [InlineData("InstanceNorm(Channels = 2, ElementType = typeof(double), {|NG0017:Epsilon = 4.9e-324|})")]
    public Task NG0017_EpsilonNotNormal(string attribute) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        [{{attribute}}]
        internal partial class Hidden { }
        """);

    [Theory]
    [InlineData("Renorm = true, {|NG0020:RenormMaxScale = 0.99|}")]
    [InlineData("Renorm = true, {|NG0020:RenormMaxShift = -1|}")]
    [InlineData("{|NG0021:VirtualBatchSize = 16777217|}")]
    [InlineData("Spatial = 2, VirtualBatchSize = 1")]
    [InlineData("{|NG0022:Renorm = true|}, RunningStats = RunningStatsMode.None")]
    [InlineData("Renorm = true, {|NG0022:VirtualBatchSize = 8|}")]
    [InlineData("{|NG0022:RenormMaxScale = 2|}")]
    [InlineData("Renorm = true, RenormMaxScale = double.PositiveInfinity, RenormMaxShift = 0")]
    public Task SmallBatchOptions(string arguments) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        [BatchNorm(Features = 3, {{arguments}})]
        internal partial class Hidden { }
        """);

    /// <summary>1e-40 is a normal double: fine for a double layer, NG0017 only for a float one.</summary>
    [Fact]
    public Task TinyEpsilonIsFineInDouble() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        [BatchNorm(Features = 3, Epsilon = 1e-40, ElementType = typeof(double))]
        internal partial class Hidden { }
        """);

    [Fact]
    public Task NG0010_MemberInAnotherPartialDeclaration() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        [BatchNorm(Features = 3)]
        internal partial class Hidden { }

        internal partial class Hidden
        {
            public string {|NG0010:Name|} => "mine";
        }
        """);

    [Fact]
    public Task NG0011_GroupsDoNotDivideChannels()
    {
        return NormGenVerifier.VerifyAsync("""
            using NormGen;

            [GroupNorm({|NG0011:Groups = 3|}, Channels = 8)]
            internal partial class Hidden { }
            """);
    }

    [Theory]
    [InlineData("RunningStats = (RunningStatsMode)7")]
    [InlineData("Activation = (Activation)(-1)")]
    public Task NG0012_UnknownEnumValue(string argument) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        [BatchNorm(Features = 3, {|NG0012:{{argument}}|})]
        internal partial class Hidden { }
        """);

    [Fact]
    public Task NG0013_SampleTooLarge() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        [BatchNorm(Features = 65536, {|NG0013:Spatial = 65536|})]
        internal partial class Hidden { }
        """);

    [Theory]
    [InlineData("Forward")]
    [InlineData("Gamma")]
    [InlineData("RunningMean")]
    public Task NG0014_TypeNamedLikeAGeneratedMember(string name) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        [BatchNorm(Features = 3)]
        internal partial class {|NG0014:{{name}}|} { }
        """);

    /// <summary>A layer may be named like anything its implementation uses (the old NG0016 cases compile now).</summary>
    [Theory]
    [InlineData("Math")]
    [InlineData("Normalize")]
    [InlineData("Unsafe")]
    [InlineData("Vector256")]
    [InlineData("BatchNormCore")]
    public Task LayerNamedLikeTheImplementationIsFine(string name) => NormGenVerifier.VerifyAsync($$"""
        using NormGen;

        namespace Game.Layers
        {
            internal static class Array { }

            [BatchNorm(Features = 3)]
            internal partial class {{name}} { }
        }
        """);

    [Fact]
    public Task NG0015_InheritedMemberWouldBeHidden() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        internal class Module
        {
            public string Name => "module";
        }

        [BatchNorm(Features = 3)]
        internal partial class {|NG0015:Hidden|} : Module { }
        """);

    /// <summary>An inherited abstract member gets NG0015 as a virtual one does; the compiler adds only CS0534 beside it.</summary>
    [Fact]
    public Task NG0015_InheritedAbstractMember() => NormGenVerifier.VerifyAsync("""
        using System;
        using NormGen;

        internal abstract class Module
        {
            public abstract void Forward(ReadOnlySpan<float> x, Span<float> y);
        }

        [BatchNorm(Features = 3)]
        internal partial class {|NG0015:{|CS0534:Hidden|}|} : Module { }
        """);

    [Fact]
    public Task NG0015_DerivedFromAnotherLayer() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        [BatchNorm(Features = 3)]
        internal partial class First { }

        [BatchNorm(Features = 4)]
        internal partial class {|NG0015:Second|} : First { }
        """);

    /// <summary>A private base member is not hidden by a generated one of the same name, so it is fine.</summary>
    [Fact]
    public Task PrivateBaseMemberDoesNotCollide() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        internal class Module
        {
            private int _pivot;
            public int Next() => _pivot++;
        }

        [BatchNorm(Features = 3)]
        internal partial class Hidden : Module { }
        """);

    [Fact]
    public Task SeveralProblemsOnOneAttributeAreAllReported() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        [BatchNorm({|NG0004:Features = 0|}, {|NG0006:Momentum = 2|}, {|NG0007:Epsilon = 0|}, {|NG0008:ElementType = typeof(int)|})]
        internal partial class Hidden { }
        """);

    /// <summary>A wrong argument type is the compiler's error alone.</summary>
    [Fact]
    public Task WrongArgumentTypeGetsOnlyTheCompilerError() => NormGenVerifier.VerifyAsync("""
        using NormGen;

        [BatchNorm(Features = {|CS0029:"three"|}, Momentum = {|CS0029:true|})]
        internal partial class Hidden { }
        """);

    /// <summary>
    /// The test framework also re-runs every test above with the whole file under <c>#pragma warning disable</c> and
    /// expects no diagnostics then; this one shows a scoped pragma (its restore would confuse that re-run, so it is skipped here).
    /// </summary>
    [Fact]
    public Task PragmaSuppressesTheDiagnostic() => new NormGenVerifier("""
        using NormGen;

        #pragma warning disable NG0004, NG0001
        [BatchNorm(Features = 0)]
        internal class Hidden { }
        #pragma warning restore NG0004, NG0001

        [BatchNorm({|NG0004:Features = 0|})]
        internal partial class NotSuppressed { }
        """)
    {
        TestBehaviors = Microsoft.CodeAnalysis.Testing.TestBehaviors.SkipGeneratedSourcesCheck | Microsoft.CodeAnalysis.Testing.TestBehaviors.SkipSuppressionCheck,
    }.RunAsync();
}
