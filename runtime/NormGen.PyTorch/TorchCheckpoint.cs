using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using Razorvine.Pickle.Objects;

namespace NormGen.PyTorch;

/// <summary>
/// Reads PyTorch checkpoints as <c>torch.save(model.state_dict(), "model.pt")</c> writes them (the zip format, the
/// default since PyTorch 1.6): <c>&lt;name&gt;/data.pkl</c> holds the pickled OrderedDict of tensors, each a
/// <c>torch._utils._rebuild_tensor_v2</c> call on a storage whose raw little-endian bytes are <c>&lt;name&gt;/data/&lt;key&gt;</c>.
/// The result is a <see cref="TensorSet"/> with PyTorch's keys, ready for <see cref="StateMap.Load"/> or
/// <see cref="LayerState.Load{T}"/>. Only the pickle opcodes and the few classes a state_dict uses are understood;
/// nothing in the file is executed.
/// </summary>
public static class TorchCheckpoint
{
    /// <summary>Largest data.pkl read, in bytes (a state_dict's pickle holds names and shapes, not tensor data).</summary>
    public const int MaxPickleLength = 256 << 20;

    /// <summary>
    /// Reads every tensor of a state_dict checkpoint from <paramref name="stream"/>, in the order torch.save stored
    /// them. Tensors that are views (an offset or strides into a shared storage) are copied out as contiguous tensors.
    /// </summary>
    /// <param name="stream">A readable, seekable stream over the .pt file.</param>
    /// <returns>The tensors by state_dict key (e.g. <c>features.1.running_var</c>).</returns>
    /// <exception cref="InvalidDataException">
    /// Not a zip checkpoint, no single <c>data.pkl</c>, big-endian data, a pickle that is not a dict of tensors, an
    /// unknown storage type, a missing storage, or a view that reaches past its storage; the message says which.
    /// </exception>
    public static TensorSet Read(Stream stream) => Read(stream, "stream");

