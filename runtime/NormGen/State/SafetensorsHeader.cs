using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Unicode;

namespace NormGen;

/// <summary>One tensor's entry in a safetensors header: offsets are relative to the start of the data section.</summary>
internal readonly record struct SafetensorsEntry(string Name, TensorDType DType, long[] Shape, long Begin, long End);

/// <summary>
/// Parses and validates a safetensors JSON header, following the specification (huggingface/safetensors README) and
/// its reference reader's checks: a JSON object, no duplicate keys, an optional <c>__metadata__</c> map of strings,
/// and for every tensor a known dtype, a shape of non-negative integers and <c>data_offsets</c> [begin, end] whose
/// length is exactly the shape's bytes; sorted by offset, the tensors must cover the data section from 0 with no hole
/// and no overlap. Every failure is an <see cref="InvalidDataException"/> that says what is wrong.
/// </summary>
internal static class SafetensorsHeader
{
    public const string MetadataKey = "__metadata__";

    /// <summary>Parses the header; returns the entries sorted by offset and the data section's length.</summary>
    public static (List<SafetensorsEntry> Entries, Dictionary<string, string>? Metadata, long DataLength) Parse(
        ReadOnlyMemory<byte> header, string source)
    {
        if (header.Length == 0 || header.Span[0] != (byte)'{')
        {
            string start = header.Length == 0 ? "is empty" : $"starts with byte 0x{header.Span[0]:X2}";
            throw Safetensors.Malformed(source, $"the header must be a JSON object starting with '{{'; it {start}.");
        }

        // System.Text.Json checks UTF-8 only where a string is decoded; check the whole header up front instead.
        var text = new char[header.Length];
        if (Utf8.ToUtf16(header.Span, text, out int valid, out _, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            throw Safetensors.Malformed(source, $"the header is not valid UTF-8 (byte 0x{header.Span[valid]:X2} at offset {valid} of the header).");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw Safetensors.Malformed(source, $"the header is not valid JSON ({e.Message}).");
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Safetensors.Malformed(source, $"the header must be a JSON object; it is a {root.ValueKind}.");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var entries = new List<SafetensorsEntry>();
            Dictionary<string, string>? metadata = null;
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw Safetensors.Malformed(source, $"the key '{property.Name}' appears twice in the header; keys must be unique.");
                }

                if (property.Name == MetadataKey)
                {
                    metadata = ParseMetadata(property.Value, source);
                }
                else
                {
                    entries.Add(ParseEntry(property.Name, property.Value, source));
                }
            }

            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            return (entries, metadata, CheckCoverage(entries, source));
        }
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Safetensors.Malformed(source, $"'{MetadataKey}' must be an object of strings; it is a {value.ValueKind}.");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Safetensors.Malformed(source, $"'{MetadataKey}' entry '{item.Name}' must be a string; it is a {item.Value.ValueKind}.");
            }

            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw Safetensors.Malformed(source, $"'{MetadataKey}' has the key '{item.Name}' twice.");
            }
        }

        return metadata;
    }

    private static SafetensorsEntry ParseEntry(string name, JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Safetensors.Malformed(source, $"tensor '{name}': its entry must be an object with dtype, shape and data_offsets; it is a {value.ValueKind}.");
        }

        if (!value.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw Safetensors.Malformed(source, $"tensor '{name}': 'dtype' is missing or not a string.");
        }

        string dtypeName = dtypeElement.GetString()!;
        if (!TensorDTypes.TryParseSafetensorsName(dtypeName, out TensorDType dtype))
        {
            throw Safetensors.Malformed(source, $"tensor '{name}': unknown dtype '{dtypeName}'; this reader knows {TensorDTypes.KnownSafetensorsNames}.");
        }

        long[] shape = ReadIntegers(name, value, "shape", -1, source);
        long[] offsets = ReadIntegers(name, value, "data_offsets", 2, source);
        long begin = offsets[0], end = offsets[1];
        if (end < begin)
        {
            throw Safetensors.Malformed(source, $"tensor '{name}': data_offsets [{begin}, {end}] end before they begin.");
        }

        long bytes = TensorDTypes.SizeOf(dtype);
        foreach (long dimension in shape)
        {
            if (dimension != 0 && bytes > long.MaxValue / dimension)
            {
                throw Safetensors.Malformed(source, $"tensor '{name}': the size of shape {NamedTensor.FormatShape(shape)} overflows.");
            }

            bytes *= dimension;
        }

        if (end - begin != bytes)
        {
            throw Safetensors.Malformed(source,
                $"tensor '{name}': data_offsets [{begin}, {end}] hold {end - begin} bytes, but a {dtypeName} tensor of shape {NamedTensor.FormatShape(shape)} needs {bytes}.");
        }

        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(string name, JsonElement entry, string field, int requiredCount, string source)
    {
        if (!entry.TryGetProperty(field, out JsonElement array) || array.ValueKind != JsonValueKind.Array)
        {
            throw Safetensors.Malformed(source, $"tensor '{name}': '{field}' is missing or not an array.");
        }

        int count = array.GetArrayLength();
        if (requiredCount >= 0 && count != requiredCount)
        {
            throw Safetensors.Malformed(source, $"tensor '{name}': '{field}' must hold {requiredCount} integers; it holds {count}.");
        }

        var values = new long[count];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
            {
                throw Safetensors.Malformed(source, $"tensor '{name}': '{field}' must hold non-negative integers; item {i} is {item.GetRawText()}.");
            }

            values[i++] = v;
        }

        return values;
    }

    // Sorted by offset, the tensors must tile [0, last end) exactly: the reference reader's rule.
    private static long CheckCoverage(List<SafetensorsEntry> entries, string source)
    {
        long position = 0;
        string previous = "";
        foreach (SafetensorsEntry entry in entries)
        {
            if (entry.Begin < position)
            {
                throw Safetensors.Malformed(source,
                    $"tensors '{previous}' and '{entry.Name}' overlap: '{previous}' ends at byte {position} of the data section, '{entry.Name}' begins at {entry.Begin}.");
            }

            if (entry.Begin > position)
            {
                string after = previous.Length == 0 ? "the data section starts at byte 0" : $"'{previous}' ends at byte {position}";
                throw Safetensors.Malformed(source,
                    $"hole in the data section: {after}, but the next tensor '{entry.Name}' begins at {entry.Begin}; tensors must be packed without gaps.");
            }

            position = entry.End;
            previous = entry.Name;
        }

        return position;
    }
}
