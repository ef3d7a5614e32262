using System;

namespace NormGen;

/// <summary>Sizes and safetensors names of <see cref="TensorDType"/> values.</summary>
public static class TensorDTypes
{
    // Indexed by TensorDType; the names are the specification's spelling.
    private static readonly string[] Names =
    {
        "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64",
    };

    private static readonly int[] Sizes = { 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 8, 8, 8 };

    /// <summary>Bytes per element.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined <see cref="TensorDType"/>.</exception>
    public static int SizeOf(TensorDType dtype) => Sizes[Index(dtype)];

    /// <summary>The name the safetensors header uses, e.g. <c>F32</c> or <c>BF16</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined <see cref="TensorDType"/>.</exception>
    public static string SafetensorsName(TensorDType dtype) => Names[Index(dtype)];

    /// <summary>Parses a safetensors dtype name (case-sensitive, as the specification writes it).</summary>
    /// <returns>False for a name the specification does not define (or one this reader does not know).</returns>
    public static bool TryParseSafetensorsName(string name, out TensorDType dtype)
    {
        int index = Array.IndexOf(Names, name);
        dtype = (TensorDType)Math.Max(index, 0);
        return index >= 0;
    }

    /// <summary>The safetensors names this reader knows, for error messages.</summary>
    public static string KnownSafetensorsNames => string.Join(", ", Names);

    /// <summary>True for the floating-point types a layer parameter can be read from: F16, BF16, F32, F64.</summary>
    public static bool IsLoadableFloat(TensorDType dtype) =>
        dtype is TensorDType.F16 or TensorDType.BF16 or TensorDType.F32 or TensorDType.F64;

    /// <summary>True for the integer types a batch count can be read from: I64 and I32.</summary>
    public static bool IsLoadableCount(TensorDType dtype) => dtype is TensorDType.I64 or TensorDType.I32;

    private static int Index(TensorDType dtype)
    {
        int index = (int)dtype;
        if ((uint)index >= (uint)Names.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, $"TensorDType: {(int)dtype} is not a defined element type.");
        }

        return index;
    }
}
