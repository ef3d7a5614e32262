using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Verify = NormGen.CodeFixes.Tests.Infrastructure.CodeFixVerifier<NormGen.CodeFixes.DeclareLayerAsClassCodeFix>;

namespace NormGen.CodeFixes.Tests;

/// <summary>NG0019: "Declare 'Hidden' as a class" for records with a class equivalent; none for positional records.</summary>
public sealed class DeclareLayerAsClassTests
{
    [Fact]
    public Task RecordBecomesClassAndGetsItsGeneratedMembers() => Verify.VerifyAsync("""
        using NormGen;

        [BatchNorm(Features = 3)]
        public partial record {|NG0019:Hidden|}
        {
            public int Extra => Hidden.{|CS0117:Features|};
        }
        """, """
        using NormGen;

        [BatchNorm(Features = 3)]
        public partial class Hidden
        {
            public int Extra => Hidden.Features;
        }
        """);

    [Fact]
    public Task RecordClassBecomesClassAndTriviaStays() => new Verify
    {
        TestCode = """
            using NormGen;

            namespace Net
            {
                /// <summary>The norm.</summary>
                [LayerNorm(Features = 4)] // ours
                internal sealed partial record /* kind */ class {|NG0019:Hidden|} : System.IDisposable // the layer
                {
                    public void Dispose() { }
                }
            }
            """,
        FixedCode = """
            using NormGen;

            namespace Net
            {
                /// <summary>The norm.</summary>
                [LayerNorm(Features = 4)] // ours
                internal sealed partial class Hidden : System.IDisposable // the layer
                {
                    public void Dispose() { }
                }
            }
            """,
        CodeActionVerifier = (action, verifier) => verifier.Equal("Declare 'Hidden' as a class", action.Title),
    }.RunAsync();

    /// <summary>A body-less record gets an empty class body: C# 11 (NormGen's minimum) has no class with a ';' body.</summary>
    [Fact]
    public Task BodylessRecordGetsBracesUnderCSharp11() => new Verify
    {
        LanguageVersion = LanguageVersion.CSharp11,
        TestCode = """
            using NormGen;

            [RmsNorm(Features = 8)]
            partial record {|NG0019:Hidden|}; // done
            [RmsNorm(Features = 2)]
            partial record class {|NG0019:Other|} : System.IDisposable { public void Dispose() { } }
            """,
        FixedCode = """
            using NormGen;

            [RmsNorm(Features = 8)]
            partial class Hidden { } // done
            [RmsNorm(Features = 2)]
            partial class Other : System.IDisposable { public void Dispose() { } }
            """,
    }.RunAsync();

    /// <summary>A record that is not partial either: the fix declares it a class, and NG0001 (its own fix) follows.</summary>
    [Fact]
    public Task NonPartialRecordBecomesClassThenReportsNG0001() => Verify.VerifyAsync("""
        using NormGen;

        [BatchNorm(Features = 3)]
        sealed record {|NG0019:Hidden|} { }
        """, """
        using NormGen;

        [BatchNorm(Features = 3)]
        sealed class {|NG0001:Hidden|} { }
        """);

    [Fact]
    public Task EveryPartialDeclarationBecomesAClassWithFixAllAcrossFiles()
    {
        var test = new Verify();
        test.TestState.Sources.Add(("Hidden.cs", """
            using NormGen;

            [BatchNorm(Features = 3)]
            public partial record {|NG0019:Hidden|};

            [GroupNorm(Groups = 1, Channels = 2)]
            public partial record {|NG0019:Grouped|} { }
            """));
        test.TestState.Sources.Add(("Hidden.More.cs", """
            public partial record class Hidden
            {
                public int Extra => 1;
            }
            """));
        test.FixedState.Sources.Add(("Hidden.cs", """
            using NormGen;

            [BatchNorm(Features = 3)]
            public partial class Hidden { }

            [GroupNorm(Groups = 1, Channels = 2)]
            public partial class Grouped { }
            """));
        test.FixedState.Sources.Add(("Hidden.More.cs", """
            public partial class Hidden
            {
                public int Extra => 1;
            }
            """));
        return test.RunAsync();
    }

    /// <summary>
    /// What NG0019 is about: code that copies the layer with 'with' stops compiling once it is a class (CS8858),
    /// instead of silently sharing every array with the copy.
    /// </summary>
    [Fact]
    public Task WithExpressionsOnTheLayerStopCompiling() => Verify.VerifyAsync("""
        using NormGen;

        [BatchNorm(Features = 3)]
        public partial record {|NG0019:Hidden|}
        {
            public Hidden Copy() => this with { };
        }
        """, """
        using NormGen;

        [BatchNorm(Features = 3)]
        public partial class Hidden
        {
            public Hidden Copy() => {|CS8858:this|} with { };
        }
        """);

    [Theory]
    [InlineData("partial record {|NG0019:Hidden|}(int Width);")]
    [InlineData("partial record class {|NG0019:Hidden|}(int Width) { }")]
    [InlineData("partial record {|NG0019:Hidden|}();")]
    public Task NoFixForAPositionalRecord(string declaration) => Verify.VerifyNoFixAsync($$"""
        using NormGen;

        [BatchNorm(Features = 3)]
        {{declaration}}
        """);

    [Fact]
    public Task NoFixWhenAnotherPartialDeclarationIsPositional() => Verify.VerifyNoFixAsync("""
        using NormGen;

        [BatchNorm(Features = 3)]
        partial record {|NG0019:Hidden|} { }

        partial record Hidden(int Width);
        """);

    /// <summary>Only records derive from records (CS8865): the layer cannot become a class and keep its base.</summary>
    [Fact]
    public Task NoFixWhenTheRecordDerivesFromARecord() => Verify.VerifyNoFixAsync("""
        using NormGen;

        record Module;

        [BatchNorm(Features = 3)]
        partial record {|NG0019:Hidden|} : Module;
        """);

    /// <summary>A record deriving from the layer would break (a record cannot derive from a class, CS8864).</summary>
    [Fact]
    public Task NoFixWhenARecordDerivesFromTheLayer() => Verify.VerifyNoFixAsync("""
        using NormGen;

        [BatchNorm(Features = 3)]
        partial record {|NG0019:Hidden|};

        record Derived : Hidden;
        """);
}
