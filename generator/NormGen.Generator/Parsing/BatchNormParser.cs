using System.Collections.Generic;
using System.Collections.Immutable;
using NormGen.Generator.Diagnostics;
using NormGen.Generator.Model;

namespace NormGen.Generator.Parsing;

/// <summary>Reads [BatchNorm(...)] into a <see cref="BatchNormSpec"/>.</summary>
internal static class BatchNormParser
{
    public static readonly LayerKind Kind = new(
        "BatchNorm",
        TrackingNames.BatchNorm,
        ImmutableArray.CreateRange(LayerKinds.CommonMembers).AddRange(new[]
        {
            "Features", "Spatial", "Momentum", "FeatureCount", "RunningMean", "RunningVariance", "BatchesTracked",
            "ResetRunningStatistics", "BeginCollect", "EndCollect", "IsCollecting", "FoldInto", "Shape",

            // Private members: a user member with one of these names would break the generated code just the same.
            "RowsPerChunk", "ComputeBatchStatistics", "UpdateRunningStatistics", "CollectBatch", "NoRunningStatistics",
            "_pivot", "_centeredMean", "_inverseStd", "_scale", "_shift", "_forwardBatch", "_batchM2", "_chunkMean", "_chunkM2",
            "_sumDy", "_sumDyCentered", "_dyCoefficient", "_xCoefficient", "_bias",
            "_collectPivot", "_collectMean", "_collectM2", "_collectCount", "_collectBatches",
        }).AddRange(KernelMembers()),
        Parse);

    /// <summary>The per-width kernels: ChunkMoments, ChunkMoments512, ..., ChunkMomentsScalar (GeneratedMembersTests checks the list).</summary>
    private static IEnumerable<string> KernelMembers()
    {
        foreach (string kernel in new[] { "ChunkMoments", "Normalize", "BackwardSums", "BackwardInput" })
        {
            foreach (string width in new[] { "", "512", "256", "128", "Scalar" })
            {
                yield return kernel + width;
            }
        }
    }

    private static LayerSpec? Parse(AttributeArguments arguments, TargetType target)
    {
        int features = arguments.RequiredShape("Features", LayerKinds.MaxShape);
        int spatial = arguments.OptionalShape("Spatial", 1, LayerKinds.MaxShape);
        if (!arguments.HasProblems && (long)features * spatial > LayerKinds.MaxShape)
        {
            arguments.Report(
                DiagnosticDescriptors.SampleTooLarge,
                arguments.LocationOf("Spatial"),
                "Features * Spatial",
                Literals.Long((long)features * spatial),
                Literals.Int(LayerKinds.MaxShape));
        }

        var spec = new BatchNormSpec(
            target,
            arguments.ElementType(),
            arguments.Epsilon(1e-5),
            arguments.Boolean("Affine", true),
            features,
            spatial,
            arguments.Momentum(0.9),
            arguments.Boolean("UnbiasedRunningVariance", true),
            (RunningStatsKind)arguments.EnumOption("RunningStats", "RunningStatsMode", new[] { "Exponential", "Cumulative", "None" }),
            (ActivationKind)arguments.EnumOption("Activation", "Activation", new[] { "None", "Relu" }));
        return arguments.HasProblems ? null : spec;
    }
}
