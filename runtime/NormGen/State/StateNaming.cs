using System;

namespace NormGen;

/// <summary>
/// The key names a layer's state is stored under, and how a prefix joins them: PyTorch's <c>state_dict</c> names
/// (<see cref="PyTorch"/>) or Keras's variable names (<see cref="Keras"/>). A key is <c>prefix + Separator + name</c>,
/// or just the name when the prefix is empty.
/// </summary>
public sealed class StateNaming
{
    /// <summary>Creates a naming convention.</summary>
    /// <param name="scale">Name of <see cref="INormalizationLayer{T}.Gamma"/> when the layer also has Beta.</param>
    /// <param name="shift">Name of <see cref="INormalizationLayer{T}.Beta"/>.</param>
    /// <param name="scaleWithoutShift">Name of Gamma when the layer has no Beta (RMS norm).</param>
    /// <param name="runningMean">Name of <see cref="IBatchNormLayer{T}.RunningMean"/>.</param>
    /// <param name="runningVariance">Name of <see cref="IBatchNormLayer{T}.RunningVariance"/>.</param>
    /// <param name="batchesTracked">Name of <see cref="IBatchNormLayer{T}.BatchesTracked"/>, or null when the convention stores no count.</param>
    /// <param name="separator">Joins a prefix and a name, e.g. "." (PyTorch) or "/" (Keras variable paths).</param>
    /// <exception cref="ArgumentException">A name is null or empty, or two names are equal.</exception>
    public StateNaming(
        string scale, string shift, string scaleWithoutShift, string runningMean, string runningVariance, string? batchesTracked, string separator)
    {
        Require(scale, nameof(scale));
        Require(shift, nameof(shift));
        Require(scaleWithoutShift, nameof(scaleWithoutShift));
        Require(runningMean, nameof(runningMean));
        Require(runningVariance, nameof(runningVariance));
        Require(separator, nameof(separator));
        if (batchesTracked is not null)
        {
            Require(batchesTracked, nameof(batchesTracked));
        }

        string?[] withShift = { scale, shift, runningMean, runningVariance, batchesTracked };
        string?[] withoutShift = { scaleWithoutShift, runningMean, runningVariance, batchesTracked };
        if (HasDuplicate(withShift) || HasDuplicate(withoutShift))
        {
            throw new ArgumentException("StateNaming: two state entries of one layer would share a name.", nameof(scale));
        }

        Scale = scale;
        Shift = shift;
        ScaleWithoutShift = scaleWithoutShift;
        RunningMean = runningMean;
        RunningVariance = runningVariance;
        BatchesTracked = batchesTracked;
        Separator = separator;
    }

    /// <summary>
    /// PyTorch <c>state_dict</c> names, as <c>nn.BatchNorm1d/2d</c>, <c>nn.LayerNorm</c>, <c>nn.GroupNorm</c>,
    /// <c>nn.InstanceNorm2d(affine=True)</c> and <c>nn.RMSNorm</c> have them: <c>weight</c>, <c>bias</c>,
    /// <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c> (int64, shape <c>[]</c>); prefixes join with ".".
    /// </summary>
    public static StateNaming PyTorch { get; } =
        new("weight", "bias", "weight", "running_mean", "running_var", "num_batches_tracked", ".");

    /// <summary>
    /// Keras variable names: <c>gamma</c>, <c>beta</c>, <c>moving_mean</c>, <c>moving_variance</c> (BatchNormalization,
    /// LayerNormalization, GroupNormalization) and <c>scale</c> (RMSNormalization's only weight); no batch count.
    /// Prefixes join with "/", as Keras 3 variable paths do (<c>batch_normalization/gamma</c>).
    /// </summary>
    public static StateNaming Keras { get; } =
        new("gamma", "beta", "scale", "moving_mean", "moving_variance", null, "/");

    /// <summary>Name of Gamma when the layer also has Beta.</summary>
    public string Scale { get; }

    /// <summary>Name of Beta.</summary>
    public string Shift { get; }

    /// <summary>Name of Gamma when the layer has no Beta (RMS norm).</summary>
    public string ScaleWithoutShift { get; }

    /// <summary>Name of the running mean.</summary>
    public string RunningMean { get; }

    /// <summary>Name of the running variance.</summary>
    public string RunningVariance { get; }

    /// <summary>Name of the batch count, or null: the count is then neither saved nor loaded (BatchesTracked is left alone).</summary>
    public string? BatchesTracked { get; }

    /// <summary>Joins a prefix and a name.</summary>
    public string Separator { get; }

    /// <summary>A copy with another separator, e.g. <c>StateNaming.Keras.WithSeparator(".")</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="separator"/> is null or empty.</exception>
    public StateNaming WithSeparator(string separator) =>
        new(Scale, Shift, ScaleWithoutShift, RunningMean, RunningVariance, BatchesTracked, separator);

    /// <summary>The key of <paramref name="name"/> under <paramref name="prefix"/>.</summary>
    public string Key(string prefix, string name) => prefix.Length == 0 ? name : prefix + Separator + name;

    /// <summary>Whether <paramref name="key"/> lies under <paramref name="prefix"/> (every key does when the prefix is empty).</summary>
    public bool IsUnder(string key, string prefix) =>
        prefix.Length == 0 || (key.Length > prefix.Length + Separator.Length &&
            key.StartsWith(prefix, StringComparison.Ordinal) &&
            string.CompareOrdinal(key, prefix.Length, Separator, 0, Separator.Length) == 0);

    private static void Require(string value, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException($"StateNaming: {name} must be a non-empty string.", name);
        }
    }

    private static bool HasDuplicate(string?[] names)
    {
        for (int i = 0; i < names.Length; i++)
        {
            for (int j = i + 1; j < names.Length; j++)
            {
                if (names[i] is not null && names[i] == names[j])
                {
                    return true;
                }
            }
        }

        return false;
    }
}
