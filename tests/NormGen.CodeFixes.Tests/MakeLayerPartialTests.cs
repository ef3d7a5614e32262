using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using NormGen.CodeFixes.Tests.Infrastructure;
using Xunit;
using Verify = NormGen.CodeFixes.Tests.Infrastructure.CodeFixVerifier<NormGen.CodeFixes.MakeLayerPartialCodeFix>;

namespace NormGen.CodeFixes.Tests;

/// <summary>NG0001: "Make 'Hidden' partial" adds the modifier where C# wants it and leaves everything else alone.</summary>
public sealed class MakeLayerPartialTests
{
    [Fact]
    public Task PlainClassBecomesPartialAndGetsItsGeneratedMembers() => Verify.VerifyAsync("""
        using NormGen;

        [BatchNorm(Features = 3)]
        class {|NG0001:Hidden|} { }

        static class Use
        {
            // Before the fix the generator skips the layer, so Features does not exist; after it, it must.
            public static int Width => Hidden.{|CS0117:Features|};
        }
        """, """
        using NormGen;

        [BatchNorm(Features = 3)]
        partial class Hidden { }

        static class Use
        {
            // Before the fix the generator skips the layer, so Features does not exist; after it, it must.
            public static int Width => Hidden.Features;
        }
        """);

    [Fact]
    public Task PartialGoesAfterTheOtherModifiersAndTriviaStays() => Verify.VerifyAsync("""
        using System;
        using NormGen;

        namespace Net
        {
            /// <summary>The first hidden layer's norm.</summary>
            [Obsolete("kept")] // an attribute before ours
            [BatchNorm(Features = 3)] // ours
            public /* why sealed */ sealed class {|NG0001:Hidden|} // the layer
            {
                // a member the user wrote
                public int Extra => 1;
            }
        }
        """, """
        using System;
        using NormGen;

        namespace Net
        {
            /// <summary>The first hidden layer's norm.</summary>
            [Obsolete("kept")] // an attribute before ours
            [BatchNorm(Features = 3)] // ours
            public /* why sealed */ sealed partial class Hidden // the layer
            {
                // a member the user wrote
                public int Extra => 1;
            }
        }
        """);

    [Fact]
    public Task ModifiersOnTheirOwnLineKeepTheirLineBreak() => Verify.VerifyAsync("""
        using NormGen;

        [LayerNorm(Features = 4)]
        internal
        class {|NG0001:Hidden|}
        {
        }
        """, """
        using NormGen;

        [LayerNorm(Features = 4)]
        internal partial
        class Hidden
        {
        }
        """);

    [Fact]
    public Task NestedLayerInAPartialType() => Verify.VerifyAsync("""
        using NormGen;

        public partial class Network
        {
            [RmsNorm(Features = 8)]
            private class {|NG0001:FinalNorm|} { }
        }
        """, """
        using NormGen;

        public partial class Network
        {
            [RmsNorm(Features = 8)]
            private partial class FinalNorm { }
        }
        """);

    /// <summary>
    /// Two declarations of the same type, neither partial (CS0101): both get 'partial', the doc comment of the one
    /// without modifiers or attributes moves onto 'partial', and the type then compiles as one partial layer.
    /// </summary>
    [Fact]
    public Task EveryDeclarationOfTheTypeBecomesPartialAcrossFiles()
    {
        var test = new Verify();
        test.TestState.Sources.Add(("Layer.cs", """
            using NormGen;

            [GroupNorm(Groups = 2, Channels = 4, Spatial = 3)]
            public class {|NG0001:Hidden|} { }
            """));
        test.TestState.Sources.Add(("Layer.Extra.cs", """
            /// <summary>More of the layer.</summary>
            class {|CS0101:Hidden|}
            {
                public int Extra => 1;
            }
            """));
        test.FixedState.Sources.Add(("Layer.cs", """
            using NormGen;

            [GroupNorm(Groups = 2, Channels = 4, Spatial = 3)]
            public partial class Hidden { }
            """));
        test.FixedState.Sources.Add(("Layer.Extra.cs", """
            /// <summary>More of the layer.</summary>
            partial class Hidden
            {
                public int Extra => 1;
            }
            """));
        return test.RunAsync();
    }

    /// <summary>
    /// Several layers in several files: the framework applies the fix one at a time and as Fix All in the document,
    /// in the project and in the solution, and every way must give the same result.
    /// </summary>
    [Fact]
    public Task FixAllInDocumentAndProject()
    {
        var test = new Verify();
        test.TestState.Sources.Add(("A.cs", """
            using NormGen;

            [BatchNorm(Features = 3)]
            public class {|NG0001:First|} { }

            [InstanceNorm(Channels = 2, Spatial = 4)]
            internal sealed class {|NG0001:Second|} { }
            """));
        test.TestState.Sources.Add(("B.cs", """
            using NormGen;

            [LayerNorm(Features = 5, ElementType = typeof(double))]
            public class {|NG0001:Third|} { }
            """));
        test.FixedState.Sources.Add(("A.cs", """
            using NormGen;

            [BatchNorm(Features = 3)]
            public partial class First { }

            [InstanceNorm(Channels = 2, Spatial = 4)]
            internal sealed partial class Second { }
            """));
        test.FixedState.Sources.Add(("B.cs", """
            using NormGen;

            [LayerNorm(Features = 5, ElementType = typeof(double))]
            public partial class Third { }
            """));
        return test.RunAsync();
    }

    [Fact]
    public Task TitleNamesTheLayer() => new Verify
    {
        TestCode = """
            using NormGen;

            [BatchNorm(Features = 3)]
            class {|NG0001:Hidden1Norm|} { }
            """,
        FixedCode = """
            using NormGen;

            [BatchNorm(Features = 3)]
            partial class Hidden1Norm { }
            """,
        CodeActionEquivalenceKey = MakeLayerPartialCodeFix.EquivalenceKey,
        CodeActionVerifier = (action, verifier) => verifier.Equal("Make 'Hidden1Norm' partial", action.Title),
    }.RunAsync();
}
