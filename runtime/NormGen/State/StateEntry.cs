using System;

namespace NormGen;

/// <summary>
/// One key a <see cref="StateMap"/> binds: where its values live, the shape it must have, how to capture it and how to
/// load it. Loading is two-phase: <see cref="Check"/> every entry, then <see cref="Prepare"/> decodes into new
/// storage and returns the assignment, so a file that fits nothing is never half-applied.
/// </summary>
internal abstract class StateEntry
{
    protected StateEntry(string key, string owner, string member, long[] shape)
    {
        Key = key;
        Owner = owner;
        Member = member;
        Shape = shape;
    }

    /// <summary>The tensor name, e.g. <c>features.1.running_var</c>.</summary>
    public string Key { get; }

    /// <summary>The layer (or array) the key belongs to, for messages.</summary>
    public string Owner { get; }

    /// <summary>The member the key maps to, e.g. RunningVariance.</summary>
    public string Member { get; }

    /// <summary>The shape the stored tensor must have.</summary>
    public long[] Shape { get; }

    /// <summary>The current values as a tensor in the target's own element type.</summary>
    public abstract NamedTensor Capture();

    /// <summary>Why <paramref name="tensor"/> cannot be loaded here, or null if it can.</summary>
    public abstract string? Check(NamedTensor tensor);

    /// <summary>Decodes a checked tensor into new storage; the returned action assigns it and cannot fail.</summary>
    public abstract Action Prepare(NamedTensor tensor);

    /// <summary>What the key loads into: <c>Layer.Member</c>, or "array" for a plain array.</summary>
    public string Target => Member.Length == 0 ? Owner : Owner + "." + Member;

    /// <summary>Prefix of every problem line: layer, member and key.</summary>
    protected string Where => $"{Target} (key '{Key}')";

    /// <summary>The shape check every entry shares.</summary>
    protected string? CheckShape(NamedTensor tensor) =>
        tensor.HasShape(Shape)
            ? null
            : $"{Where}: expected shape {NamedTensor.FormatShape(Shape)} ({CountOf(Shape)} elements), got {tensor.ShapeText} ({tensor.ElementCount} elements).";

    private static long CountOf(long[] shape)
    {
        long count = 1;
        foreach (long d in shape)
        {
            count *= d;
        }

        return count;
    }
}

/// <summary>A float or double array: a layer's Gamma, Beta, RunningMean or RunningVariance, or a raw array.</summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class ArrayEntry<T> : StateEntry
    where T : unmanaged
{
    private readonly T[] _target;

    public ArrayEntry(string key, string owner, string member, long[] shape, T[] target)
        : base(key, owner, member, shape)
    {
        _target = target;
    }

    public override NamedTensor Capture() =>
        typeof(T) == typeof(float)
            ? NamedTensor.FromSingles(Key, (float[])(object)_target, Shape)
            : NamedTensor.FromDoubles(Key, (double[])(object)_target, Shape);

    public override string? Check(NamedTensor tensor)
    {
        if (!TensorDTypes.IsLoadableFloat(tensor.DType))
        {
            return $"{Where}: dtype {TensorDTypes.SafetensorsName(tensor.DType)} cannot be loaded into {(typeof(T) == typeof(float) ? "float" : "double")} values; expected F32, F64, F16 or BF16.";
        }

        return CheckShape(tensor);
    }

    public override Action Prepare(NamedTensor tensor)
    {
        var values = new T[_target.Length];
        if (typeof(T) == typeof(float))
        {
            tensor.CopyTo((float[])(object)values);
        }
        else
        {
            tensor.CopyTo((double[])(object)values);
        }

        return () => values.AsSpan().CopyTo(_target);
    }
}

/// <summary>A batch-norm layer's BatchesTracked: an I64 (or I32) scalar, non-negative.</summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class CountEntry<T> : StateEntry
    where T : unmanaged
{
    private readonly IBatchNormLayer<T> _layer;

    public CountEntry(string key, IBatchNormLayer<T> layer)
        : base(key, layer.Name, nameof(IBatchNormLayer<T>.BatchesTracked), Array.Empty<long>())
    {
        _layer = layer;
    }

    public override NamedTensor Capture() => NamedTensor.FromInt64Scalar(Key, _layer.BatchesTracked);

    public override string? Check(NamedTensor tensor)
    {
        if (!TensorDTypes.IsLoadableCount(tensor.DType))
        {
            return $"{Where}: dtype {TensorDTypes.SafetensorsName(tensor.DType)} cannot be loaded into a batch count; expected I64 (or I32).";
        }

        if (CheckShape(tensor) is string shapeProblem)
        {
            return shapeProblem;
        }

        long value = tensor.ToInt64Scalar();
        return value < 0 ? $"{Where}: the batch count must be non-negative; got {value}." : null;
    }

    public override Action Prepare(NamedTensor tensor)
    {
        long value = tensor.ToInt64Scalar();
        return () => _layer.BatchesTracked = value;
    }
}
