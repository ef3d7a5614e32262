namespace NormGen.Benchmarks;

/// <summary>Forward(x, y) through the public interface (training or inference, as the layer is set).</summary>
/// <param name="layer">The layer.</param>
/// <param name="x">Input.</param>
/// <param name="y">Output.</param>
public readonly struct ForwardCall(INormalizationLayer<float> layer, float[] x, float[] y) : IBenchCall
{
    /// <inheritdoc/>
    public void Invoke() => layer.Forward(x, y);
}

/// <summary>Backward(x, dy, dx) through the public interface, after a training Forward on the same x.</summary>
/// <param name="layer">The layer.</param>
/// <param name="x">Input of the last Forward.</param>
/// <param name="dy">Upstream gradient.</param>
/// <param name="dx">Input gradient (written).</param>
public readonly struct BackwardCall(INormalizationLayer<float> layer, float[] x, float[] dy, float[] dx) : IBenchCall
{
    /// <inheritdoc/>
    public void Invoke() => layer.Backward(x, dy, dx);
}

/// <summary>A training Forward then a Backward, one training step of the layer.</summary>
/// <param name="layer">The layer (Training = true).</param>
/// <param name="x">Input.</param>
/// <param name="y">Output.</param>
/// <param name="dy">Upstream gradient.</param>
/// <param name="dx">Input gradient (written).</param>
public readonly struct ForwardBackwardCall(INormalizationLayer<float> layer, float[] x, float[] y, float[] dy, float[] dx) : IBenchCall
{
    /// <inheritdoc/>
    public void Invoke()
    {
        layer.Forward(x, y);
        layer.Backward(x, dy, dx);
    }
}
