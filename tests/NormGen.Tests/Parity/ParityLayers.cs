using System;
using System.Collections.Generic;

// The layers the PyTorch parity tests run, one per fixture case. Generated layers are compile-time shapes,
// so each configuration is its own class; attribute arguments left at their defaults are meant to match
// PyTorch's defaults (Momentum 0.9 = torch momentum 0.1, Epsilon 1e-5, Affine, Exponential running stats).
// Class names are the case names in PascalCase (batch size included, though the layer does not depend on it).
namespace NormGen.Tests.Parity;

// BatchNorm1d (batch, features): Fixtures/pytorch/batchnorm1d.json.

[BatchNorm(Features = 1)]
public partial class Bn1dF1N2M09F32 { }

[BatchNorm(Features = 1, ElementType = typeof(double))]
public partial class Bn1dF1N2M09F64 { }

[BatchNorm(Features = 3, Momentum = 0.7)]
public partial class Bn1dF3N3M07F32 { }

[BatchNorm(Features = 3, Momentum = 0.7, ElementType = typeof(double))]
public partial class Bn1dF3N3M07F64 { }

[BatchNorm(Features = 5, RunningStats = RunningStatsMode.Cumulative)]
public partial class Bn1dF5N8CumulativeF32 { }

[BatchNorm(Features = 5, ElementType = typeof(double), RunningStats = RunningStatsMode.Cumulative)]
public partial class Bn1dF5N8CumulativeF64 { }

[BatchNorm(Features = 17, RunningStats = RunningStatsMode.None)]
public partial class Bn1dF17N3NostatsF32 { }

[BatchNorm(Features = 17, ElementType = typeof(double), RunningStats = RunningStatsMode.None)]
public partial class Bn1dF17N3NostatsF64 { }

[BatchNorm(Features = 5, Affine = false)]
public partial class Bn1dF5N8NoaffineF32 { }

[BatchNorm(Features = 5, ElementType = typeof(double), Affine = false)]
public partial class Bn1dF5N8NoaffineF64 { }

[BatchNorm(Features = 17, Activation = Activation.Relu)]
public partial class Bn1dF17N8ReluF32 { }

[BatchNorm(Features = 17, ElementType = typeof(double), Activation = Activation.Relu)]
public partial class Bn1dF17N8ReluF64 { }

[BatchNorm(Features = 128, Epsilon = 1e-3)]
public partial class Bn1dF128N3Eps1e3F32 { }

[BatchNorm(Features = 128, Epsilon = 1e-3, ElementType = typeof(double))]
public partial class Bn1dF128N3Eps1e3F64 { }

[BatchNorm(Features = 3, Momentum = 0.7, Affine = false, Activation = Activation.Relu)]
public partial class Bn1dF3N2NoaffineReluM07F32 { }

[BatchNorm(Features = 3, Momentum = 0.7, ElementType = typeof(double), Affine = false, Activation = Activation.Relu)]
public partial class Bn1dF3N2NoaffineReluM07F64 { }


// BatchNorm2d (batch, channels, H*W): Fixtures/pytorch/batchnorm2d.json.

[BatchNorm(Features = 3, Spatial = 6)]
public partial class Bn2dC3S2x3N2M09F32 { }

[BatchNorm(Features = 3, Spatial = 6, ElementType = typeof(double))]
public partial class Bn2dC3S2x3N2M09F64 { }

[BatchNorm(Features = 5, Spatial = 9, Momentum = 0.7, Activation = Activation.Relu)]
public partial class Bn2dC5S3x3N3M07ReluF32 { }

[BatchNorm(Features = 5, Spatial = 9, Momentum = 0.7, ElementType = typeof(double), Activation = Activation.Relu)]
public partial class Bn2dC5S3x3N3M07ReluF64 { }

[BatchNorm(Features = 1, Spatial = 5, RunningStats = RunningStatsMode.Cumulative)]
public partial class Bn2dC1S1x5N8CumulativeF32 { }

[BatchNorm(Features = 1, Spatial = 5, ElementType = typeof(double), RunningStats = RunningStatsMode.Cumulative)]
public partial class Bn2dC1S1x5N8CumulativeF64 { }

[BatchNorm(Features = 4, Spatial = 4, RunningStats = RunningStatsMode.None)]
public partial class Bn2dC4S2x2N2NostatsF32 { }

