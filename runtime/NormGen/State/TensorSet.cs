using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace NormGen;

/// <summary>
/// The tensors of one file (or one state dictionary) by name, in file order, with optional string metadata (the
/// safetensors <c>__metadata__</c> map). Names are unique. Every reader returns one; <see cref="StateMap.Load"/>
/// and <see cref="LayerState.Load{T}"/> take one.
/// </summary>
public sealed class TensorSet : IReadOnlyDictionary<string, NamedTensor>
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    private readonly List<NamedTensor> _ordered;
    private readonly Dictionary<string, NamedTensor> _byName;

    /// <summary>Collects <paramref name="tensors"/> (in their order) and a copy of <paramref name="metadata"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="tensors"/> or one of its items is null.</exception>
    /// <exception cref="ArgumentException">Two tensors share a name.</exception>
    public TensorSet(IEnumerable<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _ordered = new List<NamedTensor>();
        _byName = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        foreach (NamedTensor tensor in tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            if (!_byName.TryAdd(tensor.Name, tensor))
            {
                throw new ArgumentException($"TensorSet: the name '{tensor.Name}' occurs twice; every tensor needs its own name.", nameof(tensors));
            }

            _ordered.Add(tensor);
        }

        Metadata = metadata is null ? NoMetadata : new Dictionary<string, string>(metadata, StringComparer.Ordinal);
    }

    /// <summary>Free-form string metadata (safetensors <c>__metadata__</c>); empty when there is none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors in file order.</summary>
    public IReadOnlyList<NamedTensor> Tensors => _ordered;

    /// <summary>Number of tensors.</summary>
    public int Count => _ordered.Count;

    /// <summary>The names in file order.</summary>
    public IEnumerable<string> Keys
    {
        get
        {
            foreach (NamedTensor tensor in _ordered)
            {
                yield return tensor.Name;
            }
        }
    }

    /// <summary>The tensors in file order.</summary>
    public IEnumerable<NamedTensor> Values => _ordered;

    /// <summary>The tensor named <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name; the message lists a few that exist.</exception>
    public NamedTensor this[string key] =>
        _byName.TryGetValue(key, out NamedTensor? tensor)
            ? tensor
            : throw new KeyNotFoundException($"TensorSet: no tensor named '{key}' among {Count} ({StateText.ListNames(Keys)}).");

    /// <summary>Whether a tensor is named <paramref name="key"/>.</summary>
    public bool ContainsKey(string key) => _byName.ContainsKey(key);

    /// <summary>Looks up a tensor by name.</summary>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out NamedTensor value) => _byName.TryGetValue(key, out value);

    /// <summary>Enumerates (name, tensor) pairs in file order.</summary>
    public IEnumerator<KeyValuePair<string, NamedTensor>> GetEnumerator()
    {
        foreach (NamedTensor tensor in _ordered)
        {
            yield return new KeyValuePair<string, NamedTensor>(tensor.Name, tensor);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
