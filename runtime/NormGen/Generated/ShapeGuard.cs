using System;
using System.Diagnostics.CodeAnalysis;

namespace NormGen.Generated;

/// <summary>
/// Length checks the generated layers run before touching any state. Messages name the layer,
/// the expected shape and the actual lengths, so a wrong span is found from the message alone.
/// </summary>
internal static class ShapeGuard
{
    /// <summary>
    /// Returns the batch size of x: its length divided by <paramref name="sampleLength"/>.
    /// </summary>
    /// <param name="layer">The layer's name.</param>
    /// <param name="shape">The expected shape as text, e.g. <c>(batch, 128)</c>.</param>
    /// <param name="sampleLength">Elements per sample.</param>
    /// <param name="xLength">The actual length of x.</param>
    /// <exception cref="ArgumentException">The length is not a positive multiple of <paramref name="sampleLength"/>.</exception>
    public static int BatchSize(string layer, string shape, int sampleLength, int xLength)
    {
        if (xLength <= 0 || xLength % sampleLength != 0)
        {
            ThrowNotMultiple(layer, shape, sampleLength, xLength);
        }

        return xLength / sampleLength;
    }

    /// <summary>Checks that span <paramref name="name"/> has the same length as x.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void SameLength(string layer, string shape, string name, int xLength, int actualLength)
    {
        if (actualLength != xLength)
        {
            ThrowLengthMismatch(layer, shape, name, xLength, actualLength);
        }
    }

    /// <summary>
    /// Checks that an output span is either the input itself (in place) or does not overlap it: a partial overlap would
    /// let the kernel read values it has already overwritten.
    /// </summary>
    /// <exception cref="ArgumentException">The spans overlap at an offset, or with different lengths.</exception>
    public static void SameOrSeparate<T>(string layer, string outputName, ReadOnlySpan<T> output, string inputName, ReadOnlySpan<T> input)
    {
        if (output.Overlaps(input, out int offset) && (offset != 0 || output.Length != input.Length))
        {
            throw new ArgumentException(
                $"{layer}: {outputName} overlaps {inputName} at an offset of {offset} elements; pass {inputName} itself as {outputName} to work in place, or separate memory.",
                outputName);
        }
    }

    /// <summary>Checks that an output span does not overlap an input at all (not even as the same span).</summary>
    /// <exception cref="ArgumentException">The spans overlap.</exception>
    public static void Separate<T>(string layer, string outputName, ReadOnlySpan<T> output, string inputName, ReadOnlySpan<T> input)
    {
        if (output.Overlaps(input, out int offset))
        {
            throw new ArgumentException(
                $"{layer}: {outputName} overlaps {inputName} (at an offset of {offset} elements); Backward reads {inputName} while it writes {outputName}, so give {outputName} memory of its own (it may be dy itself).",
                outputName);
        }
    }

    /// <summary>Checks that Backward follows a training Forward on a batch of the same size.</summary>
    /// <exception cref="InvalidOperationException">No Forward was recorded, or it saw a different batch size.</exception>
    public static void BackwardMatchesForward(string layer, int forwardBatch, int backwardBatch)
    {
        if (forwardBatch == 0)
        {
            throw new InvalidOperationException(
                $"{layer}: Backward needs a preceding training Forward (Training = true) on the same x; none was run since construction or since the last inference Forward.");
        }

        if (forwardBatch != backwardBatch)
        {
            throw new InvalidOperationException(
                $"{layer}: Backward got a batch of {backwardBatch}, but the last training Forward saw a batch of {forwardBatch}; call Forward on the same x first.");
        }
    }

    /// <summary>Training batch norm needs more than one value per feature to compute a variance.</summary>
    /// <param name="layer">The layer's name.</param>
    /// <param name="shape">The expected shape as text.</param>
    /// <param name="batch">Samples in the batch.</param>
    /// <param name="spatial">Positions per feature.</param>
    /// <param name="keepsRunningStatistics">Whether inference could use running statistics instead (not with RunningStats = None).</param>
    /// <exception cref="ArgumentException">The batch holds one value per feature.</exception>
    public static void MoreThanOneValuePerFeature(string layer, string shape, int batch, int spatial, bool keepsRunningStatistics)
    {
        if ((long)batch * spatial >= 2)
        {
            return;
        }

        string remedy = keepsRunningStatistics
            ? "Use a batch of 2 or more, or set Training = false to normalize with the running statistics."
            : "Use a batch of 2 or more: with RunningStats = None the layer normalizes with batch statistics in inference too.";
        throw new ArgumentException(
            $"{layer}: training Forward needs more than one value per feature (as PyTorch); got x of shape {shape} with batch = {batch}. {remedy}",
            "x");
    }

    [DoesNotReturn]
    private static void ThrowNotMultiple(string layer, string shape, int sampleLength, int xLength) =>
        throw new ArgumentException(
            $"{layer}: x must have shape {shape}, a positive multiple of {sampleLength} elements; got x.Length = {xLength}.",
            "x");

    [DoesNotReturn]
    private static void ThrowLengthMismatch(string layer, string shape, string name, int xLength, int actualLength) =>
        throw new ArgumentException(
            $"{layer}: {name} must have the shape of x, {shape} = {xLength} elements; got {name}.Length = {actualLength}.",
            name);
}
