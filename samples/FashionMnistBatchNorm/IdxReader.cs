using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace FashionMnistBatchNorm;

/// <summary>An IDX array of unsigned bytes: its dimension sizes and its values in row-major order.</summary>
/// <param name="Dimensions">Size of each dimension, outermost first.</param>
/// <param name="Data">The values; length is the product of <paramref name="Dimensions"/>.</param>
internal sealed record IdxArray(int[] Dimensions, byte[] Data);

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or not: a big-endian int32 magic
/// number <c>0x0000TTRR</c> (TT = 0x08 for unsigned bytes, RR = rank), RR big-endian int32 dimension sizes,
/// then the bytes. Every error names the file.
/// </summary>
internal static class IdxReader
{
    /// <summary>Magic number of an image file: unsigned bytes, rank 3 (count, rows, columns).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of a label file: unsigned bytes, rank 1 (count).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads a file, which must have the given magic number.</summary>
    /// <exception cref="InvalidDataException">The file is not a complete IDX file with that magic number.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IdxArray ReadFile(string path, int expectedMagic)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path, expectedMagic);
    }

    /// <summary>Reads an IDX array from a stream; <paramref name="name"/> is used in error messages.</summary>
    /// <exception cref="InvalidDataException">The content is not a complete IDX array with that magic number.</exception>
    public static IdxArray Read(Stream stream, string name, int expectedMagic)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] bytes = ReadAllBytes(stream, name);
        if (bytes.Length < 4)
        {
            throw new InvalidDataException($"{name}: not an IDX file: {bytes.Length} bytes, too short for the 4-byte magic number.");
        }

        int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != expectedMagic)
        {
            throw new InvalidDataException(
                $"{name}: wrong magic number 0x{magic:X8}; expected 0x{expectedMagic:X8} ({Describe(expectedMagic)}).");
        }

        int rank = magic & 0xFF;
        int headerLength = 4 + (4 * rank);
        if (bytes.Length < headerLength)
        {
            throw new InvalidDataException($"{name}: truncated header: {bytes.Length} bytes, the {rank} dimension sizes need {headerLength}.");
        }

        var dimensions = new int[rank];
        long expected = 1;
        for (int d = 0; d < rank; d++)
        {
            dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * d)));
            if (dimensions[d] < 0)
            {
                throw new InvalidDataException($"{name}: dimension {d} has negative size {dimensions[d]}.");
            }

            expected *= dimensions[d];
        }

        long actual = bytes.Length - headerLength;
        if (actual != expected)
        {
            string what = actual < expected ? "truncated" : "too long";
            throw new InvalidDataException(
                $"{name}: {what}: the header announces {string.Join(" x ", dimensions)} = {expected} data bytes, the file holds {actual}.");
        }

        return new IdxArray(dimensions, bytes.AsSpan(headerLength).ToArray());
    }

    private static byte[] ReadAllBytes(Stream stream, string name)
    {
        // Peek at the first two bytes: 1F 8B starts a gzip stream, anything else is read as raw IDX.
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        byte[] raw = buffer.ToArray();
        if (raw.Length < 2 || raw[0] != 0x1F || raw[1] != 0x8B)
        {
            return raw;
        }

        try
        {
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var decompressed = new MemoryStream();
            gzip.CopyTo(decompressed);
            return decompressed.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{name}: corrupt gzip data: {e.Message}", e);
        }
    }

    private static string Describe(int magic) => magic switch
    {
        ImagesMagic => "IDX images: unsigned bytes, 3 dimensions",
        LabelsMagic => "IDX labels: unsigned bytes, 1 dimension",
        _ => "IDX",
    };
}
