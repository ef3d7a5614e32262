using System;
using System.Threading;

namespace NormGen.Generated;

/// <summary>
/// A few reusable scratch objects for calls that may run on several threads at once (inference Forward). A call takes
/// one with <see cref="Rent"/> and gives it back with <see cref="Return"/>; with no more threads than slots, steady-state
/// calls allocate nothing. Lock-free: one interlocked exchange per slot tried.
/// </summary>
/// <typeparam name="TItem">The scratch type.</typeparam>
internal sealed class ScratchPool<TItem>
    where TItem : class
{
    private readonly TItem?[] _slots = new TItem?[Math.Max(4, Environment.ProcessorCount)];
    private readonly Func<TItem> _create;

    public ScratchPool(Func<TItem> create) => _create = create;

    /// <summary>A free scratch object, or a new one when every slot is in use.</summary>
    public TItem Rent()
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            TItem? item = Interlocked.Exchange(ref _slots[i], null);
            if (item is not null)
            {
                return item;
            }
        }

        return _create();
    }

    /// <summary>Keeps <paramref name="item"/> for the next call, unless every slot is full.</summary>
    public void Return(TItem item)
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _slots[i], item, null) is null)
            {
                return;
            }
        }
    }
}
