using System.Collections.Generic;
using System.Linq;
using NormGen.Generator.Emitting;
using NormGen.Generator.Model;
using NormGen.Generator.Tests.Infrastructure;

namespace NormGen.Generator.Tests.Generation;

/// <summary>Layer 1: the emitter alone, from hand-built specs (no Roslyn involved).</summary>
public class EmitterSnapshotTests
{
    private static readonly TargetType Target = new(
        "Snapshots", EquatableArray<ContainingType>.Empty, "class", "Layer", "Layer", "Snapshots.Layer.g.cs");

    private static BatchNormSpec BatchNorm(
        int features,
        ElementKind element = ElementKind.Float,
        int spatial = 1,
        bool affine = true,
        Shared.RunningStatsMode runningStats = Shared.RunningStatsMode.Exponential,
        Shared.Activation activation = Shared.Activation.None) =>
        new(Target, element, 1e-5, affine, features, spatial, 0.9, true, runningStats, activation);

    /// <summary>Snapshot name to spec; the names are the file names under Snapshots/.</summary>
    internal static readonly Dictionary<string, BatchNormSpec> Cases = new()
    {
        ["Emitter.BatchNorm.Float.F1"] = BatchNorm(1),
        ["Emitter.BatchNorm.Float.F5"] = BatchNorm(5),
        ["Emitter.BatchNorm.Float.F128"] = BatchNorm(128),
        ["Emitter.BatchNorm.Float.F1000"] = BatchNorm(1000),
        ["Emitter.BatchNorm.Double.F1"] = BatchNorm(1, ElementKind.Double),
        ["Emitter.BatchNorm.Double.F5"] = BatchNorm(5, ElementKind.Double),
        ["Emitter.BatchNorm.Double.F128"] = BatchNorm(128, ElementKind.Double),
        ["Emitter.BatchNorm.Double.F1000"] = BatchNorm(1000, ElementKind.Double),
        ["Emitter.BatchNorm.Float.F16.Spatial256"] = BatchNorm(16, spatial: 256),
        ["Emitter.BatchNorm.Float.F5.Relu"] = BatchNorm(5, activation: Shared.Activation.Relu),
        ["Emitter.BatchNorm.Float.F5.NoAffine"] = BatchNorm(5, affine: false),
        ["Emitter.BatchNorm.Float.F5.RunningStatsNone"] = BatchNorm(5, runningStats: Shared.RunningStatsMode.None),
        ["Emitter.BatchNorm.Float.F5.RunningStatsCumulative"] = BatchNorm(5, runningStats: Shared.RunningStatsMode.Cumulative),
        ["Emitter.BatchNorm.Float.F5.Renorm"] = BatchNorm(5) with { Renorm = true, RenormMaxScale = 2, RenormMaxShift = 0.5 },
        ["Emitter.BatchNorm.Double.F6.Spatial3.Virtual4"] = BatchNorm(6, ElementKind.Double, spatial: 3) with { VirtualBatchSize = 4 },
    };

    public static IEnumerable<object[]> Names() => Cases.Keys.Select(name => new object[] { name });

    [Theory]
    [MemberData(nameof(Names))]
    public void BatchNormEmitterOutputMatchesSnapshot(string name) =>
        Snapshot.Match(name, Emitters.Emit(Cases[name]));

    [Fact]
    public void EmitterIsDeterministic()
    {
        BatchNormSpec spec = BatchNorm(37, ElementKind.Double, spatial: 3);
        Assert.Equal(Emitters.Emit(spec), Emitters.Emit(spec with { }));
    }
}
