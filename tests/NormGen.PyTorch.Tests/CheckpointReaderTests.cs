using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;
using NormGen.PyTorch;
using NormGen.Tests.State;
using Xunit;

namespace NormGen.PyTorch.Tests;

/// <summary>The .pt reader beyond plain state_dicts: views and dtypes, and every file it must reject, with the layer unchanged.</summary>
public class CheckpointReaderTests
{
    [Fact]
    public void ViewsAndDTypesReadAsPyTorchHasThem()
    {
        TensorSet tensors = TorchCheckpoint.ReadFile(CheckpointFixtureTests.Pt("special/views.pt"));
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllBytes(CheckpointFixtureTests.Pt("special/views.json")));
        Assert.Equal(expected.RootElement.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal),
            tensors.Keys.OrderBy(n => n, StringComparer.Ordinal));
        foreach (JsonProperty item in expected.RootElement.EnumerateObject())
        {
            NamedTensor tensor = tensors[item.Name];
            Assert.Equal(item.Value.GetProperty("dtype").GetString(), TensorDTypes.SafetensorsName(tensor.DType));
            Assert.Equal(item.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), tensor.Shape);
            double[] values = item.Value.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            if (TensorDTypes.IsLoadableFloat(tensor.DType))
            {
                Assert.Equal(values, tensor.ToDoubleArray());
            }
            else
            {
                Assert.Equal(values.Select(v => (long)v), IntegerValues(tensor));
            }
        }
    }

    [Fact]
    public void ParametersReadAsTensors()
    {
        var fromParameters = new StateBn1dF32();
        TorchCheckpoint.LoadLayer(CheckpointFixtureTests.Pt("special/parameters.pt"), fromParameters);
        var fromStateDict = new StateBn1dF32();
        TorchCheckpoint.LoadLayer(CheckpointFixtureTests.Pt("model.pt"), fromStateDict, "layers.bn1d_f32");
        Assert.Equal(fromStateDict.Gamma, fromParameters.Gamma);
        Assert.Equal(fromStateDict.RunningVariance, fromParameters.RunningVariance);
        Assert.Equal(fromStateDict.BatchesTracked, fromParameters.BatchesTracked);
    }

    [Fact]
    public void NestedDictIsRejected() =>
        Rejected(File.ReadAllBytes(CheckpointFixtureTests.Pt("special/nested.pt")), "not a tensor; save the state_dict itself");

    [Fact]
    public void ListIsRejected() =>
        Rejected(File.ReadAllBytes(CheckpointFixtureTests.Pt("special/list.pt")), "data.pkl holds a list, not a state_dict");

    [Fact]
    public void LegacyFormatIsRejected() =>
        Rejected(File.ReadAllBytes(CheckpointFixtureTests.Pt("special/legacy.pt")), "not a zip archive");

    [Fact]
    public void TruncatedFileIsRejected()
    {
        byte[] file = File.ReadAllBytes(CheckpointFixtureTests.Pt("model.pt"));
        Rejected(file.Take(file.Length / 2).ToArray(), "not a zip archive");
    }

    [Fact]
    public void MissingStorageIsRejected() =>
        Rejected(Rewrite(CheckpointFixtureTests.Pt("model.pt"), (name, bytes) => name == "model/data/3" ? null : bytes),
            "storage '3' (F32, 7 elements) has no entry model/data/3");

    [Fact]
    public void ShortStorageIsRejected() =>
        Rejected(Rewrite(CheckpointFixtureTests.Pt("model.pt"), (name, bytes) => name == "model/data/3" ? bytes.Take(20).ToArray() : bytes),
            "storage '3' should hold 7 F32 elements (28 bytes); model/data/3 has 20 bytes");

    [Fact]
    public void BigEndianIsRejected() =>
        Rejected(Rewrite(CheckpointFixtureTests.Pt("model.pt"), (name, bytes) => bytes, ("model/byteorder", "big"u8.ToArray())),
            "the checkpoint's byteorder is 'big'");

    [Fact]
    public void LittleEndianMarkerIsAccepted()
    {
        byte[] file = Rewrite(CheckpointFixtureTests.Pt("model.pt"), (name, bytes) => bytes, ("model/byteorder", "little"u8.ToArray()));
        Assert.Equal(TorchCheckpoint.ReadFile(CheckpointFixtureTests.Pt("model.pt")).Keys, TorchCheckpoint.Read(new MemoryStream(file)).Keys);
    }

    [Fact]
    public void GarbagePickleIsRejected() =>
        Rejected(Rewrite(CheckpointFixtureTests.Pt("model.pt"), (name, bytes) => name == "model/data.pkl" ? bytes.Take(bytes.Length / 3).ToArray() : bytes),
            "data.pkl cannot be read as a state_dict");

    [Fact]
    public void ZipWithoutPickleIsRejected() =>
        Rejected(Rewrite(CheckpointFixtureTests.Pt("model.pt"), (name, bytes) => name == "model/data.pkl" ? null : bytes),
            "the zip has no <folder>/data.pkl");

    [Fact]
    public void WrongShapeForAKeyLeavesTheLayerUnchanged()
    {
        // The right file for another layer: same keys, 16 features instead of 7.
        var layer = new StateBn1dF32();
        layer.Gamma.AsSpan().Fill(3);
        layer.BatchesTracked = 2;
        TensorSet tensors = TorchCheckpoint.ReadFile(CheckpointFixtureTests.Pt("model.pt"));
        var e = Assert.Throws<StateMismatchException>(() => LayerState.Load(layer, tensors, "layers.ln_f32", strict: false));
        Assert.Contains("StateBn1dF32.Gamma (key 'layers.ln_f32.weight'): expected shape [7] (7 elements), got [16] (16 elements)", e.Message);
        Assert.Contains("StateBn1dF32.RunningMean (key 'layers.ln_f32.running_mean'): missing", e.Message);
        Assert.All(layer.Gamma, g => Assert.Equal(3f, g));
        Assert.Equal(2, layer.BatchesTracked);
    }

    private static long[] IntegerValues(NamedTensor tensor)
    {
        int size = TensorDTypes.SizeOf(tensor.DType);
        byte[] data = tensor.Data.ToArray();
        return Enumerable.Range(0, (int)tensor.ElementCount)
            .Select(i => size == 8 ? BitConverter.ToInt64(data, i * 8) : BitConverter.ToInt32(data, i * 4))
            .ToArray();
    }

    private static void Rejected(byte[] file, string message)
    {
        var layer = new StateLnF32();
        layer.Gamma.AsSpan().Fill(2);
        layer.Beta.AsSpan().Fill(-1);
        var e = Assert.Throws<InvalidDataException>(() => LayerState.Load(layer, TorchCheckpoint.Read(new MemoryStream(file)), "layers.ln_f32", strict: false));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("PyTorch checkpoint stream: ", e.Message);
        Assert.All(layer.Gamma, g => Assert.Equal(2f, g));
        Assert.All(layer.Beta, b => Assert.Equal(-1f, b));
    }

    // Copies a checkpoint, transforming (or dropping, for null) each entry and adding extra ones.
    private static byte[] Rewrite(string path, Func<string, byte[], byte[]?> transform, params (string Name, byte[] Bytes)[] extra)
    {
        var output = new MemoryStream();
        using (ZipArchive source = ZipFile.OpenRead(path))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (ZipArchiveEntry entry in source.Entries)
            {
                using var data = new MemoryStream();
                using (Stream s = entry.Open())
                {
                    s.CopyTo(data);
                }

                if (transform(entry.FullName, data.ToArray()) is byte[] bytes)
                {
                    using Stream w = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                    w.Write(bytes);
                }
            }

            foreach ((string name, byte[] bytes) in extra)
            {
                using Stream w = target.CreateEntry(name, CompressionLevel.NoCompression).Open();
                w.Write(bytes);
            }
        }

        return output.ToArray();
    }
}
