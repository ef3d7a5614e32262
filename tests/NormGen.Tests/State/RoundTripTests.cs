using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Xunit;

namespace NormGen.Tests.State;

/// <summary>Save then load gives bit-identical state, for every kind and element type, with both namings.</summary>
public class RoundTripTests
{
    public static TheoryData<string> Layers()
    {
        var data = new TheoryData<string>();
        foreach (string name in Factories.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    private static readonly Dictionary<string, Func<object>> Factories = StateLayers.Factories
        .Concat(new Dictionary<string, Func<object>>
        {
            ["bn2d_f64"] = () => new RoundTripBn2dF64(),
            ["bn_bare_f32"] = () => new RoundTripBnBareF32(),
            ["in_f64"] = () => new RoundTripInF64(),
            ["ln_noaffine_f32"] = () => new RoundTripLnNoAffineF32(),
        })
        .ToDictionary(p => p.Key, p => p.Value);

    [Theory]
    [MemberData(nameof(Layers))]
    public void PyTorchNamesThroughSafetensorsAreBitIdentical(string name) => RoundTrip(name, StateNaming.PyTorch, "features.1");

    [Theory]
    [MemberData(nameof(Layers))]
    public void KerasNamesThroughSafetensorsAreBitIdentical(string name) => RoundTrip(name, StateNaming.Keras, "batch_normalization");

    [Theory]
    [MemberData(nameof(Layers))]
    public void EmptyPrefixThroughAFileIsBitIdentical(string name)
    {
        object source = Factories[name]();
        Fill(source, seed: 3);
        string path = Path.Combine(Path.GetTempPath(), $"normgen-roundtrip-{name}-{Environment.ProcessId}.safetensors");
        try
        {
            object target = Factories[name]();
            if (source is INormalizationLayer<float> f)
            {
                Safetensors.SaveLayer(path, f);
                Safetensors.LoadLayer(path, (INormalizationLayer<float>)target);
            }
            else
            {
                Safetensors.SaveLayer(path, (INormalizationLayer<double>)source);
                Safetensors.LoadLayer(path, (INormalizationLayer<double>)target);
            }

            AssertSameBits(source, target, countSaved: true);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SpecialValuesKeepTheirBits()
    {
        var source = new SmallBn();
        float[] special = [-0.0f, float.NaN, float.PositiveInfinity];
        special.CopyTo(source.Gamma, 0);
        new[] { float.Epsilon, -float.MaxValue, BitConverter.Int32BitsToSingle(0x7FC12345) }.CopyTo(source.Beta, 0);
        source.BatchesTracked = long.MaxValue;
        var target = new SmallBn();
        LayerState.Load(target, ThroughStream(LayerState.Capture(source)));
        AssertSameBits(source, target, countSaved: true);
    }

    [Fact]
    public void WrittenHeaderIsCompactSortedAndPaddedToEightBytes()
    {
        var layer = new SmallBn { BatchesTracked = 5 };
        byte[] file = ToBytes(LayerState.Capture(layer, "bn"));
        ulong headerLength = BitConverter.ToUInt64(file, 0);
        string header = System.Text.Encoding.UTF8.GetString(file, 8, (int)headerLength);
        Assert.Equal(0UL, headerLength % 8);
        // I64 sorts before F32 (the reference writer orders by dtype, widest alignment first), then by name.
        Assert.StartsWith(
            "{\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}," +
            "\"bn.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[8,20]}," +
            "\"bn.running_mean\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[20,32]}," +
            "\"bn.running_var\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[32,44]}," +
            "\"bn.weight\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[44,56]}}",
            header);
        Assert.InRange(header.Length - header.TrimEnd(' ').Length, 0, 7);
        Assert.Equal(8 + (int)headerLength + 56, file.Length);
        Assert.Equal(5L, BitConverter.ToInt64(file, 8 + (int)headerLength));
    }

    /// <summary>The byte vectors of the reference implementation's own serialization tests (safetensors tensor.rs).</summary>
    [Fact]
    public void WriterMatchesTheReferenceImplementationsTestVectors()
    {
        float[] values = [0, 1, 2, 3, 4, 5];
        byte[] data = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

        byte[] unpadded = ToBytes(new TensorSet([NamedTensor.FromSingles("attn.0", values, [1, 2, 3])]));
        Assert.Equal(Expected(64, "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}", data), unpadded);

        byte[] padded = ToBytes(new TensorSet([NamedTensor.FromSingles("attn0", values, [1, 1, 2, 3])]));
        Assert.Equal(Expected(72, "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ", data), padded);

        Assert.Equal(Expected(8, "{}      ", []), ToBytes(new TensorSet([])));
        var metadata = new Dictionary<string, string> { ["framework"] = "pt" };
        Assert.Equal(Expected(40, "{\"__metadata__\":{\"framework\":\"pt\"}}     ", []), ToBytes(new TensorSet([], metadata)));
    }

    [Fact]
    public void ReaderAcceptsTheReferenceImplementationsDocExample()
    {
        // The file in the reference reader's documentation: one I32 tensor of shape [2, 2], header length 0x3C.
        string header = "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
        TensorSet tensors = Safetensors.Read(new MemoryStream(Expected(header.Length, header, new byte[16])));
        NamedTensor test = tensors["test"];
        Assert.Equal(TensorDType.I32, test.DType);
        Assert.Equal([2L, 2L], test.Shape);
        Assert.Equal(16, test.Data.Length);
    }

    [Fact]
    public void HalfAndBFloat16DecodeExactly()
    {
        // F16: 1, -2, 65504 (largest), 2^-24 (smallest subnormal); BF16: 1, -2, 3.140625, 2^-133 (subnormal).
        byte[] half = [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00];
        byte[] bf16 = [0x80, 0x3F, 0x00, 0xC0, 0x49, 0x40, 0x01, 0x00];
        var f16 = new NamedTensor("h", TensorDType.F16, [4], half);
        var b16 = new NamedTensor("b", TensorDType.BF16, [4], bf16);
        Assert.Equal([1.0, -2.0, 65504.0, Math.Pow(2, -24)], f16.ToDoubleArray());
        Assert.Equal([1.0f, -2.0f, 65504.0f, (float)Math.Pow(2, -24)], f16.ToSingleArray());
        Assert.Equal([1.0, -2.0, 3.140625, Math.Pow(2, -133)], b16.ToDoubleArray());
        Assert.Equal([1.0f, -2.0f, 3.140625f, (float)Math.Pow(2, -133)], b16.ToSingleArray());
    }

    [Fact]
    public void NegativeBatchesTrackedIsRejectedNamingTheLayer()
    {
        var layer = new SmallBn { BatchesTracked = 7 };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => layer.BatchesTracked = -1);
        Assert.Contains("SmallBn", e.Message);
        Assert.Contains("-1", e.Message);
        Assert.Equal(7, layer.BatchesTracked);
    }

    internal static TensorSet ThroughStream(TensorSet tensors) => Safetensors.Read(new MemoryStream(ToBytes(tensors)));

    internal static byte[] ToBytes(TensorSet tensors)
    {
        var stream = new MemoryStream();
        Safetensors.Write(stream, tensors);
        return stream.ToArray();
    }

    private static byte[] Expected(int headerLength, string header, byte[] data) =>
        BitConverter.GetBytes((ulong)headerLength).Concat(System.Text.Encoding.UTF8.GetBytes(header)).Concat(data).ToArray();

    private static void RoundTrip(string name, StateNaming naming, string prefix)
    {
        object source = Factories[name]();
        Fill(source, seed: name.Length);
        object target = Factories[name]();
        if (source is INormalizationLayer<float> f)
        {
            LayerState.Load((INormalizationLayer<float>)target, ThroughStream(LayerState.Capture(f, prefix, naming)), prefix, naming);
        }
        else
        {
            var d = (INormalizationLayer<double>)source;
            LayerState.Load((INormalizationLayer<double>)target, ThroughStream(LayerState.Capture(d, prefix, naming)), prefix, naming);
        }

        AssertSameBits(source, target, countSaved: naming.BatchesTracked is not null);
    }

    /// <summary>Random values in every state array and a large batch count, so nothing matches a fresh layer by chance.</summary>
    internal static void Fill(object layer, int seed)
    {
        var random = new Random(seed);
        if (layer is INormalizationLayer<float> f)
        {
            foreach (float[] array in Arrays(f))
            {
                for (int i = 0; i < array.Length; i++)
                {
                    array[i] = (float)(random.NextDouble() * 4 - 1);
                }
            }

            if (f is IBatchNormLayer<float> b)
            {
                b.BatchesTracked = 1L << 40;
            }
        }
        else
        {
            var d = (INormalizationLayer<double>)layer;
            foreach (double[] array in Arrays(d))
            {
                for (int i = 0; i < array.Length; i++)
                {
                    array[i] = random.NextDouble() * 4 - 1;
                }
            }

            if (d is IBatchNormLayer<double> b)
            {
                b.BatchesTracked = 3_000_000_000L;
            }
        }
    }

    internal static IEnumerable<T[]> Arrays<T>(INormalizationLayer<T> layer)
        where T : unmanaged
    {
        yield return layer.Gamma;
        yield return layer.Beta;
        if (layer is IBatchNormLayer<T> b)
        {
            yield return b.RunningMean;
            yield return b.RunningVariance;
        }
    }

    private static void AssertSameBits(object source, object target, bool countSaved)
    {
        if (source is INormalizationLayer<float> f)
        {
            AssertSameBits(f, (INormalizationLayer<float>)target, countSaved);
        }
        else
        {
            AssertSameBits((INormalizationLayer<double>)source, (INormalizationLayer<double>)target, countSaved);
        }
    }

    private static void AssertSameBits<T>(INormalizationLayer<T> source, INormalizationLayer<T> target, bool countSaved)
        where T : unmanaged
    {
        foreach ((T[] a, T[] b) in Arrays(source).Zip(Arrays(target)))
        {
            Assert.Equal(MemoryMarshal.AsBytes(a.AsSpan()).ToArray(), MemoryMarshal.AsBytes(b.AsSpan()).ToArray());
        }

        if (source is IBatchNormLayer<T> sb && target is IBatchNormLayer<T> tb)
        {
            Assert.Equal(countSaved && sb.RunningMean.Length > 0 ? sb.BatchesTracked : 0, tb.BatchesTracked);
        }
    }
}
