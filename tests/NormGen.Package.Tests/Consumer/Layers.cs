using NormGen;

namespace NormGenConsumer;

// The layers a user would declare. Shapes and hyperparameters must match ConsumerCase in the package test.

/// <summary>BatchNorm1d over 3 features, float, PyTorch defaults.</summary>
[BatchNorm(Features = 3)]
public partial class BnFloat { }

/// <summary>BatchNorm1d over 2 features in double with non-default Momentum and Epsilon.</summary>
[BatchNorm(Features = 2, ElementType = typeof(double), Momentum = 0.5, Epsilon = 1e-3)]
public partial class BnDouble { }

/// <summary>BatchNorm2d-style: 2 channels of 3 spatial positions each, with a fused ReLU.</summary>
[BatchNorm(Features = 2, Spatial = 3, Activation = Activation.Relu)]
public partial class BnSpatialRelu { }
