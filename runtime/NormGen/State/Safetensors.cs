using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace NormGen;

/// <summary>
/// Reads and writes the safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, a
/// UTF-8 JSON header of N bytes (<c>{"name": {"dtype": "F32", "shape": [64], "data_offsets": [begin, end]}, ...}</c>
/// with an optional <c>"__metadata__"</c> map of strings), then the tensors' raw little-endian bytes, packed.
/// Reading validates the whole file before returning anything (see <see cref="Read(Stream)"/>), so a malformed file
/// is an <see cref="InvalidDataException"/> that says what is wrong, never an out-of-range read.
/// </summary>
public static class Safetensors
{
    /// <summary>Largest header accepted, in bytes: the reference implementation's limit (100 MB).</summary>
    public const int MaxHeaderLength = 100_000_000;

    /// <summary>
    /// Reads every tensor from <paramref name="stream"/> (from its current position to its end). Rejects: a file
    /// shorter than 8 bytes; a header length above <see cref="MaxHeaderLength"/> or past the end of the file; a header
    /// that is not UTF-8 JSON object text, has duplicate keys, a non-string <c>__metadata__</c> entry, an unknown dtype,
    /// a shape or offsets that are not non-negative integers, offsets whose length differs from the shape's size,
    /// overlapping tensors, holes between them; data that ends before the last tensor or goes on after it.
    /// </summary>
    /// <param name="stream">A readable stream; seekable streams are checked against their length before reading.</param>
    /// <returns>The tensors in data order, with the metadata.</returns>
    /// <exception cref="InvalidDataException">The file is malformed; the message says how.</exception>
    /// <exception cref="IOException">Reading failed.</exception>
    public static TensorSet Read(Stream stream) => Read(stream, "stream");

    /// <summary>Reads every tensor from the file at <paramref name="path"/>; see <see cref="Read(Stream)"/>.</summary>
    /// <exception cref="InvalidDataException">The file is malformed; the message names the file and says how.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static TensorSet ReadFile(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Read(stream, "'" + path + "'");
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> and their metadata. As the reference writer does, tensors are ordered by
    /// element type (widest first) and then by name, and the header is padded with spaces to a multiple of 8 bytes.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor is named <c>__metadata__</c>.</exception>
    /// <exception cref="IOException">Writing failed.</exception>
    public static void Write(Stream stream, TensorSet tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        Write(stream, tensors.Values, tensors.Metadata);
    }

    /// <summary>Writes <paramref name="tensors"/> with optional string metadata; see <see cref="Write(Stream, TensorSet)"/>.</summary>
    /// <exception cref="ArgumentException">Two tensors share a name, or one is named <c>__metadata__</c>.</exception>
    /// <exception cref="IOException">Writing failed.</exception>
    public static void Write(Stream stream, IEnumerable<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var set = new TensorSet(tensors);
        if (set.ContainsKey(SafetensorsHeader.MetadataKey))
        {
            throw new ArgumentException($"Safetensors: a tensor cannot be named '{SafetensorsHeader.MetadataKey}'; the format reserves that key.", nameof(tensors));
        }

        List<NamedTensor> ordered = set.Values
            .OrderByDescending(t => (int)t.DType)
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        byte[] header = WriteHeader(ordered, metadata);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (NamedTensor tensor in ordered)
        {
            stream.Write(tensor.Data.Span);
        }

        stream.Flush();
    }

    /// <summary>Writes the file at <paramref name="path"/> (replacing it); see <see cref="Write(Stream, TensorSet)"/>.</summary>
    /// <exception cref="IOException">Writing failed.</exception>
    public static void WriteFile(string path, TensorSet tensors)
    {
        using FileStream stream = File.Create(path);
        Write(stream, tensors);
    }

    /// <summary>Saves one layer's state (see <see cref="LayerState.Capture{T}"/>) to the file at <paramref name="path"/>.</summary>
    /// <exception cref="IOException">Writing failed.</exception>
    public static void SaveLayer<T>(string path, INormalizationLayer<T> layer, string prefix = "", StateNaming? naming = null)
        where T : unmanaged =>
        WriteFile(path, LayerState.Capture(layer, prefix, naming));

