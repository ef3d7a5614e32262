using NormGen.Generator.Diagnostics;
using NormGen.Generator.Model;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Parsing;

/// <summary>Reads [BatchNorm(...)] into a <see cref="BatchNormSpec"/>; names and defaults come from the attribute itself.</summary>
internal static class BatchNormParser
{
    private static readonly BatchNormAttribute Defaults = new();

    public static BatchNormSpec? Parse(AttributeArguments arguments, TargetType target)
    {
        int features = arguments.RequiredShape(nameof(BatchNormAttribute.Features));
        int spatial = arguments.OptionalShape(nameof(BatchNormAttribute.Spatial), Defaults.Spatial);
        arguments.CheckSampleLength("Features * Spatial", features, spatial, nameof(BatchNormAttribute.Spatial));
        ElementKind element = arguments.ElementType();
        var spec = new BatchNormSpec(
            target,
            element,
            arguments.Epsilon(Defaults.Epsilon, element),
            arguments.Boolean(nameof(BatchNormAttribute.Affine), Defaults.Affine),
            features,
            spatial,
            arguments.Momentum(Defaults.Momentum),
            arguments.Boolean(nameof(BatchNormAttribute.UnbiasedRunningVariance), Defaults.UnbiasedRunningVariance),
            arguments.EnumOption(nameof(BatchNormAttribute.RunningStats), Defaults.RunningStats),
            arguments.EnumOption(nameof(BatchNormAttribute.Activation), Defaults.Activation),
            arguments.Boolean(nameof(BatchNormAttribute.Renorm), Defaults.Renorm),
            RenormLimit(arguments, nameof(BatchNormAttribute.RenormMaxScale), Defaults.RenormMaxScale, minimum: 1, "r is clipped to [1/RenormMaxScale, RenormMaxScale], so it must be a number of at least 1, e.g. 3"),
            RenormLimit(arguments, nameof(BatchNormAttribute.RenormMaxShift), Defaults.RenormMaxShift, minimum: 0, "d is clipped to [-RenormMaxShift, RenormMaxShift], so it must be a number of at least 0, e.g. 5"),
            VirtualBatchSize(arguments, spatial));
        CheckCombinations(arguments, spec);
        return arguments.HasProblems ? null : spec;
    }

    /// <summary>r_max or d_max: a number (infinity allowed: no clipping) of at least <paramref name="minimum"/>.</summary>
    private static double RenormLimit(AttributeArguments arguments, string name, double defaultValue, double minimum, string rule)
    {
        double value = arguments.Double(name, defaultValue);
        if (!(value >= minimum))
        {
            arguments.Report(DiagnosticDescriptors.RenormLimitInvalid, arguments.LocationOf(name), name, Literals.Display(value), rule);
        }

        return value;
    }

    /// <summary>0 (off), or a ghost batch of at least two values per feature and at most the shape limit.</summary>
    private static int VirtualBatchSize(AttributeArguments arguments, int spatial)
    {
        const string Name = nameof(BatchNormAttribute.VirtualBatchSize);
        int size = arguments.Int(Name, Defaults.VirtualBatchSize);
        string? problem =
            size < 0 ? "it must be 0 (off) or a number of samples per ghost batch" :
            size > LayerLimits.MaxFeatures ? "it must be at most " + Literals.Int(LayerLimits.MaxFeatures) :
            size > 0 && (long)size * spatial < 2 ? "a ghost batch of one sample has one value per feature and no variance; use at least 2" :
            null;
        if (problem is not null)
        {
            arguments.Report(DiagnosticDescriptors.VirtualBatchSizeInvalid, arguments.LocationOf(Name), Literals.Int(size), problem);
        }

        return size;
    }

    /// <summary>Options that are valid alone but not together; each pair is reported once, on its second option.</summary>
    private static void CheckCombinations(AttributeArguments arguments, BatchNormSpec spec)
    {
        if (spec.Renorm && spec.RunningStats == RunningStatsMode.None)
        {
            arguments.Report(
                DiagnosticDescriptors.UnsupportedCombination,
                arguments.LocationOf(nameof(BatchNormAttribute.Renorm)),
                "Renorm = true",
                "RunningStats = None",
                "batch renormalization corrects the batch statistics toward the running ones, so it needs running statistics; use RunningStatsMode.Exponential or Cumulative, or remove Renorm");
        }

        if (spec.Renorm && spec.VirtualBatchSize > 0)
        {
            arguments.Report(
                DiagnosticDescriptors.UnsupportedCombination,
                arguments.LocationOf(nameof(BatchNormAttribute.VirtualBatchSize)),
                "Renorm = true",
                "VirtualBatchSize = " + Literals.Int(spec.VirtualBatchSize),
                "both are remedies for small batches and NormGen implements each on its own (PyTorch has neither, so there is no reference for the pair); choose one");
        }

        foreach (string limit in new[] { nameof(BatchNormAttribute.RenormMaxScale), nameof(BatchNormAttribute.RenormMaxShift) })
        {
            if (!spec.Renorm && arguments.Has(limit))
            {
                arguments.Report(
                    DiagnosticDescriptors.UnsupportedCombination,
                    arguments.LocationOf(limit),
                    limit,
                    "Renorm = false",
                    "it only applies to batch renormalization, so it would be ignored; set Renorm = true or remove it");
            }
        }
    }
}
