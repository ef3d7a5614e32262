using System;
using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Razorvine.Pickle;

namespace NormGen.PyTorch;

/// <summary>A storage a checkpoint refers to by persistent id: its entry key in <c>data/</c>, element type and count.</summary>
internal sealed record TorchStorage(string Key, TensorDType DType, long ElementCount, string Location);

/// <summary>What <c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)</c> describes: a strided view of a storage.</summary>
internal sealed record TorchTensor(TorchStorage Storage, long Offset, long[] Size, long[] Stride);

/// <summary>
/// <c>collections.OrderedDict</c>: a Hashtable, because the unpickler's SETITEMS writes into one. PyTorch attaches
/// the module versions (<c>_metadata</c>) through BUILD, which calls <see cref="__setstate__"/>; they are kept but unused.
/// </summary>
internal sealed class TorchOrderedDict : Hashtable
{
    /// <summary>State from BUILD (PyTorch: <c>{"_metadata": OrderedDict}</c>).</summary>
    public Hashtable? State { get; private set; }

    /// <summary>Called by the unpickler's BUILD opcode through reflection.</summary>
    [SuppressMessage("Style", "IDE1006:Naming Styles", Justification = "The name the unpickler looks up.")]
    public void __setstate__(Hashtable state) => State = state;
}

/// <summary>Builds <see cref="TorchOrderedDict"/> for <c>collections.OrderedDict()</c> (with no arguments, as pickled).</summary>
internal sealed class OrderedDictConstructor : IObjectConstructor
{
    [DynamicDependency(nameof(TorchOrderedDict.__setstate__), typeof(TorchOrderedDict))]
    public object construct(object[] args) =>
        args.Length == 0
            ? new TorchOrderedDict()
            : throw new PickleException($"collections.OrderedDict with {args.Length} constructor arguments is not a PyTorch state_dict.");
}

/// <summary><c>torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])</c>.</summary>
internal sealed class RebuildTensorConstructor : IObjectConstructor
{
    public object construct(object[] args)
    {
        if (args.Length < 4 || args[0] is not TorchStorage storage)
        {
            throw new PickleException("torch._utils._rebuild_tensor_v2 expects (storage, offset, size, stride, ...); got " + args.Length + " arguments.");
        }

        return new TorchTensor(storage, ToLong(args[1], "storage_offset"), ToLongs(args[2], "size"), ToLongs(args[3], "stride"));
    }

    internal static long ToLong(object value, string what) => value switch
    {
        int i => i,
        long l => l,
        _ => throw new PickleException($"_rebuild_tensor_v2: {what} must be an integer; got {value?.GetType().Name ?? "None"}."),
    };

    private static long[] ToLongs(object value, string what)
    {
        if (value is not object[] items)
        {
            throw new PickleException($"_rebuild_tensor_v2: {what} must be a tuple of integers; got {value?.GetType().Name ?? "None"}.");
        }

        return Array.ConvertAll(items, item => ToLong(item, what));
    }
}

/// <summary><c>torch._utils._rebuild_parameter(data, requires_grad, backward_hooks)</c>: a Parameter is its tensor here.</summary>
internal sealed class RebuildParameterConstructor : IObjectConstructor
{
    public object construct(object[] args) =>
        args.Length >= 1 && args[0] is TorchTensor tensor
            ? tensor
            : throw new PickleException("torch._utils._rebuild_parameter expects (tensor, requires_grad, backward_hooks).");
}
