using System.Linq;
using Xunit;

namespace NormGen.Tests.Parity;

/// <summary>Keeps the fixtures and the layer catalog in step, so no case or layer drops out silently.</summary>
public sealed class ParityCoverageTests
{
    /// <summary>Every fixture case has a layer and every layer has a fixture case.</summary>
    [Fact]
    public void Every_fixture_case_has_a_layer_and_every_layer_a_case()
    {
        var names = ParityFixture.Kinds.SelectMany(ParityFixture.Load).Select(c => c.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Empty(names.Except(ParityLayers.Factories.Keys));
        Assert.Empty(ParityLayers.Factories.Keys.Except(names));
    }

    /// <summary>The fixtures cover both element types and every batch-norm running-statistics mode.</summary>
    [Fact]
    public void Fixtures_cover_both_element_types_and_every_running_stats_mode()
    {
        foreach (var kind in ParityFixture.Kinds)
        {
            var cases = ParityFixture.Load(kind);
            Assert.Contains(cases, c => c.IsFloat32);
            Assert.Contains(cases, c => !c.IsFloat32);
            Assert.All(cases, c => Assert.Equal(5, c.Steps.Count));
        }

        var modes = ParityFixture.Load("batchnorm1d").Select(c => c.Mode ?? "").Distinct().Order().ToArray();
        Assert.Equal(new[] { "cumulative", "exponential", "none" }, modes);
    }
}
