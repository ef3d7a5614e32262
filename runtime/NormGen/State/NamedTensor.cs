using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;

namespace NormGen;

/// <summary>
/// One stored tensor: a name (e.g. <c>features.1.running_mean</c>), an element type, a row-major shape and the raw
/// little-endian bytes of its elements, as safetensors and PyTorch checkpoints hold them. Shared by every file format;
/// <see cref="StateMap"/> binds named tensors to layers.
/// </summary>
public sealed class NamedTensor
{
    private readonly long[] _shape;

    /// <summary>Creates a tensor over <paramref name="data"/> (not copied: do not change it afterwards).</summary>
    /// <param name="name">The key, e.g. <c>bn1.weight</c>.</param>
    /// <param name="dtype">Element type of <paramref name="data"/>.</param>
    /// <param name="shape">Dimensions, outermost first; empty for a scalar (one element). Each is non-negative.</param>
    /// <param name="data">Elements in row-major order, little-endian; exactly element count * element size bytes.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException">A dimension is negative, the element count overflows, or the data length does not match.</exception>
    public NamedTensor(string name, TensorDType dtype, ReadOnlySpan<long> shape, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        _shape = shape.ToArray();
        long count = CountElements(name, _shape);
        int size = TensorDTypes.SizeOf(dtype);
        if (count > long.MaxValue / size || count * size != data.Length)
        {
            throw new ArgumentException(
                $"NamedTensor '{name}': a {TensorDTypes.SafetensorsName(dtype)} tensor of shape {FormatShape(_shape)} needs {count} * {size} bytes; got {data.Length}.",
                nameof(data));
        }

        Name = name;
        DType = dtype;
        ElementCount = count;
        Data = data;
        Shape = new ReadOnlyCollection<long>(_shape);
    }

    /// <summary>The key.</summary>
    public string Name { get; }

    /// <summary>The element type of <see cref="Data"/>.</summary>
    public TensorDType DType { get; }

    /// <summary>Dimensions, outermost first; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The elements, row-major, little-endian.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The shape as text, e.g. <c>[64]</c>, <c>[3, 4]</c> or <c>[]</c> for a scalar.</summary>
    public string ShapeText => FormatShape(_shape);

