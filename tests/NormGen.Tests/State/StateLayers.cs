using System;
using System.Collections.Generic;

// The layers of Fixtures/state (written by Fixtures/make_state_fixtures.py), one per case, declared with the same
// configuration as the PyTorch module: NormGen Momentum = 1 - torch momentum, momentum=None is Cumulative,
// track_running_stats=False is RunningStats None. Shared with NormGen.PyTorch.Tests (linked), which loads .pt files.
namespace NormGen.Tests.State;

[BatchNorm(Features = 7, Momentum = 0.7, Epsilon = 1e-3)]
public partial class StateBn1dF32 { }

[BatchNorm(Features = 7, Momentum = 0.7, Epsilon = 1e-3, ElementType = typeof(double))]
public partial class StateBn1dF64 { }

[BatchNorm(Features = 3, Spatial = 20, Momentum = 0.95, Epsilon = 2e-5)]
public partial class StateBn2dF32 { }

[BatchNorm(Features = 5, RunningStats = RunningStatsMode.Cumulative)]
public partial class StateBn1dCumulativeF32 { }

[BatchNorm(Features = 5, RunningStats = RunningStatsMode.Cumulative, ElementType = typeof(double))]
public partial class StateBn1dCumulativeF64 { }

[BatchNorm(Features = 6, Epsilon = 1e-4, RunningStats = RunningStatsMode.None)]
public partial class StateBn1dNostatsF32 { }

[BatchNorm(Features = 4, Momentum = 0.8, Epsilon = 1e-4, Affine = false, ElementType = typeof(double))]
public partial class StateBn1dNoaffineF64 { }

[LayerNorm(Features = 16, Epsilon = 1e-6)]
public partial class StateLnF32 { }

[LayerNorm(Features = 16, Epsilon = 1e-6, ElementType = typeof(double))]
public partial class StateLnF64 { }

[GroupNorm(Groups = 2, Channels = 6, Spatial = 9, Epsilon = 1e-4, ElementType = typeof(double))]
public partial class StateGnF64 { }

[GroupNorm(Groups = 3, Channels = 6, Spatial = 4, Epsilon = 1e-3)]
public partial class StateGnF32 { }

[InstanceNorm(Channels = 4, Spatial = 6, Epsilon = 1e-3)]
public partial class StateInF32 { }

[RmsNorm(Features = 12, Epsilon = 1e-6)]
public partial class StateRmsF32 { }

[RmsNorm(Features = 12, Epsilon = 1e-6, ElementType = typeof(double))]
public partial class StateRmsF64 { }

/// <summary>A fresh layer for each fixture case name.</summary>
public static class StateLayers
{
    /// <summary>Case name to a new layer (an INormalizationLayer of float or double).</summary>
    public static readonly IReadOnlyDictionary<string, Func<object>> Factories = new Dictionary<string, Func<object>>
    {
        ["bn1d_f32"] = () => new StateBn1dF32(),
        ["bn1d_f64"] = () => new StateBn1dF64(),
        ["bn2d_f32"] = () => new StateBn2dF32(),
        ["bn1d_cumulative_f32"] = () => new StateBn1dCumulativeF32(),
        ["bn1d_cumulative_f64"] = () => new StateBn1dCumulativeF64(),
        ["bn1d_nostats_f32"] = () => new StateBn1dNostatsF32(),
        ["bn1d_noaffine_f64"] = () => new StateBn1dNoaffineF64(),
        ["ln_f32"] = () => new StateLnF32(),
        ["ln_f64"] = () => new StateLnF64(),
        ["gn_f64"] = () => new StateGnF64(),
        ["gn_f32"] = () => new StateGnF32(),
        ["in_f32"] = () => new StateInF32(),
        ["rms_f32"] = () => new StateRmsF32(),
        ["rms_f64"] = () => new StateRmsF64(),
    };
}
