namespace NormGen.Generator.Emitting;

/// <summary>
/// What the members every kind shares need to know about one layer: its types, its parameter arrays and the text of
/// its docs. Each kind's emitter describes its layer with one of these; <see cref="CommonMembers"/> writes the rest.
/// </summary>
/// <param name="Element">The element type keyword: float or double.</param>
/// <param name="Interface">The runtime interface the layer implements, global::-qualified.</param>
/// <param name="CoreBase">The runtime core the file-local implementation derives from, e.g. <c>BatchNormCore&lt;float&gt;</c>.</param>
/// <param name="SampleLength">How the elements per sample are computed, for its doc, e.g. <c>Features * Spatial</c>.</param>
/// <param name="ParameterNoun">What one parameter value belongs to: feature or channel.</param>
/// <param name="Affine">Whether the layer has learnable parameters.</param>
/// <param name="NoShift">Why an affine layer has no Beta (RMS norm), or null when it has one.</param>
/// <param name="Training">The summary of the Training property.</param>
/// <param name="Forward">The summary lines of Forward.</param>
/// <param name="ForwardThrows">The ArgumentException text of Forward.</param>
/// <param name="Backward">The summary lines of Backward.</param>
/// <param name="BackwardThrows">The ArgumentException and InvalidOperationException texts of Backward.</param>
internal sealed record LayerSurface(
    string Element,
    string Interface,
    string CoreBase,
    string SampleLength,
    string ParameterNoun,
    bool Affine,
    string? NoShift,
    string Training,
    string[] Forward,
    string ForwardThrows,
    string[] Backward,
    (string Argument, string InvalidOperation) BackwardThrows);