    /// <summary>A float32 tensor holding a copy of <paramref name="values"/>.</summary>
    /// <param name="name">The key.</param>
    /// <param name="values">The elements, row-major.</param>
    /// <param name="shape">Dimensions; null means one dimension of <c>values.Length</c>.</param>
    /// <exception cref="ArgumentException">The shape's element count differs from <c>values.Length</c>.</exception>
    public static NamedTensor FromSingles(string name, ReadOnlySpan<float> values, long[]? shape = null)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        ElementCodec.WriteSingles(values, bytes);
        return new NamedTensor(name, TensorDType.F32, shape ?? new long[] { values.Length }, bytes);
    }

    /// <summary>A float64 tensor holding a copy of <paramref name="values"/>.</summary>
    /// <param name="name">The key.</param>
    /// <param name="values">The elements, row-major.</param>
    /// <param name="shape">Dimensions; null means one dimension of <c>values.Length</c>.</param>
    /// <exception cref="ArgumentException">The shape's element count differs from <c>values.Length</c>.</exception>
    public static NamedTensor FromDoubles(string name, ReadOnlySpan<double> values, long[]? shape = null)
    {
        var bytes = new byte[values.Length * sizeof(double)];
        ElementCodec.WriteDoubles(values, bytes);
        return new NamedTensor(name, TensorDType.F64, shape ?? new long[] { values.Length }, bytes);
    }

    /// <summary>An int64 scalar (shape <c>[]</c>), as PyTorch stores <c>num_batches_tracked</c>.</summary>
    public static NamedTensor FromInt64Scalar(string name, long value)
    {
        var bytes = new byte[sizeof(long)];
        ElementCodec.WriteInt64(value, bytes);
        return new NamedTensor(name, TensorDType.I64, ReadOnlySpan<long>.Empty, bytes);
    }

    /// <summary>Converts the elements to float: exact from F32, F16 and BF16, rounded to nearest from F64.</summary>
    /// <param name="destination">Exactly <see cref="ElementCount"/> elements.</param>
    /// <exception cref="InvalidOperationException">The tensor is not F16, BF16, F32 or F64.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has a different length.</exception>
    public void CopyTo(Span<float> destination)
    {
        CheckFloatDestination(destination.Length, "float");
        ElementCodec.ReadSingles(DType, Data.Span, destination);
    }

    /// <summary>Converts the elements to double (exact from every float type).</summary>
    /// <param name="destination">Exactly <see cref="ElementCount"/> elements.</param>
    /// <exception cref="InvalidOperationException">The tensor is not F16, BF16, F32 or F64.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has a different length.</exception>
    public void CopyTo(Span<double> destination)
    {
        CheckFloatDestination(destination.Length, "double");
        ElementCodec.ReadDoubles(DType, Data.Span, destination);
    }

    /// <summary>The elements as a new float array (see <see cref="CopyTo(Span{float})"/>).</summary>
    /// <exception cref="InvalidOperationException">The tensor is not F16, BF16, F32 or F64.</exception>
    public float[] ToSingleArray()
    {
        var values = new float[ElementCount];
        CopyTo(values);
        return values;
    }

    /// <summary>The elements as a new double array (see <see cref="CopyTo(Span{double})"/>).</summary>
    /// <exception cref="InvalidOperationException">The tensor is not F16, BF16, F32 or F64.</exception>
    public double[] ToDoubleArray()
    {
        var values = new double[ElementCount];
        CopyTo(values);
        return values;
    }

    /// <summary>The value of a one-element I64 or I32 tensor (any shape with one element, e.g. <c>[]</c>).</summary>
    /// <exception cref="InvalidOperationException">The tensor is not I64 or I32, or does not hold exactly one element.</exception>
    public long ToInt64Scalar()
    {
        if (!TensorDTypes.IsLoadableCount(DType) || ElementCount != 1)
        {
            throw new InvalidOperationException(
                $"NamedTensor '{Name}': expected one I64 or I32 element; it is {TensorDTypes.SafetensorsName(DType)} of shape {ShapeText}.");
        }

        return ElementCodec.ReadInt64(DType, Data.Span);
    }

    /// <summary>Formats a shape as <c>[d0, d1, ...]</c>.</summary>
    public static string FormatShape(ReadOnlySpan<long> shape)
    {
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(", ", parts) + "]";
    }

    /// <summary>Whether this tensor's shape is exactly <paramref name="shape"/>.</summary>
    public bool HasShape(ReadOnlySpan<long> shape) => shape.SequenceEqual(_shape);

    internal static string FormatShape(long[] shape) => FormatShape(new ReadOnlySpan<long>(shape));

    private void CheckFloatDestination(int length, string target)
    {
        if (!TensorDTypes.IsLoadableFloat(DType))
        {
            throw new InvalidOperationException(
                $"NamedTensor '{Name}': {TensorDTypes.SafetensorsName(DType)} elements cannot be read as {target}; expected F16, BF16, F32 or F64.");
        }

        if (length != ElementCount)
        {
            throw new ArgumentException(
                $"NamedTensor '{Name}': destination holds {length} elements; the tensor has {ElementCount} (shape {ShapeText}).",
                "destination");
        }
    }

    private static long CountElements(string name, long[] shape)
    {
        long count = 1;
        foreach (long dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"NamedTensor '{name}': shape {FormatShape(shape)} has a negative dimension.", nameof(shape));
            }

            try
            {
                count = checked(count * dimension);
            }
            catch (OverflowException)
            {
                throw new ArgumentException($"NamedTensor '{name}': the element count of shape {FormatShape(shape)} overflows.", nameof(shape));
            }
        }

        return count;
    }
}
