using System;
using System.Collections.Generic;
using System.Linq;

namespace NormGen;

/// <summary>
/// Binds named tensors to a model's state: generated layers under a prefix (their Gamma, Beta, running statistics and
/// batch count, named by <see cref="Naming"/>) and plain arrays under a key (e.g. a linear layer's weight).
/// <see cref="Capture"/> reads everything into a <see cref="TensorSet"/> to save; <see cref="Load"/> checks every key,
/// element type, shape and count first and changes nothing unless all of them fit.
/// </summary>
/// <example>
/// <code>
/// var map = new StateMap()                      // PyTorch names
///     .Add("net.0.weight", linear.Weight, 100, 784)
///     .Add("net.1", norm1);                     // net.1.weight, .bias, .running_mean, .running_var, .num_batches_tracked
/// map.Load(Safetensors.ReadFile("model.safetensors"));
/// </code>
/// </example>
public sealed class StateMap
{
    private readonly List<StateEntry> _entries = new();
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly List<string> _owners = new();
    private int _arrays;

    /// <summary>Creates an empty map.</summary>
    /// <param name="naming">Key names for layers; null means <see cref="StateNaming.PyTorch"/>.</param>
    public StateMap(StateNaming? naming = null)
    {
        Naming = naming ?? StateNaming.PyTorch;
    }

    /// <summary>The key names used for layers.</summary>
    public StateNaming Naming { get; }

    /// <summary>Every bound key, in the order added.</summary>
    public IReadOnlyList<string> Keys => _entries.Select(e => e.Key).ToList();

    /// <summary>
    /// Binds a generated layer's state under <paramref name="prefix"/>: Gamma and Beta when the layer has them
    /// (PyTorch <c>weight</c>, <c>bias</c>), and for batch-norm layers that keep running statistics RunningMean,
    /// RunningVariance and BatchesTracked (<c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>).
    /// Every array has shape <c>[length]</c>; the count is a scalar <c>[]</c>.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="prefix">The layer's path in the file, e.g. <c>features.1</c>; empty for a file of one layer.</param>
    /// <param name="layer">The layer.</param>
    /// <returns>This map, to chain calls.</returns>
    /// <exception cref="ArgumentException">T is not float or double, or a key is bound already.</exception>
    public StateMap Add<T>(string prefix, INormalizationLayer<T> layer)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(layer);
        RequireFloatOrDouble<T>(layer.Name);
        var added = new List<StateEntry>();
        bool hasShift = layer.Beta.Length > 0;
        if (layer.Gamma.Length > 0)
        {
            added.Add(LayerArray(prefix, layer.Name, hasShift ? Naming.Scale : Naming.ScaleWithoutShift, nameof(layer.Gamma), layer.Gamma));
        }

        if (hasShift)
        {
            added.Add(LayerArray(prefix, layer.Name, Naming.Shift, nameof(layer.Beta), layer.Beta));
        }

        if (layer is IBatchNormLayer<T> batchNorm && batchNorm.RunningMean.Length > 0)
        {
            added.Add(LayerArray(prefix, layer.Name, Naming.RunningMean, nameof(batchNorm.RunningMean), batchNorm.RunningMean));
            added.Add(LayerArray(prefix, layer.Name, Naming.RunningVariance, nameof(batchNorm.RunningVariance), batchNorm.RunningVariance));
            if (Naming.BatchesTracked is string countName)
            {
                added.Add(new CountEntry<T>(Naming.Key(prefix, countName), batchNorm));
            }
        }

