using NormGen;

namespace NormGenConsumer;

// Compiled only when the packed generator emits layer norm (the package test checks that first).

/// <summary>LayerNorm over 4 features, float.</summary>
[LayerNorm(Features = 4)]
public partial class LnFloat { }
