using System;
using System.Globalization;

namespace NormGen.Benchmarks;

/// <summary>
/// One benchmark case: a kind and a float32 shape. Data is row-major (Batch, Channels) when Spatial is 1,
/// else (Batch, Channels, Spatial). Groups is used by group norm only (1 otherwise).
/// </summary>
/// <param name="Kind">The normalization kind.</param>
/// <param name="Batch">Samples per batch.</param>
/// <param name="Channels">Features or channels per sample.</param>
/// <param name="Spatial">Positions per channel (H * W); 1 for (batch, features) data.</param>
/// <param name="Groups">Channel groups (group norm); 1 otherwise.</param>
public sealed record BenchCase(NormKind Kind, int Batch, int Channels, int Spatial = 1, int Groups = 1)
{
    /// <summary>The shape as on the command line: "32x128" or "32x64x784".</summary>
    public string Shape => Spatial == 1
        ? string.Create(CultureInfo.InvariantCulture, $"{Batch}x{Channels}")
        : string.Create(CultureInfo.InvariantCulture, $"{Batch}x{Channels}x{Spatial}");

    /// <summary>Unique name, e.g. "batchnorm-32x128" or "groupnorm-8x64x1024-g32".</summary>
    public string Id => Kind == NormKind.GroupNorm
        ? string.Create(CultureInfo.InvariantCulture, $"{Kind.Id()}-{Shape}-g{Groups}")
        : $"{Kind.Id()}-{Shape}";

    /// <summary>Elements per sample.</summary>
    public int SampleLength => Channels * Spatial;

    /// <summary>Elements in x.</summary>
    public int Elements => checked(Batch * Channels * Spatial);

    /// <summary>Report label, e.g. "BatchNorm (32, 128)" or "GroupNorm (8, 64, 1024), 32 groups".</summary>
    public string Label
    {
        get
        {
            string dims = Spatial == 1
                ? string.Create(CultureInfo.InvariantCulture, $"({Batch}, {Channels})")
                : string.Create(CultureInfo.InvariantCulture, $"({Batch}, {Channels}, {Spatial})");
            return Kind == NormKind.GroupNorm
                ? string.Create(CultureInfo.InvariantCulture, $"{Kind.Title()} {dims}, {Groups} groups")
                : $"{Kind.Title()} {dims}";
        }
    }

    /// <summary>The channel (index into Gamma and Beta) of element <paramref name="e"/> of x.</summary>
    public int ChannelOf(long e) => (int)(e / Spatial % Channels);

    /// <summary>True when <paramref name="text"/> (a shape such as "32x128") names this case's shape.</summary>
    public bool HasShape(string text) => string.Equals(text.Trim(), Shape, StringComparison.OrdinalIgnoreCase);
}
