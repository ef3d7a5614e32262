using System;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;

namespace NormGen.PyTorch;

/// <summary>
/// Unpickles a checkpoint's <c>data.pkl</c>: persistent ids <c>('storage', torch.&lt;Type&gt;Storage, key, location,
/// numel)</c> become <see cref="TorchStorage"/> records (the bytes are read from the zip afterwards), and the few
/// globals a state_dict uses become plain objects. Nothing from the file is executed.
/// </summary>
internal sealed class CheckpointUnpickler : Unpickler
{
    static CheckpointUnpickler()
    {
        // Razorvine keeps constructors in one process-wide table; these are stateless, so registering once is enough.
        registerConstructor("collections", "OrderedDict", new OrderedDictConstructor());
        registerConstructor("torch._utils", "_rebuild_tensor_v2", new RebuildTensorConstructor());
        registerConstructor("torch._utils", "_rebuild_parameter", new RebuildParameterConstructor());
    }

    /// <inheritdoc/>
    protected override object persistentLoad(object pid)
    {
        if (pid is not object[] { Length: 5 } id || id[0] is not string kind || kind != "storage")
        {
            throw new PickleException($"unsupported persistent id {Describe(pid)}; expected ('storage', type, key, location, numel).");
        }

        if (id[1] is not ClassDictConstructor type)
        {
            throw new PickleException($"persistent id {Describe(pid)}: the storage type is not a class reference.");
        }

        if (!TorchStorageTypes.TryGet(type.module, type.name, out TensorDType dtype))
        {
            throw new PickleException($"unsupported storage type {type.module}.{type.name}; this reader knows torch.{TorchStorageTypes.Known.Replace(", ", ", torch.", StringComparison.Ordinal)}.");
        }

        if (id[2] is not string key || id[3] is not string location)
        {
            throw new PickleException($"persistent id {Describe(pid)}: key and location must be strings.");
        }

        long count = RebuildTensorConstructor.ToLong(id[4], "numel");
        return count < 0
            ? throw new PickleException($"storage '{key}' has a negative element count {count}.")
            : new TorchStorage(key, dtype, count, location);
    }

    private static string Describe(object pid) =>
        pid is object[] items ? "(" + string.Join(", ", Array.ConvertAll(items, i => i?.ToString() ?? "None")) + ")" : pid?.ToString() ?? "None";
}
