using System;
using System.IO;
using System.Reflection;

namespace FashionMnistBatchNorm;

/// <summary>Images as float rows (count, <see cref="Features"/>) and their class labels.</summary>
internal sealed class Dataset
{
    /// <summary>Creates a dataset; <paramref name="images"/> has <c>labels.Length * features</c> values.</summary>
    public Dataset(float[] images, byte[] labels, int features)
    {
        if (images.Length != labels.Length * features)
        {
            throw new ArgumentException($"Dataset: {images.Length} image values for {labels.Length} labels of {features} features.");
        }

        Images = images;
        Labels = labels;
        Features = features;
    }

    /// <summary>Row-major (Count, Features) pixel values.</summary>
    public float[] Images { get; }

    /// <summary>Class of each image, 0 to 9.</summary>
    public byte[] Labels { get; }

    /// <summary>Values per image (28 * 28 = 784).</summary>
    public int Features { get; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The first <paramref name="count"/> images (all if there are fewer).</summary>
    public Dataset Take(int count)
    {
        count = Math.Min(count, Count);
        return new Dataset(Images.AsSpan(0, count * Features).ToArray(), Labels.AsSpan(0, count).ToArray(), Features);
    }
}

/// <summary>Fashion-MNIST training and validation sets, preprocessed for the network.</summary>
/// <param name="Train">Training images.</param>
/// <param name="Validation">Validation images (from the official test split; never trained on).</param>
/// <param name="Source">Where the files came from, for the output.</param>
internal sealed record FashionMnist(Dataset Train, Dataset Validation, string Source)
{
    /// <summary>Class names, by label.</summary>
    public static readonly string[] ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private const string ResourcePrefix = "FashionMnist.";

    /// <summary>
    /// Loads the four IDX files from <paramref name="directory"/> (full dataset), or the subset embedded in
    /// this sample when it is null. Pixels are scaled to [0, 1] and the training set's mean image is
    /// subtracted from both sets (as cs231n does).
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing from <paramref name="directory"/>.</exception>
    /// <exception cref="InvalidDataException">A file is not a valid IDX file, or images and labels disagree.</exception>
    public static FashionMnist Load(string? directory)
    {
        Func<string, int, IdxArray> read = directory is null ? ReadEmbedded : (name, magic) => ReadFromDirectory(directory, name, magic);
        var (trainImages, trainLabels) = ReadSplit(read, "train");
        var (validationImages, validationLabels) = ReadSplit(read, "t10k");
        if (trainImages.Dimensions[1] != validationImages.Dimensions[1] || trainImages.Dimensions[2] != validationImages.Dimensions[2])
        {
            throw new InvalidDataException("Fashion-MNIST: training and test images differ in size.");
        }

        int features = trainImages.Dimensions[1] * trainImages.Dimensions[2];
        float[] mean = MeanImage(trainImages.Data, features);
        var train = new Dataset(Preprocess(trainImages.Data, mean), trainLabels.Data, features);
        var validation = new Dataset(Preprocess(validationImages.Data, mean), validationLabels.Data, features);
        string source = directory is null
            ? "embedded subset (Data/, MIT license, Zalando SE)"
            : Path.GetFullPath(directory);
        return new FashionMnist(train, validation, source);
    }

    private static (IdxArray Images, IdxArray Labels) ReadSplit(Func<string, int, IdxArray> read, string prefix)
    {
        IdxArray images = read($"{prefix}-images-idx3-ubyte", IdxReader.ImagesMagic);
        IdxArray labels = read($"{prefix}-labels-idx1-ubyte", IdxReader.LabelsMagic);
        if (images.Dimensions[0] != labels.Dimensions[0])
        {
            throw new InvalidDataException(
                $"Fashion-MNIST {prefix}: {images.Dimensions[0]} images but {labels.Dimensions[0]} labels.");
        }

        foreach (byte label in labels.Data)
        {
            if (label >= ClassNames.Length)
            {
                throw new InvalidDataException($"Fashion-MNIST {prefix}: label {label} is not a class (0 to 9).");
            }
        }

        return (images, labels);
    }

    private static IdxArray ReadEmbedded(string name, int magic)
    {
        string resource = ResourcePrefix + name + ".gz";
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new FileNotFoundException($"Embedded resource {resource} is missing from the sample assembly.");
        return IdxReader.Read(stream, "embedded " + name + ".gz", magic);
    }

    private static IdxArray ReadFromDirectory(string directory, string name, int magic)
    {
        // Debian and the original download ship .gz files; accept unpacked ones too.
        string gz = Path.Combine(directory, name + ".gz");
        string raw = Path.Combine(directory, name);
        if (File.Exists(gz))
        {
            return IdxReader.ReadFile(gz, magic);
        }

        if (File.Exists(raw))
        {
            return IdxReader.ReadFile(raw, magic);
        }

        throw new FileNotFoundException($"--data {directory}: neither {name}.gz nor {name} is there.", gz);
    }

    private static float[] MeanImage(byte[] pixels, int features)
    {
        var sum = new double[features];
        int count = pixels.Length / features;
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < features; j++)
            {
                sum[j] += pixels[(i * features) + j];
            }
        }

        var mean = new float[features];
        for (int j = 0; j < features; j++)
        {
            mean[j] = (float)(sum[j] / count / 255.0);
        }

        return mean;
    }

    private static float[] Preprocess(byte[] pixels, float[] mean)
    {
        var values = new float[pixels.Length];
        int features = mean.Length;
        for (int i = 0; i < pixels.Length; i++)
        {
            values[i] = (pixels[i] / 255f) - mean[i % features];
        }

        return values;
    }
}
