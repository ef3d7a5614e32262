using System.Collections.Generic;
using System.Linq;
using NormGen.Generator.Tests.Infrastructure;

namespace NormGen.Generator.Tests.Generation;

/// <summary>Layer 2: the whole generator on source text, one snapshot per generated file (Name#HintName.verified.cs).</summary>
public class GeneratorSnapshotTests
{
    internal static readonly Dictionary<string, string> Cases = new()
    {
        ["Generator.ReadmeExample"] = """
            using NormGen;

            namespace MyNet;

            [BatchNorm(Features = 128, Momentum = 0.9)]
            public partial class Hidden1Norm { }

            [BatchNorm(Features = 5, ElementType = typeof(double), Epsilon = 1e-5)]
            public partial class CheckNorm { }
            """,
        ["Generator.NestedInBlockNamespaces"] = """
            namespace Outer
            {
                namespace Inner
                {
                    public partial class Network
                    {
                        [NormGen.BatchNorm(Features = 3, Spatial = 4, Activation = NormGen.Activation.Relu, Momentum = 0.99)]
                        public sealed partial class ConvNorm { }
                    }
                }
            }
            """,
        ["Generator.GlobalNamespaceKeywordNames"] = """
            using NormGen;

            public partial struct @struct
            {
                [BatchNorm(Features = 2, Epsilon = 1e-3, RunningStats = RunningStatsMode.None, Affine = false)]
                internal partial class @class { }
            }
            """,
    };

    public static IEnumerable<object[]> Names() => Cases.Keys.Select(name => new object[] { name });

    [Theory]
    [MemberData(nameof(Names))]
    public void GeneratedSourcesMatchSnapshots(string name)
    {
        GeneratorRun run = GeneratorHarness.Run(Cases[name]);
        Assert.True(!run.Errors.Any(), run.Describe());
        Assert.NotEmpty(run.GeneratedSources);
        foreach ((string hintName, string text) in run.GeneratedSources)
        {
            Snapshot.Match(name + "#" + hintName.Substring(0, hintName.Length - ".cs".Length), text);
        }
    }
}
