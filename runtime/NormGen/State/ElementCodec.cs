using System;
using System.Buffers.Binary;

namespace NormGen;

/// <summary>
/// Little-endian element decoding and encoding for <see cref="NamedTensor"/>. Reads through BinaryPrimitives, so the
/// stored byte order holds on any machine; float32, float16 and bfloat16 widen to float and double exactly.
/// </summary>
internal static class ElementCodec
{
    public static void ReadSingles(TensorDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = dtype switch
            {
                TensorDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(source.Slice(i * 4)),
                TensorDType.F64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(source.Slice(i * 8)),
                TensorDType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(source.Slice(i * 2)),
                TensorDType.BF16 => BFloat16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(i * 2))),
                _ => throw new InvalidOperationException($"{dtype} is not a float type."),
            };
        }
    }

    public static void ReadDoubles(TensorDType dtype, ReadOnlySpan<byte> source, Span<double> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = dtype switch
            {
                TensorDType.F64 => BinaryPrimitives.ReadDoubleLittleEndian(source.Slice(i * 8)),
                TensorDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(source.Slice(i * 4)),
                TensorDType.F16 => (double)BinaryPrimitives.ReadHalfLittleEndian(source.Slice(i * 2)),
                TensorDType.BF16 => BFloat16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(i * 2))),
                _ => throw new InvalidOperationException($"{dtype} is not a float type."),
            };
        }
    }

    public static long ReadInt64(TensorDType dtype, ReadOnlySpan<byte> source) => dtype switch
    {
        TensorDType.I64 => BinaryPrimitives.ReadInt64LittleEndian(source),
        TensorDType.I32 => BinaryPrimitives.ReadInt32LittleEndian(source),
        _ => throw new InvalidOperationException($"{dtype} is not an integer type a count is read from."),
    };

    public static void WriteSingles(ReadOnlySpan<float> values, Span<byte> destination)
    {
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination.Slice(i * 4), values[i]);
        }
    }

    public static void WriteDoubles(ReadOnlySpan<double> values, Span<byte> destination)
    {
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(destination.Slice(i * 8), values[i]);
        }
    }

    public static void WriteInt64(long value, Span<byte> destination) => BinaryPrimitives.WriteInt64LittleEndian(destination, value);

    /// <summary>bfloat16 is the upper half of a float32's bits, so widening is a shift.</summary>
    public static float BFloat16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);
}
