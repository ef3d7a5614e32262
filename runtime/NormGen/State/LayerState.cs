using System;

namespace NormGen;

/// <summary>
/// Saves and loads one generated layer's state: its learnable parameters, running statistics and batch count, under a
/// prefix, with PyTorch's or Keras's names. For a model of several layers (and plain arrays) use <see cref="StateMap"/>.
/// </summary>
public static class LayerState
{
    /// <summary>The layer's current state as tensors (copies) in its own element type: F32 for float, F64 for double.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="layer">The layer.</param>
    /// <param name="prefix">Its path, e.g. <c>features.1</c>; empty for bare names (<c>weight</c>, <c>bias</c>, ...).</param>
    /// <param name="naming">Key names; null means <see cref="StateNaming.PyTorch"/>.</param>
    /// <exception cref="ArgumentException">T is not float or double.</exception>
    public static TensorSet Capture<T>(INormalizationLayer<T> layer, string prefix = "", StateNaming? naming = null)
        where T : unmanaged =>
        new StateMap(naming).Add(prefix, layer).Capture();

    /// <summary>
    /// Loads the layer's state from <paramref name="tensors"/>, checking every key first (present, float or count
    /// element type, exact shape, non-negative count); nothing changes unless everything fits. With
    /// <paramref name="strict"/>, a tensor under <paramref name="prefix"/> that the layer does not have is an error
    /// (with an empty prefix: any tensor it does not have), as PyTorch's <c>load_state_dict(strict=True)</c> on that
    /// module; tensors under other prefixes are always ignored, so one layer loads out of a whole model's file.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="layer">The layer to load into.</param>
    /// <param name="tensors">The tensors, e.g. from <see cref="Safetensors.ReadFile"/>.</param>
    /// <param name="prefix">The layer's path in the file, e.g. <c>features.1</c>; empty for bare names.</param>
    /// <param name="naming">Key names; null means <see cref="StateNaming.PyTorch"/>.</param>
    /// <param name="strict">Reject unexpected tensors under the prefix (default), or ignore them.</param>
    /// <exception cref="StateMismatchException">Anything does not fit; the message names the layer, each key, the expected and the actual value.</exception>
    /// <exception cref="ArgumentException">T is not float or double.</exception>
    public static void Load<T>(INormalizationLayer<T> layer, TensorSet tensors, string prefix = "", StateNaming? naming = null, bool strict = true)
        where T : unmanaged =>
        new StateMap(naming).Add(prefix, layer).LoadScoped(
            tensors, strict ? StateMap.UnexpectedScope.UnderPrefix : StateMap.UnexpectedScope.Nothing, prefix);
}
