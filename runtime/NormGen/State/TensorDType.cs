namespace NormGen;

/// <summary>
/// Element types of stored tensors, named and ordered as the safetensors specification lists them (from the
/// smallest alignment to the largest). Layers read F32, F64, F16 and BF16 into their float parameters and I64 or I32
/// into the batch count; the other types are recognized, so a file that holds them elsewhere still reads, but they
/// cannot be loaded into a layer.
/// </summary>
public enum TensorDType
{
    /// <summary>Boolean, one byte.</summary>
    Bool,

    /// <summary>Unsigned 8-bit integer.</summary>
    U8,

    /// <summary>Signed 8-bit integer.</summary>
    I8,

    /// <summary>8-bit float with 5 exponent and 2 mantissa bits.</summary>
    F8E5M2,

    /// <summary>8-bit float with 4 exponent and 3 mantissa bits.</summary>
    F8E4M3,

    /// <summary>Signed 16-bit integer.</summary>
    I16,

    /// <summary>Unsigned 16-bit integer.</summary>
    U16,

    /// <summary>IEEE 754 half precision (System.Half); PyTorch <c>torch.float16</c>.</summary>
    F16,

    /// <summary>bfloat16: the upper 16 bits of a float32; PyTorch <c>torch.bfloat16</c>.</summary>
    BF16,

    /// <summary>Signed 32-bit integer.</summary>
    I32,

    /// <summary>Unsigned 32-bit integer.</summary>
    U32,

    /// <summary>IEEE 754 single precision (float); PyTorch <c>torch.float32</c>.</summary>
    F32,

    /// <summary>IEEE 754 double precision (double); PyTorch <c>torch.float64</c>.</summary>
    F64,

    /// <summary>Signed 64-bit integer; PyTorch <c>torch.int64</c>, the type of <c>num_batches_tracked</c>.</summary>
    I64,

    /// <summary>Unsigned 64-bit integer.</summary>
    U64,
}