    /// <summary>Reads the checkpoint at <paramref name="path"/>; see <see cref="Read(Stream)"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a state_dict checkpoint this reader understands; the message names the file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static TensorSet ReadFile(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Read(stream, "'" + path + "'");
    }

    /// <summary>Loads one layer from the checkpoint at <paramref name="path"/> (see <see cref="LayerState.Load{T}"/>).</summary>
    /// <exception cref="InvalidDataException">The file is malformed (nothing changed).</exception>
    /// <exception cref="StateMismatchException">The file does not fit the layer (nothing changed).</exception>
    public static void LoadLayer<T>(string path, INormalizationLayer<T> layer, string prefix = "", bool strict = true)
        where T : unmanaged =>
        LayerState.Load(layer, ReadFile(path), prefix, StateNaming.PyTorch, strict);

    private static TensorSet Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw Malformed(source, $"not a zip archive ({e.Message}). torch.save writes zip checkpoints by default since PyTorch 1.6; older (legacy) files are not supported: load and save them again with a newer PyTorch.");
        }

        using (zip)
        {
            string folder = FindFolder(zip, source);
            CheckByteOrder(zip, folder, source);
            object root = Unpickle(ReadEntry(zip.GetEntry(folder + "data.pkl")!, MaxPickleLength, source), source);
            if (root is not Hashtable dict)
            {
                throw Malformed(source, $"data.pkl holds {Describe(root)}, not a state_dict; save one with torch.save(model.state_dict(), path).");
            }

            var storages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            var tensors = new List<(NamedTensor Tensor, TorchTensor Source)>();
            foreach (DictionaryEntry item in dict)
            {
                if (item.Key is not string key)
                {
                    throw Malformed(source, $"data.pkl has a key {Describe(item.Key)}; a state_dict's keys are strings.");
                }

                if (item.Value is not TorchTensor tensor)
                {
                    throw Malformed(source, $"key '{key}' holds {Describe(item.Value)}, not a tensor; save the state_dict itself (torch.save(model.state_dict(), path)), not a dict that contains it.");
                }

                byte[] storage = Storage(zip, folder, tensor.Storage, storages, source);
                tensors.Add((new NamedTensor(key, tensor.Storage.DType, tensor.Size, Gather(key, tensor, storage, source)), tensor));
            }

            // Storages are numbered in the order torch.save met them, which is the state_dict's order.
            IEnumerable<NamedTensor> ordered = tensors
                .OrderBy(t => long.TryParse(t.Source.Storage.Key, out long n) ? n : long.MaxValue)
                .ThenBy(t => t.Source.Storage.Key, StringComparer.Ordinal)
                .ThenBy(t => t.Source.Offset)
                .ThenBy(t => t.Tensor.Name, StringComparer.Ordinal)
                .Select(t => t.Tensor);
            return new TensorSet(ordered);
        }
    }

    // The archive's single top-level folder (torch names it after the file, e.g. "model/"; newer versions "archive/").
    private static string FindFolder(ZipArchive zip, string source)
    {
        List<string> pickles = zip.Entries
            .Select(e => e.FullName)
            .Where(n => n.EndsWith("/data.pkl", StringComparison.Ordinal) && n.IndexOf('/') == n.Length - "/data.pkl".Length)
            .ToList();
        return pickles.Count switch
        {
            1 => pickles[0].Substring(0, pickles[0].Length - "data.pkl".Length),
            0 => throw Malformed(source, $"the zip has no <folder>/data.pkl, so it is not a torch.save checkpoint (entries: {string.Join(", ", zip.Entries.Take(8).Select(e => e.FullName))})."),
            _ => throw Malformed(source, $"the zip has {pickles.Count} data.pkl files ({string.Join(", ", pickles)}); a checkpoint has one."),
        };
    }

    // PyTorch 2.x records the writer's byte order; 1.x wrote none and was little-endian on every machine it ran on.
    private static void CheckByteOrder(ZipArchive zip, string folder, string source)
    {
        ZipArchiveEntry? entry = zip.GetEntry(folder + "byteorder");
        if (entry is null)
        {
            return;
        }

        string order = Encoding.ASCII.GetString(ReadEntry(entry, 16, source)).Trim();
        if (order != "little")
        {
            throw Malformed(source, $"the checkpoint's byteorder is '{order}'; only little-endian checkpoints are supported.");
        }
    }

    private static object Unpickle(byte[] pickle, string source)
    {
        try
        {
            using var unpickler = new CheckpointUnpickler();
            return unpickler.loads(pickle);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Razorvine reports a bad stream with PickleException, InvalidCastException, IOException and others.
            throw new InvalidDataException($"PyTorch checkpoint {source}: data.pkl cannot be read as a state_dict ({e.GetType().Name}: {e.Message}).", e);
        }
    }

    private static byte[] Storage(ZipArchive zip, string folder, TorchStorage storage, Dictionary<string, byte[]> cache, string source)
    {
        if (cache.TryGetValue(storage.Key, out byte[]? cached))
        {
            return cached;
        }

        string name = folder + "data/" + storage.Key;
        ZipArchiveEntry entry = zip.GetEntry(name)
            ?? throw Malformed(source, $"storage '{storage.Key}' ({TensorDTypes.SafetensorsName(storage.DType)}, {storage.ElementCount} elements) has no entry {name}.");
        long expected = storage.ElementCount * TensorDTypes.SizeOf(storage.DType);
        if (entry.Length != expected)
        {
            throw Malformed(source, $"storage '{storage.Key}' should hold {storage.ElementCount} {TensorDTypes.SafetensorsName(storage.DType)} elements ({expected} bytes); {name} has {entry.Length} bytes.");
        }

        byte[] bytes = ReadEntry(entry, Array.MaxLength, source);
        cache[storage.Key] = bytes;
        return bytes;
    }

    // Copies the strided view out of its storage, row-major, after checking that every index lies inside it.
    private static byte[] Gather(string key, TorchTensor tensor, byte[] storage, string source)
    {
        long[] size = tensor.Size, stride = tensor.Stride;
        if (size.Length != stride.Length || size.Any(s => s < 0) || stride.Any(s => s < 0) || tensor.Offset < 0)
        {
            throw Malformed(source, $"key '{key}': invalid view (offset {tensor.Offset}, size {NamedTensor.FormatShape(size)}, stride {NamedTensor.FormatShape(stride)}).");
        }

        int elementSize = TensorDTypes.SizeOf(tensor.Storage.DType);
        long count = 1, last = tensor.Offset;
        for (int d = 0; d < size.Length; d++)
        {
            count = checked(count * size[d]);
            last = size[d] == 0 ? last : checked(last + (size[d] - 1) * stride[d]);
        }

        if (count == 0)
        {
            return Array.Empty<byte>();
        }

        if (last >= tensor.Storage.ElementCount)
        {
            throw Malformed(source,
                $"key '{key}': the view (offset {tensor.Offset}, size {NamedTensor.FormatShape(size)}, stride {NamedTensor.FormatShape(stride)}) reaches element {last} of storage '{tensor.Storage.Key}', which holds {tensor.Storage.ElementCount}.");
        }

        var result = new byte[count * elementSize];
        var index = new long[size.Length];
        for (long i = 0; i < count; i++)
        {
            long element = tensor.Offset;
            for (int d = 0; d < size.Length; d++)
            {
                element += index[d] * stride[d];
            }

            Buffer.BlockCopy(storage, (int)(element * elementSize), result, (int)(i * elementSize), elementSize);
            for (int d = size.Length - 1; d >= 0 && ++index[d] == size[d]; d--)
            {
                index[d] = 0;
            }
        }

        return result;
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, long limit, string source)
    {
        if (entry.Length > limit)
        {
            throw Malformed(source, $"{entry.FullName} is {entry.Length} bytes, above the limit of {limit}.");
        }

        var bytes = new byte[entry.Length];
        using Stream data = entry.Open();
        int got = data.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        return got == bytes.Length ? bytes : throw Malformed(source, $"{entry.FullName} ends after {got} of its {bytes.Length} bytes.");
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        ClassDict classDict => "an object of class " + classDict.ClassName,
        Hashtable => "a dict",
        object[] => "a tuple",
        IList => "a list",
        string s => $"the string '{s}'",
        TorchTensor => "a tensor",
        _ => $"a {value.GetType().Name} ({value})",
    };

    private static InvalidDataException Malformed(string source, string problem) => new($"PyTorch checkpoint {source}: {problem}");
}
