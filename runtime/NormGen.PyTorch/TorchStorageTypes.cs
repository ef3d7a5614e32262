using System.Collections.Generic;

namespace NormGen.PyTorch;

/// <summary>
/// PyTorch's typed storage classes (the second item of a checkpoint's persistent id, e.g. <c>torch.FloatStorage</c>)
/// and the element type each holds.
/// </summary>
internal static class TorchStorageTypes
{
    private static readonly Dictionary<string, TensorDType> ByName = new()
    {
        ["FloatStorage"] = TensorDType.F32,
        ["DoubleStorage"] = TensorDType.F64,
        ["HalfStorage"] = TensorDType.F16,
        ["BFloat16Storage"] = TensorDType.BF16,
        ["LongStorage"] = TensorDType.I64,
        ["IntStorage"] = TensorDType.I32,
        ["ShortStorage"] = TensorDType.I16,
        ["CharStorage"] = TensorDType.I8,
        ["ByteStorage"] = TensorDType.U8,
        ["BoolStorage"] = TensorDType.Bool,
    };

    /// <summary>The element type of <c>torch.&lt;name&gt;</c>, or false for a storage type this reader does not know.</summary>
    public static bool TryGet(string module, string name, out TensorDType dtype)
    {
        dtype = default;
        return module == "torch" && ByName.TryGetValue(name, out dtype);
    }

    /// <summary>The known names, for error messages.</summary>
    public static string Known => string.Join(", ", ByName.Keys);
}