[BatchNorm(Features = 4, Spatial = 4, ElementType = typeof(double), RunningStats = RunningStatsMode.None)]
public partial class Bn2dC4S2x2N2NostatsF64 { }

[BatchNorm(Features = 3, Spatial = 3, Epsilon = 1e-3, Affine = false)]
public partial class Bn2dC3S3x1N3NoaffineEps1e3F32 { }

[BatchNorm(Features = 3, Spatial = 3, Epsilon = 1e-3, ElementType = typeof(double), Affine = false)]
public partial class Bn2dC3S3x1N3NoaffineEps1e3F64 { }


// LayerNorm over the last dimension: Fixtures/pytorch/layernorm.json.

[LayerNorm(Features = 1)]
public partial class LnF1N2F32 { }

[LayerNorm(Features = 1, ElementType = typeof(double))]
public partial class LnF1N2F64 { }

[LayerNorm(Features = 3)]
public partial class LnF3N2F32 { }

[LayerNorm(Features = 3, ElementType = typeof(double))]
public partial class LnF3N2F64 { }

[LayerNorm(Features = 5, Affine = false)]
public partial class LnF5N8NoaffineF32 { }

[LayerNorm(Features = 5, ElementType = typeof(double), Affine = false)]
public partial class LnF5N8NoaffineF64 { }

[LayerNorm(Features = 17, Activation = Activation.Relu)]
public partial class LnF17N3ReluF32 { }

[LayerNorm(Features = 17, ElementType = typeof(double), Activation = Activation.Relu)]
public partial class LnF17N3ReluF64 { }

[LayerNorm(Features = 128, Epsilon = 1e-3)]
public partial class LnF128N3Eps1e3F32 { }

[LayerNorm(Features = 128, Epsilon = 1e-3, ElementType = typeof(double))]
public partial class LnF128N3Eps1e3F64 { }


// RMSNorm over the last dimension: Fixtures/pytorch/rmsnorm.json.

[RmsNorm(Features = 1)]
public partial class RmsF1N2F32 { }

[RmsNorm(Features = 1, ElementType = typeof(double))]
public partial class RmsF1N2F64 { }

[RmsNorm(Features = 5)]
public partial class RmsF5N3F32 { }

[RmsNorm(Features = 5, ElementType = typeof(double))]
public partial class RmsF5N3F64 { }

[RmsNorm(Features = 17, Affine = false)]
public partial class RmsF17N8NoaffineF32 { }

[RmsNorm(Features = 17, ElementType = typeof(double), Affine = false)]
public partial class RmsF17N8NoaffineF64 { }

[RmsNorm(Features = 128, Epsilon = 1e-3)]
public partial class RmsF128N3Eps1e3F32 { }

[RmsNorm(Features = 128, Epsilon = 1e-3, ElementType = typeof(double))]
public partial class RmsF128N3Eps1e3F64 { }


// GroupNorm (batch, channels, spatial): Fixtures/pytorch/groupnorm.json.

[GroupNorm(Groups = 1, Channels = 3, Spatial = 4)]
public partial class GnG1C3S4N2F32 { }

[GroupNorm(Groups = 1, Channels = 3, Spatial = 4, ElementType = typeof(double))]
public partial class GnG1C3S4N2F64 { }

[GroupNorm(Groups = 2, Channels = 4, Spatial = 5)]
public partial class GnG2C4S5N3F32 { }

[GroupNorm(Groups = 2, Channels = 4, Spatial = 5, ElementType = typeof(double))]
public partial class GnG2C4S5N3F64 { }

[GroupNorm(Groups = 3, Channels = 6, Affine = false)]
public partial class GnG3C6S1N8NoaffineF32 { }

[GroupNorm(Groups = 3, Channels = 6, ElementType = typeof(double), Affine = false)]
public partial class GnG3C6S1N8NoaffineF64 { }

[GroupNorm(Groups = 4, Channels = 8, Spatial = 9, Epsilon = 1e-3)]
public partial class GnG4C8S9N2Eps1e3F32 { }

[GroupNorm(Groups = 4, Channels = 8, Spatial = 9, Epsilon = 1e-3, ElementType = typeof(double))]
public partial class GnG4C8S9N2Eps1e3F64 { }

[GroupNorm(Groups = 1, Channels = 17, Spatial = 3)]
public partial class GnG1C17S3N3F32 { }

[GroupNorm(Groups = 1, Channels = 17, Spatial = 3, ElementType = typeof(double))]
public partial class GnG1C17S3N3F64 { }


