using System.IO;
using System.Reflection;
using NormGen;
#if PYTORCH_READER
using NormGen.PyTorch;
#endif

namespace DeployFromPyTorch;

/// <summary>The files train_pytorch.py wrote, embedded in the sample (Model/), or read from a directory given with --model.</summary>
internal static class ModelFiles
{
    /// <summary>Opens Model/<paramref name="name"/>: from <paramref name="directory"/> when given, else the embedded copy.</summary>
    public static Stream Open(string name, string? directory)
    {
        if (directory is not null)
        {
            return File.OpenRead(Path.Combine(directory, name));
        }

        return Assembly.GetExecutingAssembly().GetManifestResourceStream("Model." + name)
            ?? throw new FileNotFoundException($"Embedded Model/{name} is missing; run train_pytorch.py train.", name);
    }

#if PYTORCH_READER
    /// <summary>Whether this build can read model.pt (NativeAOT publishes leave NormGen.PyTorch out).</summary>
    public static readonly bool CanReadPyTorch = true;
#else
    /// <summary>Whether this build can read model.pt (NativeAOT publishes leave NormGen.PyTorch out).</summary>
    public static readonly bool CanReadPyTorch = false;
#endif

    /// <summary>Reads the trained state_dict in the given format.</summary>
    /// <exception cref="System.NotSupportedException">model.pt in a build without NormGen.PyTorch.</exception>
    public static TensorSet ReadModel(ModelFormat format, string? directory)
    {
        using Stream stream = Open(format == ModelFormat.Safetensors ? "model.safetensors" : "model.pt", directory);
        if (format == ModelFormat.Safetensors)
        {
            return Safetensors.Read(stream);
        }

#if PYTORCH_READER
        return TorchCheckpoint.Read(stream);
#else
        throw new System.NotSupportedException("This build leaves out NormGen.PyTorch (Razorvine.Pickle is not trim-safe for NativeAOT); deploy from model.safetensors.");
#endif
    }

    /// <summary>PyTorch's eval-mode logits (1000, 10) and the labels of the validation images.</summary>
    public static (float[] Logits, long[] Labels) ReadReference(string? directory)
    {
        using Stream stream = Open("reference.safetensors", directory);
        TensorSet reference = Safetensors.Read(stream);
        NamedTensor labels = reference["labels"];
        var values = new long[labels.ElementCount];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = System.BitConverter.ToInt64(labels.Data.Span.Slice(i * 8, 8));
        }

        return (reference["logits"].ToSingleArray(), values);
    }
}

/// <summary>Which file of the PyTorch model to load.</summary>
public enum ModelFormat
{
    /// <summary>model.safetensors, read by the core NormGen package.</summary>
    Safetensors,

    /// <summary>model.pt (torch.save), read by NormGen.PyTorch.</summary>
    PyTorch,
}
