using System;
using System.IO;
using System.Linq;
using System.Text;
using Xunit;

namespace NormGen.Tests.State;

/// <summary>
/// Every malformed file, and every file that does not fit the layer, gets an exception that says what is wrong, and
/// the layer keeps every value it had (Gamma, Beta, running statistics, BatchesTracked).
/// </summary>
public class MalformedFileTests
{
    // A valid file for SmallBn under prefix "bn": 4 float tensors of 3 elements and an int64 count, packed in order.
    private const string ValidHeader =
        "{\"__metadata__\":{\"format\":\"pt\"}," +
        "\"bn.weight\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}," +
        "\"bn.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[12,24]}," +
        "\"bn.running_mean\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}," +
        "\"bn.running_var\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[36,48]}," +
        "\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[48,56]}}";

    private static readonly byte[] ValidData = Enumerable.Range(0, 12).SelectMany(i => BitConverter.GetBytes(0.25f * i))
        .Concat(BitConverter.GetBytes(9L)).ToArray();

    [Fact]
    public void TheValidFileLoads()
    {
        var layer = new SmallBn();
        LayerState.Load(layer, Read(File(ValidHeader, ValidData)), "bn");
        Assert.Equal([0f, 0.25f, 0.5f], layer.Gamma);
        Assert.Equal([2.25f, 2.5f, 2.75f], layer.RunningVariance);
        Assert.Equal(9, layer.BatchesTracked);
    }

    [Theory]
    [InlineData(0, "the file is 0 bytes long", "the file is 0 bytes long")]
    [InlineData(5, "the file is 5 bytes long", "the file is 5 bytes long")]
    [InlineData(20, "larger than the 12 bytes that follow it in the file", "the file ends after 12 of the header's")]
    [InlineData(-1, "past the end of the data section, which holds 55 bytes", "past the end of the data section, which holds 55 bytes")]
    [InlineData(-20, "past the end of the data section, which holds 36 bytes", "past the end of the data section, which holds 36 bytes")]
    public void TruncatedFile(int keep, string message, string nonSeekableMessage)
    {
        byte[] file = File(ValidHeader, ValidData);
        int length = keep >= 0 ? keep : file.Length + keep;
        Rejected(file.Take(length).ToArray(), message);
        RejectedNonSeekable(file.Take(length).ToArray(), nonSeekableMessage);
    }

    [Fact]
    public void TrailingBytesAfterTheLastTensor()
    {
        byte[] file = File(ValidHeader, ValidData.Concat(new byte[3]).ToArray());
        Rejected(file, "3 bytes follow the last tensor's data");
        RejectedNonSeekable(file, "more bytes follow the last tensor's data");
    }

    [Fact]
    public void HeaderLengthLargerThanTheFile()
    {
        byte[] file = File(ValidHeader, ValidData);
        BitConverter.GetBytes((ulong)file.Length).CopyTo(file, 0);
        Rejected(file, $"the header length is {file.Length} bytes, larger than the {file.Length - 8} bytes that follow");
    }

    [Fact]
    public void HeaderLengthAboveTheLimitIsRejectedBeforeAllocating()
    {
        byte[] file = File(ValidHeader, ValidData);
        BitConverter.GetBytes(ulong.MaxValue - 3).CopyTo(file, 0);
        RejectedNonSeekable(file, "above the limit of 100000000");
        BitConverter.GetBytes((ulong)Safetensors.MaxHeaderLength + 1).CopyTo(file, 0);
        RejectedNonSeekable(file, "above the limit of 100000000");
    }

