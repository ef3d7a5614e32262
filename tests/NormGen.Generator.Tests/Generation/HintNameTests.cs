using System.Linq;
using NormGen.Generator.Tests.Infrastructure;

namespace NormGen.Generator.Tests.Generation;

public class HintNameTests
{
    [Fact]
    public void HintNamesAreUniqueForSameNamedAndNestedTypes()
    {
        GeneratorRun run = GeneratorHarness.Run(
            """
            using NormGen;

            [BatchNorm(Features = 2)] partial class Norm { }

            namespace A
            {
                [BatchNorm(Features = 2)] partial class Norm { }

                partial class Outer
                {
                    [BatchNorm(Features = 2)] partial class Norm { }

                    partial class Inner
                    {
                        [BatchNorm(Features = 2)] partial class Norm { }
                    }
                }
            }

            namespace B
            {
                [BatchNorm(Features = 2)] partial class Norm { }
            }
            """,
            """
            namespace A.B
            {
                [NormGen.BatchNorm(Features = 2)] partial class Norm { }
            }
            """,
            """
            namespace @class.@int
            {
                [NormGen.BatchNorm(Features = 2)] partial class @record { }
            }
            """);

        Assert.True(!run.Errors.Any(), run.Describe());
        string[] hintNames = run.GeneratedSources.Select(s => s.HintName).OrderBy(n => n, System.StringComparer.Ordinal).ToArray();
        Assert.Equal(
            new[]
            {
                "A.B.Norm.g.cs", "A.Norm.g.cs", "A.Outer+Inner+Norm.g.cs", "A.Outer+Norm.g.cs", "B.Norm.g.cs", "Norm.g.cs", "class.int.record.g.cs",
            },
            hintNames);
    }
}
