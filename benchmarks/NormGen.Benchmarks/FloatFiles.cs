using System;
using System.IO;
using System.Runtime.InteropServices;

namespace NormGen.Benchmarks;

/// <summary>Raw little-endian float32 files: how data and results travel between the driver and its workers.</summary>
public static class FloatFiles
{
    /// <summary>Writes <paramref name="values"/> as raw float32.</summary>
    public static void Write(string path, ReadOnlySpan<float> values)
    {
        using var stream = File.Create(path);
        stream.Write(MemoryMarshal.AsBytes(values));
    }

    /// <summary>Reads exactly <paramref name="count"/> float32 values.</summary>
    /// <exception cref="InvalidDataException">The file holds a different number of values.</exception>
    public static float[] Read(string path, int count)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length != count * sizeof(float))
        {
            throw new InvalidDataException($"{path}: expected {count} float32 values, found {bytes.Length / (double)sizeof(float)}.");
        }

        var values = new float[count];
        bytes.AsSpan().CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }
}