    [Theory]
    [InlineData("{\"bn.weight\":{\"dtype\":\"F32\",\"shape\":[3],", "not valid JSON")]
    [InlineData("{\"bn.weight\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},}", "not valid JSON")]
    [InlineData("[1,2,3]", "must be a JSON object starting with '{'")]
    [InlineData(" {}", "must be a JSON object starting with '{'; it starts with byte 0x20")]
    [InlineData("{} x", "not valid JSON")]
    [InlineData("{\"a\":1}", "tensor 'a': its entry must be an object")]
    [InlineData("{\"a\":{\"shape\":[3],\"data_offsets\":[0,12]}}", "tensor 'a': 'dtype' is missing")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,12]}}", "tensor 'a': 'shape' is missing")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3]}}", "tensor 'a': 'data_offsets' is missing")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0]}}", "'data_offsets' must hold 2 integers; it holds 1")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-3],\"data_offsets\":[0,12]}}", "'shape' must hold non-negative integers; item 0 is -3")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,12]}}", "item 0 is 1.5")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"3\"],\"data_offsets\":[0,12]}}", "item 0 is \"3\"")]
    [InlineData("{\"a\":{\"dtype\":\"F33\",\"shape\":[3],\"data_offsets\":[0,12]}}", "tensor 'a': unknown dtype 'F33'")]
    [InlineData("{\"a\":{\"dtype\":\"f32\",\"shape\":[3],\"data_offsets\":[0,12]}}", "tensor 'a': unknown dtype 'f32'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "data_offsets [0, 8] hold 8 bytes, but a F32 tensor of shape [3] needs 12")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[12,0]}}", "data_offsets [12, 0] end before they begin")]
    [InlineData("{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,12]}}", "overflows")]
    [InlineData("{\"__metadata__\":{\"format\":1}}", "'__metadata__' entry 'format' must be a string")]
    [InlineData("{\"__metadata__\":[\"pt\"]}", "'__metadata__' must be an object of strings")]
    public void MalformedHeader(string header, string message) => Rejected(File(header, ValidData.Take(12).ToArray()), message);

    [Fact]
    public void DuplicateKey()
    {
        string header = ValidHeader.Replace("\"bn.bias\"", "\"bn.weight\"");
        Rejected(File(header, ValidData), "the key 'bn.weight' appears twice");
    }

    [Fact]
    public void OverlappingOffsets()
    {
        string header = ValidHeader.Replace("\"data_offsets\":[12,24]", "\"data_offsets\":[8,20]");
        Rejected(File(header, ValidData), "tensors 'bn.weight' and 'bn.bias' overlap: 'bn.weight' ends at byte 12 of the data section, 'bn.bias' begins at 8");
    }

    [Fact]
    public void HoleBetweenTensors()
    {
        string header = ValidHeader.Replace("\"data_offsets\":[12,24]", "\"data_offsets\":[16,28]")
            .Replace("[24,36]", "[28,40]").Replace("[36,48]", "[40,52]").Replace("[48,56]", "[52,60]");
        Rejected(File(header, ValidData.Concat(new byte[4]).ToArray()), "hole in the data section: 'bn.weight' ends at byte 12, but the next tensor 'bn.bias' begins at 16");
    }

    [Fact]
    public void DataThatDoesNotStartAtZero()
    {
        string header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[4,16]}}";
        Rejected(File(header, new byte[16]), "the data section starts at byte 0, but the next tensor 'a' begins at 4");
    }

    [Fact]
    public void OffsetsPastTheEnd()
    {
        string header = ValidHeader.Replace("[48,56]", "[48,64]").Replace("\"shape\":[],\"data_offsets\":[48,64]", "\"shape\":[2],\"data_offsets\":[48,64]");
        Rejected(File(header, ValidData), "tensor 'bn.num_batches_tracked' has data_offsets [48, 64], past the end of the data section, which holds 56 bytes");
    }

    [Fact]
    public void InvalidUtf8InTheHeader()
    {
        byte[] file = File(ValidHeader, ValidData);
        file[8 + ValidHeader.IndexOf("weight", StringComparison.Ordinal)] = 0xFF;
        Rejected(file, $"the header is not valid UTF-8 (byte 0xFF at offset {ValidHeader.IndexOf("weight", StringComparison.Ordinal)} of the header)");
    }

    [Fact]
    public void WrongShapeForAKey()
    {
        string header = ValidHeader.Replace("\"shape\":[3],\"data_offsets\":[24,36]", "\"shape\":[1,3],\"data_offsets\":[24,36]");
        Mismatch(File(header, ValidData), "SmallBn.RunningMean (key 'bn.running_mean'): expected shape [3] (3 elements), got [1, 3] (3 elements)");
    }

    [Fact]
    public void WrongElementCountForAKey()
    {
        string header = ValidHeader.Replace("\"shape\":[3],\"data_offsets\":[12,24]", "\"shape\":[2],\"data_offsets\":[12,20]")
            .Replace("[24,36]", "[20,32]").Replace("[36,48]", "[32,44]").Replace("[48,56]", "[44,52]");
        Mismatch(File(header, ValidData.Take(52).ToArray()), "SmallBn.Beta (key 'bn.bias'): expected shape [3] (3 elements), got [2] (2 elements)");
    }

    [Fact]
    public void MissingKey()
    {
        string header = ValidHeader.Replace(",\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[48,56]}", "");
        Mismatch(File(header, ValidData.Take(48).ToArray()), "SmallBn.BatchesTracked (key 'bn.num_batches_tracked'): missing; expected shape []");
    }

    [Fact]
    public void WrongPrefixListsWhatTheFileHas()
    {
        StateMismatchException e = Mismatch(File(ValidHeader, ValidData), "SmallBn.Gamma (key 'features.1.weight'): missing", prefix: "features.1");
        Assert.Contains("'bn.weight'", e.Message);
        Assert.Equal(5, e.Problems.Count);
    }

    [Fact]
    public void IntegerDTypeForAParameter()
    {
        string header = ValidHeader.Replace("\"bn.weight\":{\"dtype\":\"F32\",\"shape\":[3]", "\"bn.weight\":{\"dtype\":\"I32\",\"shape\":[3]");
        Mismatch(File(header, ValidData), "SmallBn.Gamma (key 'bn.weight'): dtype I32 cannot be loaded into float values; expected F32, F64, F16 or BF16");
    }

    [Fact]
    public void FloatDTypeForTheCount()
    {
        string header = ValidHeader.Replace("\"dtype\":\"I64\",\"shape\":[]", "\"dtype\":\"F64\",\"shape\":[]");
        Mismatch(File(header, ValidData), "SmallBn.BatchesTracked (key 'bn.num_batches_tracked'): dtype F64 cannot be loaded into a batch count; expected I64 (or I32)");
    }

    [Fact]
    public void NegativeCount()
    {
        byte[] data = ValidData.ToArray();
        BitConverter.GetBytes(-4L).CopyTo(data, 48);
        Mismatch(File(ValidHeader, data), "SmallBn.BatchesTracked (key 'bn.num_batches_tracked'): the batch count must be non-negative; got -4");
    }

    [Fact]
    public void UnexpectedKeyUnderThePrefixIsRejectedUnlessNotStrict()
    {
        string header = ValidHeader.TrimEnd('}') + "},\"bn.extra\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[56,60]}}";
        byte[] file = File(header, ValidData.Concat(new byte[4]).ToArray());
        Mismatch(file, "SmallBn: unexpected key 'bn.extra' (F32 [1]) under prefix 'bn' is not part of the state; load with strict: false to ignore it");

        var layer = new SmallBn();
        LayerState.Load(layer, Read(file), "bn", strict: false);
        Assert.Equal(9, layer.BatchesTracked);
    }

    [Fact]
    public void KeysUnderOtherPrefixesAreIgnored()
    {
        // "bn2.x" and "bnx" share the text "bn" but are not under the prefix "bn".
        string header = ValidHeader.TrimEnd('}') + "},\"bn2.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[56,60]}," +
            "\"bnx\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[60,64]}}";
        var layer = new SmallBn();
        LayerState.Load(layer, Read(File(header, ValidData.Concat(new byte[8]).ToArray())), "bn");
        Assert.Equal(9, layer.BatchesTracked);
    }

    [Fact]
    public void SeveralProblemsAreAllListed()
    {
        string header = ValidHeader.Replace("\"bn.weight\":{\"dtype\":\"F32\"", "\"bn.weight\":{\"dtype\":\"U32\"")
            .Replace("\"shape\":[3],\"data_offsets\":[24,36]", "\"shape\":[3,1],\"data_offsets\":[24,36]");
        StateMismatchException e = Mismatch(File(header, ValidData), "2 problems; nothing was changed");
        Assert.Contains(e.Problems, p => p.Contains("dtype U32", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("got [3, 1]", StringComparison.Ordinal));
    }

    [Fact]
    public void AWholeModelMapChangesNoLayerWhenOneDoesNotFit()
    {
        var first = Trained();
        var second = Trained();
        var before = (Snapshot.Of(first), Snapshot.Of(second));
        string header = ValidHeader.Replace("\"bn.", "\"a.").TrimEnd('}') + "}," +
            ValidHeader.Replace("\"bn.", "\"b.").Replace("{\"__metadata__\":{\"format\":\"pt\"},", "")
                .Replace("[0,12]", "[56,68]").Replace("[12,24]", "[68,80]").Replace("[24,36]", "[80,92]").Replace("[36,48]", "[92,104]")
                .Replace("\"shape\":[],\"data_offsets\":[48,56]", "\"shape\":[1],\"data_offsets\":[104,112]").TrimStart('{');
        var map = new StateMap().Add("a", first).Add("b", second);
        var e = Assert.Throws<StateMismatchException>(() => map.Load(Read(File(header, ValidData.Concat(ValidData).ToArray()))));
        Assert.Contains("SmallBn.BatchesTracked (key 'b.num_batches_tracked'): expected shape [] (1 elements), got [1] (1 elements)", e.Message);
        before.Item1.AssertUnchanged(first);
        before.Item2.AssertUnchanged(second);
    }

    private static void Rejected(byte[] file, string message)
    {
        var layer = Trained();
        var before = Snapshot.Of(layer);
        var e = Assert.Throws<InvalidDataException>(() => LayerState.Load(layer, Safetensors.Read(new MemoryStream(file)), "bn"));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("safetensors stream: ", e.Message);
        before.AssertUnchanged(layer);
    }

    private static void RejectedNonSeekable(byte[] file, string message)
    {
        var layer = Trained();
        var before = Snapshot.Of(layer);
        var e = Assert.Throws<InvalidDataException>(() => LayerState.Load(layer, Safetensors.Read(new ForwardOnlyStream(file)), "bn"));
        Assert.Contains(message, e.Message);
        before.AssertUnchanged(layer);
    }

    private static StateMismatchException Mismatch(byte[] file, string message, string prefix = "bn")
    {
        var layer = Trained();
        var before = Snapshot.Of(layer);
        TensorSet tensors = Read(file);
        var e = Assert.Throws<StateMismatchException>(() => LayerState.Load(layer, tensors, prefix));
        Assert.Contains(message, e.Message);
        Assert.Contains("Cannot load state into SmallBn", e.Message);
        before.AssertUnchanged(layer);
        return e;
    }

    private static TensorSet Read(byte[] file) => Safetensors.Read(new MemoryStream(file));

    private static byte[] File(string header, byte[] data) =>
        BitConverter.GetBytes((ulong)Encoding.UTF8.GetByteCount(header)).Concat(Encoding.UTF8.GetBytes(header)).Concat(data).ToArray();

    /// <summary>A layer whose state differs from a fresh one everywhere, so any write shows.</summary>
    private static SmallBn Trained()
    {
        var layer = new SmallBn();
        RoundTripTests.Fill(layer, seed: 11);
        return layer;
    }

    private sealed record Snapshot(float[] Gamma, float[] Beta, float[] Mean, float[] Variance, long Batches)
    {
        public static Snapshot Of(SmallBn layer) => new(
            (float[])layer.Gamma.Clone(), (float[])layer.Beta.Clone(), (float[])layer.RunningMean.Clone(),
            (float[])layer.RunningVariance.Clone(), layer.BatchesTracked);

        public void AssertUnchanged(SmallBn layer)
        {
            Assert.Equal(Gamma, layer.Gamma);
            Assert.Equal(Beta, layer.Beta);
            Assert.Equal(Mean, layer.RunningMean);
            Assert.Equal(Variance, layer.RunningVariance);
            Assert.Equal(Batches, layer.BatchesTracked);
        }
    }

    /// <summary>A stream that cannot seek or report its length, as a network stream.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
