using System.Collections.Generic;
using System.Linq;

namespace NormGen.Benchmarks;

/// <summary>The cases of the full run and of <c>--quick</c>. Every case needs a generated layer in <see cref="GeneratedLayers"/>.</summary>
public static class BenchCatalog
{
    /// <summary>Every case of the full run, in report order.</summary>
    public static readonly BenchCase[] All =
    [
        // Batch norm 1d: the six shapes of issue 6, plus width 1000 next to 1024 (per-element cost of a ragged width).
        new(NormKind.BatchNorm, 32, 128),
        new(NormKind.BatchNorm, 64, 128),
        new(NormKind.BatchNorm, 256, 512),
        new(NormKind.BatchNorm, 1000, 1000),
        new(NormKind.BatchNorm, 1024, 1024),
        new(NormKind.BatchNorm, 16384, 256),
        new(NormKind.BatchNorm, 65536, 128),
        new(NormKind.BatchNormSpatial, 32, 64, 28 * 28),
        new(NormKind.LayerNorm, 64, 768),
        new(NormKind.LayerNorm, 4096, 1024),
        new(NormKind.LayerNorm, 512, 4096),
        new(NormKind.RmsNorm, 64, 768),
        new(NormKind.RmsNorm, 4096, 1024),
        new(NormKind.RmsNorm, 512, 4096),
        new(NormKind.GroupNorm, 8, 64, 32 * 32, 32),
    ];

    /// <summary>One case per kind for <c>--quick</c> (development and CI smoke): small, so the run takes seconds.</summary>
    public static readonly BenchCase[] Quick =
    [
        new(NormKind.BatchNorm, 64, 128),
        new(NormKind.BatchNormSpatial, 32, 64, 28 * 28),
        new(NormKind.LayerNorm, 64, 768),
        new(NormKind.RmsNorm, 64, 768),
        new(NormKind.GroupNorm, 8, 64, 32 * 32, 32),
    ];

    /// <summary>
    /// The cases to run: <see cref="Quick"/> or <see cref="All"/>, restricted to <paramref name="kinds"/> and
    /// <paramref name="shapes"/> when they are not empty. Shapes are matched against every catalogued case (not only
    /// the quick ones), so <c>--quick --shapes 1024x1024</c> runs that shape with quick timings.
    /// </summary>
    public static List<BenchCase> Select(bool quick, IReadOnlyCollection<NormKind> kinds, IReadOnlyCollection<string> shapes)
    {
        IEnumerable<BenchCase> cases = quick && shapes.Count == 0 ? Quick : All;
        if (kinds.Count > 0)
        {
            cases = cases.Where(c => kinds.Contains(c.Kind));
        }

        if (shapes.Count > 0)
        {
            cases = cases.Where(c => shapes.Any(c.HasShape));
        }

        return cases.ToList();
    }
}