        AddAll(added);
        _owners.Add(layer.Name);
        return this;
    }

    /// <summary>Binds a float array (e.g. a linear layer's weight) to <paramref name="key"/> with the given shape.</summary>
    /// <param name="key">The full tensor name, e.g. <c>net.0.weight</c>.</param>
    /// <param name="values">The array; loading overwrites its elements.</param>
    /// <param name="shape">Dimensions; none means <c>[values.Length]</c>. Their product must equal <c>values.Length</c>.</param>
    /// <returns>This map, to chain calls.</returns>
    /// <exception cref="ArgumentException">The shape does not fit the array, or the key is bound already.</exception>
    public StateMap Add(string key, float[] values, params long[] shape) => AddArray(key, values, shape);

    /// <summary>Binds a double array to <paramref name="key"/> with the given shape.</summary>
    /// <param name="key">The full tensor name.</param>
    /// <param name="values">The array; loading overwrites its elements.</param>
    /// <param name="shape">Dimensions; none means <c>[values.Length]</c>. Their product must equal <c>values.Length</c>.</param>
    /// <returns>This map, to chain calls.</returns>
    /// <exception cref="ArgumentException">The shape does not fit the array, or the key is bound already.</exception>
    public StateMap Add(string key, double[] values, params long[] shape) => AddArray(key, values, shape);

    /// <summary>
    /// The current values of every bound key, in the order added: arrays in their own element type (F32 for float,
    /// F64 for double), batch counts as I64 scalars. The tensors are copies.
    /// </summary>
    public TensorSet Capture() => new(_entries.Select(e => e.Capture()));

    /// <summary>
    /// Loads every bound key from <paramref name="tensors"/>. First checks each key: present, a float element type
    /// (F32, F64, F16, BF16; I64 or I32 for a batch count), the exact shape, a non-negative count. With
    /// <paramref name="strict"/>, a tensor in the set that no bound key names is a problem too (as PyTorch's
    /// <c>load_state_dict(strict=True)</c>). Only when nothing is wrong are the values converted and assigned.
    /// </summary>
    /// <param name="tensors">The tensors, e.g. from <see cref="Safetensors.ReadFile"/>.</param>
    /// <param name="strict">True: reject tensors the map does not bind. False: ignore them. Missing keys are always an error.</param>
    /// <exception cref="StateMismatchException">Anything does not fit; the message lists every problem, and nothing changed.</exception>
    public void Load(TensorSet tensors, bool strict = true) =>
        LoadScoped(tensors, strict ? UnexpectedScope.Everything : UnexpectedScope.Nothing, null);

    /// <summary>Where a strict load looks for tensors that no bound key names.</summary>
    internal enum UnexpectedScope
    {
        Nothing,
        Everything,
        UnderPrefix,
    }

    /// <summary>The load behind <see cref="Load(TensorSet, bool)"/> and <see cref="LayerState"/>.</summary>
    /// <param name="tensors">The tensors.</param>
    /// <param name="scope">Which unbound tensors are problems.</param>
    /// <param name="prefix">With <see cref="UnexpectedScope.UnderPrefix"/>: the prefix whose keys must all be bound.</param>
    internal void LoadScoped(TensorSet tensors, UnexpectedScope scope, string? prefix)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var problems = new List<string>();
        var found = new List<(StateEntry Entry, NamedTensor Tensor)>();
        foreach (StateEntry entry in _entries)
        {
            if (!tensors.TryGetValue(entry.Key, out NamedTensor? tensor))
            {
                problems.Add($"{entry.Target} (key '{entry.Key}'): missing; expected shape {NamedTensor.FormatShape(entry.Shape)}, " +
                    $"the file has {StateText.ListNames(NearbyKeys(tensors, entry.Key))}.");
                continue;
            }

            if (entry.Check(tensor) is string problem)
            {
                problems.Add(problem);
                continue;
            }

            found.Add((entry, tensor));
        }

        foreach (NamedTensor tensor in tensors.Values)
        {
            bool inScope = scope == UnexpectedScope.Everything ||
                (scope == UnexpectedScope.UnderPrefix && Naming.IsUnder(tensor.Name, prefix!));
            if (inScope && !_keys.Contains(tensor.Name))
            {
                problems.Add($"{Target}: unexpected key '{tensor.Name}' ({TensorDTypes.SafetensorsName(tensor.DType)} {tensor.ShapeText})" +
                    (scope == UnexpectedScope.UnderPrefix && prefix!.Length > 0 ? $" under prefix '{prefix}'" : "") +
                    " is not part of the state; load with strict: false to ignore it.");
            }
        }

        if (problems.Count > 0)
        {
            throw new StateMismatchException(Target, problems);
        }

        // Decode everything before assigning anything: a conversion cannot leave the model half-loaded.
        var assignments = found.Select(f => f.Entry.Prepare(f.Tensor)).ToList();
        foreach (Action assign in assignments)
        {
            assign();
        }
    }

    private string Target
    {
        get
        {
            var parts = new List<string>(_owners);
            if (_arrays > 0)
            {
                parts.Add(_arrays == 1 ? "1 array" : _arrays + " arrays");
            }

            return parts.Count == 0 ? "an empty StateMap" : string.Join(", ", parts);
        }
    }

    // Keys that share the missing key's first path segment, or all keys: a wrong prefix shows at a glance.
    private IEnumerable<string> NearbyKeys(TensorSet tensors, string key)
    {
        int cut = key.IndexOf(Naming.Separator, StringComparison.Ordinal);
        if (cut > 0)
        {
            string head = key.Substring(0, cut + Naming.Separator.Length);
            List<string> near = tensors.Keys.Where(k => k.StartsWith(head, StringComparison.Ordinal)).ToList();
            if (near.Count > 0)
            {
                return near;
            }
        }

        return tensors.Keys;
    }

    private StateEntry LayerArray<T>(string prefix, string owner, string name, string member, T[] values)
        where T : unmanaged =>
        new ArrayEntry<T>(Naming.Key(prefix, name), owner, member, new long[] { values.Length }, values);

    private StateMap AddArray<T>(string key, T[] values, long[] shape)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        long[] dims = shape.Length == 0 ? new long[] { values.Length } : (long[])shape.Clone();
        long count = 1;
        foreach (long d in dims)
        {
            count = d < 0 ? -1 : count * d;
            if (count < 0 || count > values.Length)
            {
                break;
            }
        }

        if (count != values.Length)
        {
            throw new ArgumentException(
                $"StateMap: key '{key}': shape {NamedTensor.FormatShape(dims)} does not describe an array of {values.Length} elements.", nameof(shape));
        }

        AddAll(new List<StateEntry> { new ArrayEntry<T>(key, "array", "", dims, values) });
        _arrays++;
        return this;
    }

    private void AddAll(List<StateEntry> added)
    {
        foreach (StateEntry entry in added)
        {
            if (_keys.Contains(entry.Key) || added.Count(e => e.Key == entry.Key) > 1)
            {
                throw new ArgumentException($"StateMap: key '{entry.Key}' ({entry.Target}) is bound already; give each layer its own prefix.");
            }
        }

        foreach (StateEntry entry in added)
        {
            _keys.Add(entry.Key);
            _entries.Add(entry);
        }
    }

    private static void RequireFloatOrDouble<T>(string owner)
    {
        // No typeof(T).Name in the message: the runtime stays free of reflection (NoReflectionTests).
        if (!(typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            throw new ArgumentException($"StateMap: {owner} has an element type other than float or double; only float and double layers have stored state.");
        }
    }
}