    /// <summary>Loads one layer's state from the file at <paramref name="path"/> (see <see cref="LayerState.Load{T}"/>).</summary>
    /// <exception cref="InvalidDataException">The file is malformed (nothing changed).</exception>
    /// <exception cref="StateMismatchException">The file does not fit the layer (nothing changed).</exception>
    public static void LoadLayer<T>(string path, INormalizationLayer<T> layer, string prefix = "", StateNaming? naming = null, bool strict = true)
        where T : unmanaged =>
        LayerState.Load(layer, ReadFile(path), prefix, naming, strict);

    internal static InvalidDataException Malformed(string source, string problem) =>
        new($"safetensors {source}: {problem}");

    private static TensorSet Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> prefix = stackalloc byte[8];
        int got = stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false);
        if (got < 8)
        {
            throw Malformed(source, $"the file is {got} bytes long; it must start with an 8-byte header length.");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        long? remaining = stream.CanSeek ? stream.Length - stream.Position : null;
        if (remaining is long left && headerLength > (ulong)left)
        {
            throw Malformed(source, $"the header length is {headerLength} bytes, larger than the {left} bytes that follow it in the file.");
        }

        if (headerLength > MaxHeaderLength)
        {
            throw Malformed(source, $"the header length is {headerLength} bytes, above the limit of {MaxHeaderLength}.");
        }

        var header = new byte[(int)headerLength];
        got = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (got < header.Length)
        {
            throw Malformed(source, $"the file ends after {got} of the header's {header.Length} bytes.");
        }

        (List<SafetensorsEntry> entries, Dictionary<string, string>? metadata, long dataLength) = SafetensorsHeader.Parse(header, source);
        byte[] data = ReadData(stream, source, entries, dataLength, remaining - header.Length);
        var tensors = entries.Select(e => new NamedTensor(e.Name, e.DType, e.Shape, new ReadOnlyMemory<byte>(data, (int)e.Begin, (int)(e.End - e.Begin))));
        return new TensorSet(tensors, metadata);
    }

    // Reads exactly dataLength bytes and checks that the file ends there.
    private static byte[] ReadData(Stream stream, string source, List<SafetensorsEntry> entries, long dataLength, long? available)
    {
        if (available is long known && known < dataLength)
        {
            throw PastTheEnd(source, entries, known);
        }

        if (available is long more && more > dataLength)
        {
            throw Malformed(source, $"{more - dataLength} bytes follow the last tensor's data; the file must end where the last tensor ends (byte {dataLength} of the data section).");
        }

        if (dataLength > Array.MaxLength)
        {
            throw Malformed(source, $"the data section is {dataLength} bytes; this reader holds at most {Array.MaxLength} bytes in memory.");
        }

        // A non-seekable stream is read in pieces, so a header that claims a huge size cannot allocate it up front.
        byte[] data = available is null ? ReadGrowing(stream, (int)dataLength) : new byte[dataLength];
        if (available is not null)
        {
            int got = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (got < data.Length)
            {
                throw PastTheEnd(source, entries, got);
            }
        }
        else if (data.Length < dataLength)
        {
            throw PastTheEnd(source, entries, data.Length);
        }

        if (available is null && stream.ReadByte() >= 0)
        {
            throw Malformed(source, $"more bytes follow the last tensor's data; the file must end where the last tensor ends (byte {dataLength} of the data section).");
        }

        return data;
    }

    private static byte[] ReadGrowing(Stream stream, int length)
    {
        var buffer = new MemoryStream();
        byte[] chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            while (buffer.Length < length)
            {
                int read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, length - buffer.Length));
                if (read == 0)
                {
                    break;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    private static InvalidDataException PastTheEnd(string source, List<SafetensorsEntry> entries, long available)
    {
        SafetensorsEntry first = entries.First(e => e.End > available);
        return Malformed(source,
            $"tensor '{first.Name}' has data_offsets [{first.Begin}, {first.End}], past the end of the data section, which holds {available} bytes (truncated file, or offsets past the end).");
    }

    private static byte[] WriteHeader(List<NamedTensor> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is not null && metadata.Count > 0)
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (KeyValuePair<string, string> item in metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    json.WriteString(item.Key, item.Value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (NamedTensor tensor in ordered)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", TensorDTypes.SafetensorsName(tensor.DType));
                json.WriteStartArray("shape");
                foreach (long dimension in tensor.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += tensor.Data.Length;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        // Spaces pad the header to a multiple of 8, so every tensor's data starts 8-byte aligned in the file.
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }
}