// InstanceNorm: group norm with one channel per group: Fixtures/pytorch/instancenorm.json.

[InstanceNorm(Channels = 3, Spatial = 4)]
public partial class InC3S4N2F32 { }

[InstanceNorm(Channels = 3, Spatial = 4, ElementType = typeof(double))]
public partial class InC3S4N2F64 { }

[InstanceNorm(Channels = 5, Spatial = 9, Affine = false)]
public partial class InC5S9N3NoaffineF32 { }

[InstanceNorm(Channels = 5, Spatial = 9, ElementType = typeof(double), Affine = false)]
public partial class InC5S9N3NoaffineF64 { }

[InstanceNorm(Channels = 1, Spatial = 17, Epsilon = 1e-3)]
public partial class InC1S17N2Eps1e3F32 { }

[InstanceNorm(Channels = 1, Spatial = 17, Epsilon = 1e-3, ElementType = typeof(double))]
public partial class InC1S17N2Eps1e3F64 { }

[InstanceNorm(Channels = 4, Spatial = 2)]
public partial class InC4S2N8F32 { }

[InstanceNorm(Channels = 4, Spatial = 2, ElementType = typeof(double))]
public partial class InC4S2N8F64 { }

/// <summary>Case name to a new layer for that case (typed object so a kind whose generator is missing still compiles).</summary>
public static class ParityLayers
{
    /// <summary>Every parity case's layer factory, keyed by fixture case name.</summary>
    public static readonly IReadOnlyDictionary<string, Func<object>> Factories = new Dictionary<string, Func<object>>
    {
        // batchnorm1d
        ["bn1d_f1_n2_m09_f32"] = static () => new Bn1dF1N2M09F32(),
        ["bn1d_f1_n2_m09_f64"] = static () => new Bn1dF1N2M09F64(),
        ["bn1d_f3_n3_m07_f32"] = static () => new Bn1dF3N3M07F32(),
        ["bn1d_f3_n3_m07_f64"] = static () => new Bn1dF3N3M07F64(),
        ["bn1d_f5_n8_cumulative_f32"] = static () => new Bn1dF5N8CumulativeF32(),
        ["bn1d_f5_n8_cumulative_f64"] = static () => new Bn1dF5N8CumulativeF64(),
        ["bn1d_f17_n3_nostats_f32"] = static () => new Bn1dF17N3NostatsF32(),
        ["bn1d_f17_n3_nostats_f64"] = static () => new Bn1dF17N3NostatsF64(),
        ["bn1d_f5_n8_noaffine_f32"] = static () => new Bn1dF5N8NoaffineF32(),
        ["bn1d_f5_n8_noaffine_f64"] = static () => new Bn1dF5N8NoaffineF64(),
        ["bn1d_f17_n8_relu_f32"] = static () => new Bn1dF17N8ReluF32(),
        ["bn1d_f17_n8_relu_f64"] = static () => new Bn1dF17N8ReluF64(),
        ["bn1d_f128_n3_eps1e3_f32"] = static () => new Bn1dF128N3Eps1e3F32(),
        ["bn1d_f128_n3_eps1e3_f64"] = static () => new Bn1dF128N3Eps1e3F64(),
        ["bn1d_f3_n2_noaffine_relu_m07_f32"] = static () => new Bn1dF3N2NoaffineReluM07F32(),
        ["bn1d_f3_n2_noaffine_relu_m07_f64"] = static () => new Bn1dF3N2NoaffineReluM07F64(),
        // batchnorm2d
        ["bn2d_c3_s2x3_n2_m09_f32"] = static () => new Bn2dC3S2x3N2M09F32(),
        ["bn2d_c3_s2x3_n2_m09_f64"] = static () => new Bn2dC3S2x3N2M09F64(),
        ["bn2d_c5_s3x3_n3_m07_relu_f32"] = static () => new Bn2dC5S3x3N3M07ReluF32(),
        ["bn2d_c5_s3x3_n3_m07_relu_f64"] = static () => new Bn2dC5S3x3N3M07ReluF64(),
        ["bn2d_c1_s1x5_n8_cumulative_f32"] = static () => new Bn2dC1S1x5N8CumulativeF32(),
        ["bn2d_c1_s1x5_n8_cumulative_f64"] = static () => new Bn2dC1S1x5N8CumulativeF64(),
        ["bn2d_c4_s2x2_n2_nostats_f32"] = static () => new Bn2dC4S2x2N2NostatsF32(),
        ["bn2d_c4_s2x2_n2_nostats_f64"] = static () => new Bn2dC4S2x2N2NostatsF64(),
        ["bn2d_c3_s3x1_n3_noaffine_eps1e3_f32"] = static () => new Bn2dC3S3x1N3NoaffineEps1e3F32(),
        ["bn2d_c3_s3x1_n3_noaffine_eps1e3_f64"] = static () => new Bn2dC3S3x1N3NoaffineEps1e3F64(),
        // layernorm
        ["ln_f1_n2_f32"] = static () => new LnF1N2F32(),
        ["ln_f1_n2_f64"] = static () => new LnF1N2F64(),
        ["ln_f3_n2_f32"] = static () => new LnF3N2F32(),
        ["ln_f3_n2_f64"] = static () => new LnF3N2F64(),
        ["ln_f5_n8_noaffine_f32"] = static () => new LnF5N8NoaffineF32(),
        ["ln_f5_n8_noaffine_f64"] = static () => new LnF5N8NoaffineF64(),
        ["ln_f17_n3_relu_f32"] = static () => new LnF17N3ReluF32(),
        ["ln_f17_n3_relu_f64"] = static () => new LnF17N3ReluF64(),
        ["ln_f128_n3_eps1e3_f32"] = static () => new LnF128N3Eps1e3F32(),
        ["ln_f128_n3_eps1e3_f64"] = static () => new LnF128N3Eps1e3F64(),
        // rmsnorm
        ["rms_f1_n2_f32"] = static () => new RmsF1N2F32(),
        ["rms_f1_n2_f64"] = static () => new RmsF1N2F64(),
        ["rms_f5_n3_f32"] = static () => new RmsF5N3F32(),
        ["rms_f5_n3_f64"] = static () => new RmsF5N3F64(),
        ["rms_f17_n8_noaffine_f32"] = static () => new RmsF17N8NoaffineF32(),
        ["rms_f17_n8_noaffine_f64"] = static () => new RmsF17N8NoaffineF64(),
        ["rms_f128_n3_eps1e3_f32"] = static () => new RmsF128N3Eps1e3F32(),
        ["rms_f128_n3_eps1e3_f64"] = static () => new RmsF128N3Eps1e3F64(),
        // groupnorm
        ["gn_g1_c3_s4_n2_f32"] = static () => new GnG1C3S4N2F32(),
        ["gn_g1_c3_s4_n2_f64"] = static () => new GnG1C3S4N2F64(),
        ["gn_g2_c4_s5_n3_f32"] = static () => new GnG2C4S5N3F32(),
        ["gn_g2_c4_s5_n3_f64"] = static () => new GnG2C4S5N3F64(),
        ["gn_g3_c6_s1_n8_noaffine_f32"] = static () => new GnG3C6S1N8NoaffineF32(),
        ["gn_g3_c6_s1_n8_noaffine_f64"] = static () => new GnG3C6S1N8NoaffineF64(),
        ["gn_g4_c8_s9_n2_eps1e3_f32"] = static () => new GnG4C8S9N2Eps1e3F32(),
        ["gn_g4_c8_s9_n2_eps1e3_f64"] = static () => new GnG4C8S9N2Eps1e3F64(),
        ["gn_g1_c17_s3_n3_f32"] = static () => new GnG1C17S3N3F32(),
        ["gn_g1_c17_s3_n3_f64"] = static () => new GnG1C17S3N3F64(),
        // instancenorm
        ["in_c3_s4_n2_f32"] = static () => new InC3S4N2F32(),
        ["in_c3_s4_n2_f64"] = static () => new InC3S4N2F64(),
        ["in_c5_s9_n3_noaffine_f32"] = static () => new InC5S9N3NoaffineF32(),
        ["in_c5_s9_n3_noaffine_f64"] = static () => new InC5S9N3NoaffineF64(),
        ["in_c1_s17_n2_eps1e3_f32"] = static () => new InC1S17N2Eps1e3F32(),
        ["in_c1_s17_n2_eps1e3_f64"] = static () => new InC1S17N2Eps1e3F64(),
        ["in_c4_s2_n8_f32"] = static () => new InC4S2N8F32(),
        ["in_c4_s2_n8_f64"] = static () => new InC4S2N8F64(),
    };
}
