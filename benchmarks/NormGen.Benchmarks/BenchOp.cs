using System;

namespace NormGen.Benchmarks;

/// <summary>The operations timed per case.</summary>
public enum BenchOp
{
    /// <summary>Forward with <c>Training = true</c> (batch statistics; batch norm also updates running statistics).</summary>
    TrainForward,

    /// <summary>Backward, repeated after one training Forward on the same x.</summary>
    Backward,

    /// <summary>A training Forward followed by a Backward, per call.</summary>
    ForwardBackward,

    /// <summary>Forward with <c>Training = false</c> (batch norm: running statistics).</summary>
    Inference,
}

/// <summary>Names of <see cref="BenchOp"/> values in the worker protocol and the JSON.</summary>
public static class BenchOps
{
    /// <summary>Every operation, in report order.</summary>
    public static readonly BenchOp[] All = [BenchOp.TrainForward, BenchOp.Backward, BenchOp.ForwardBackward, BenchOp.Inference];

    /// <summary>The protocol name: train_forward, backward, forward_backward or inference.</summary>
    public static string Id(this BenchOp op) => op switch
    {
        BenchOp.TrainForward => "train_forward",
        BenchOp.Backward => "backward",
        BenchOp.ForwardBackward => "forward_backward",
        BenchOp.Inference => "inference",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown operation."),
    };
}
