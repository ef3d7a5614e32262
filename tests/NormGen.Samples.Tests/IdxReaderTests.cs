using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using FashionMnistBatchNorm;
using Xunit;

namespace NormGen.Samples.Tests;

/// <summary>The sample's IDX loader on small files written by the tests.</summary>
public sealed class IdxReaderTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "normgen-idx-" + Guid.NewGuid().ToString("N"));

    public IdxReaderTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsImagesAndLabels(bool gzip)
    {
        byte[] pixels = Pixels(3, 2, 4);
        string images = Write("images", Idx(IdxReader.ImagesMagic, [3, 2, 4], pixels), gzip);
        string labels = Write("labels", Idx(IdxReader.LabelsMagic, [3], [7, 0, 9]), gzip);

        IdxArray imageArray = IdxReader.ReadFile(images, IdxReader.ImagesMagic);
        IdxArray labelArray = IdxReader.ReadFile(labels, IdxReader.LabelsMagic);

        Assert.Equal([3, 2, 4], imageArray.Dimensions);
        Assert.Equal(pixels, imageArray.Data);
        Assert.Equal([3], labelArray.Dimensions);
        Assert.Equal([7, 0, 9], labelArray.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedDataIsAnErrorNamingTheFile(bool gzip)
    {
        byte[] full = Idx(IdxReader.ImagesMagic, [3, 2, 4], Pixels(3, 2, 4));
        string path = Write("short-images", full.AsSpan(0, full.Length - 5).ToArray(), gzip);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadFile(path, IdxReader.ImagesMagic));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Contains("24 data bytes, the file holds 19", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedHeaderIsAnErrorNamingTheFile()
    {
        byte[] full = Idx(IdxReader.ImagesMagic, [3, 2, 4], Pixels(3, 2, 4));
        string path = Write("header-only", full.AsSpan(0, 10).ToArray(), gzip: false);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadFile(path, IdxReader.ImagesMagic));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CutGzipStreamIsAnErrorNamingTheFile()
    {
        // A download cut short: the compressed bytes end early, so the gzip trailer is missing.
        string whole = Write("cut", Idx(IdxReader.ImagesMagic, [20, 28, 28], Pixels(20, 28, 28)), gzip: true);
        byte[] compressed = File.ReadAllBytes(whole);
        string path = Path.Combine(_directory, "cut-short.gz");
        File.WriteAllBytes(path, compressed.AsSpan(0, compressed.Length / 2).ToArray());

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadFile(path, IdxReader.ImagesMagic));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongMagicNumberIsAnErrorNamingTheFileAndBothNumbers()
    {
        // A label file passed where images are expected.
        string path = Write("labels-not-images", Idx(IdxReader.LabelsMagic, [3], [1, 2, 3]), gzip: true);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadFile(path, IdxReader.ImagesMagic));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("wrong magic number 0x00000801", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected 0x00000803", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonIdxFileIsAnErrorNamingTheFile()
    {
        string path = Path.Combine(_directory, "readme.txt");
        File.WriteAllText(path, "not an IDX file at all");

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadFile(path, IdxReader.LabelsMagic));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("magic number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataDirectoryLoadsAndPreprocesses()
    {
        // Two training images (all 0 and all 255) and one test image; the training mean image is 0.5.
        byte[] trainPixels = new byte[2 * 2 * 2];
        Array.Fill(trainPixels, (byte)255, 4, 4);
        Write("train-images-idx3-ubyte", Idx(IdxReader.ImagesMagic, [2, 2, 2], trainPixels), gzip: true);
        Write("train-labels-idx1-ubyte", Idx(IdxReader.LabelsMagic, [2], [3, 8]), gzip: true);
        Write("t10k-images-idx3-ubyte", Idx(IdxReader.ImagesMagic, [1, 2, 2], [255, 255, 0, 0]), gzip: false);
        Write("t10k-labels-idx1-ubyte", Idx(IdxReader.LabelsMagic, [1], [5]), gzip: false);

        FashionMnist data = FashionMnist.Load(_directory);

        Assert.Equal(2, data.Train.Count);
        Assert.Equal(4, data.Train.Features);
        Assert.Equal([3, 8], data.Train.Labels);
        Assert.Equal([-0.5f, -0.5f, -0.5f, -0.5f, 0.5f, 0.5f, 0.5f, 0.5f], data.Train.Images);
        Assert.Equal([0.5f, 0.5f, -0.5f, -0.5f], data.Validation.Images);
        Assert.Equal([5], data.Validation.Labels);
    }

    [Fact]
    public void MissingFileInDataDirectoryNamesTheFile()
    {
        var error = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(_directory));

        Assert.Contains("train-images-idx3-ubyte", error.Message, StringComparison.Ordinal);
        Assert.Contains(_directory, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmbeddedSubsetHasFiveThousandAndOneThousandBalancedImages()
    {
        FashionMnist data = FashionMnist.Load(null);

        Assert.Equal(5000, data.Train.Count);
        Assert.Equal(1000, data.Validation.Count);
        Assert.Equal(28 * 28, data.Train.Features);
        for (int label = 0; label < 10; label++)
        {
            Assert.Equal(500, Array.FindAll(data.Train.Labels, l => l == label).Length);
            Assert.Equal(100, Array.FindAll(data.Validation.Labels, l => l == label).Length);
        }
    }

    private static byte[] Pixels(params int[] dimensions)
    {
        int length = 1;
        foreach (int d in dimensions)
        {
            length *= d;
        }

        var pixels = new byte[length];
        for (int i = 0; i < length; i++)
        {
            pixels[i] = (byte)((i * 37) + 11);
        }

        return pixels;
    }

    private static byte[] Idx(int magic, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + (4 * dimensions.Length) + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int d = 0; d < dimensions.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * d)), dimensions[d]);
        }

        data.CopyTo(bytes, 4 + (4 * dimensions.Length));
        return bytes;
    }

    private string Write(string name, byte[] content, bool gzip)
    {
        string path = Path.Combine(_directory, gzip ? name + ".gz" : name);
        using var file = File.Create(path);
        if (gzip)
        {
            using var compressor = new GZipStream(file, CompressionLevel.Optimal);
            compressor.Write(content);
        }
        else
        {
            file.Write(content);
        }

        return path;
    }
}
