using System.Threading.Tasks;
using Xunit;
using Verify = NormGen.CodeFixes.Tests.Infrastructure.CodeFixVerifier<NormGen.CodeFixes.MakeEnclosingTypesPartialCodeFix>;

namespace NormGen.CodeFixes.Tests;

/// <summary>NG0003 with reason "not partial": "Make 'Outer' partial"; no fix when an enclosing type is generic.</summary>
public sealed class MakeEnclosingTypesPartialTests
{
    [Fact]
    public Task NonPartialEnclosingClassBecomesPartial() => Verify.VerifyAsync("""
        using NormGen;

        internal class Network
        {
            [BatchNorm(Features = 3)]
            internal partial class {|NG0003:Hidden|} { }

            // Generated only once Network is partial.
            internal static int Width => Hidden.{|CS0117:Features|};
        }
        """, """
        using NormGen;

        internal partial class Network
        {
            [BatchNorm(Features = 3)]
            internal partial class Hidden { }

            // Generated only once Network is partial.
            internal static int Width => Hidden.Features;
        }
        """);

    /// <summary>
    /// The diagnostic names the innermost non-partial type, but making only that one partial would leave an NG0003
    /// for the next: the fix makes every enclosing type partial in one step, and says so in its title.
    /// </summary>
    [Fact]
    public Task EveryNonPartialEnclosingTypeBecomesPartialInOneStep() => new Verify
    {
        TestCode = """
            using NormGen;

            namespace Net;

            /// <summary>Outer.</summary>
            public static class Model
            {
                public partial struct Block
                {
                    /* record */ public record Stage
                    {
                        [LayerNorm(Features = 4)]
                        public partial class {|NG0003:Norm|} { }
                    }
                }
            }
            """,
        FixedCode = """
            using NormGen;

            namespace Net;

            /// <summary>Outer.</summary>
            public static partial class Model
            {
                public partial struct Block
                {
                    /* record */ public partial record Stage
                    {
                        [LayerNorm(Features = 4)]
                        public partial class Norm { }
                    }
                }
            }
            """,
        CodeActionVerifier = (action, verifier) => verifier.Equal("Make 'Model' and 'Stage' partial", action.Title),
    }.RunAsync();

    [Fact]
    public Task TitleNamesTheOneEnclosingType() => new Verify
    {
        TestCode = """
            using NormGen;

            class Outer
            {
                [BatchNorm(Features = 3)]
                partial class {|NG0003:Hidden|} { }
            }
            """,
        FixedCode = """
            using NormGen;

            partial class Outer
            {
                [BatchNorm(Features = 3)]
                partial class Hidden { }
            }
            """,
        CodeActionVerifier = (action, verifier) => verifier.Equal("Make 'Outer' partial", action.Title),
    }.RunAsync();

    /// <summary>
    /// Two layers in one non-partial type report NG0003 twice with the same edit; Fix All (document, project,
    /// solution) must apply it once, not fail on the overlap.
    /// </summary>
    [Fact]
    public Task FixAllWithTwoLayersInTheSameEnclosingType()
    {
        var test = new Verify();
        test.TestState.Sources.Add(("Network.cs", """
            using NormGen;

            public class Network
            {
                [BatchNorm(Features = 3)]
                public partial class {|NG0003:First|} { }

                [BatchNorm(Features = 5)]
                public partial class {|NG0003:Second|} { }
            }
            """));
        test.TestState.Sources.Add(("Other.cs", """
            using NormGen;

            public class Other
            {
                [RmsNorm(Features = 6)]
                public partial class {|NG0003:Third|} { }
            }
            """));
        test.FixedState.Sources.Add(("Network.cs", """
            using NormGen;

            public partial class Network
            {
                [BatchNorm(Features = 3)]
                public partial class First { }

                [BatchNorm(Features = 5)]
                public partial class Second { }
            }
            """));
        test.FixedState.Sources.Add(("Other.cs", """
            using NormGen;

            public partial class Other
            {
                [RmsNorm(Features = 6)]
                public partial class Third { }
            }
            """));
        return test.RunAsync();
    }

    [Theory]
    [InlineData("partial class Outer<T>")]
    [InlineData("class Outer<T>")]
    public Task NoFixWhenTheEnclosingTypeIsGeneric(string outer) => Verify.VerifyNoFixAsync($$"""
        using NormGen;

        internal {{outer}}
        {
            [BatchNorm(Features = 3)]
            internal partial class {|NG0003:Hidden|} { }
        }
        """);

    /// <summary>Middle is not partial, but Outer is generic: making Middle partial would still leave NG0003.</summary>
    [Fact]
    public Task NoFixWhenAFurtherEnclosingTypeIsGeneric() => Verify.VerifyNoFixAsync("""
        using NormGen;

        internal partial class Outer<T>
        {
            internal class Middle
            {
                [BatchNorm(Features = 3)]
                internal partial class {|NG0003:Hidden|} { }
            }
        }
        """);
}
