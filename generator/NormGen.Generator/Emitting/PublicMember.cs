using System;
using System.Collections.Generic;
using System.Linq;

namespace NormGen.Generator.Emitting;

/// <summary>
/// One public member the generator adds to the user's type. Each kind lists its members once; the emitter writes the
/// user-facing part of the layer from that list, and the parser reports a user member of the same name (NG0010) from
/// the same list, so the two cannot drift apart.
/// </summary>
/// <typeparam name="TSpec">The kind's spec.</typeparam>
internal sealed class PublicMember<TSpec>
{
    private readonly Action<MemberWriter, TSpec> _write;

    public PublicMember(string name, Action<MemberWriter, TSpec> write)
    {
        Name = name;
        _write = write;
    }

    /// <summary>The member's name, as the user sees it.</summary>
    public string Name { get; }

    /// <summary>Writes the member (with its doc comment), or nothing when the spec has no such member.</summary>
    public void Write(MemberWriter writer, TSpec spec) => _write(writer, spec);

    /// <summary>The names of <paramref name="members"/>, in order.</summary>
    public static IEnumerable<string> Names(IEnumerable<PublicMember<TSpec>> members) => members.Select(m => m.Name);
}

/// <summary>
/// Writes the members of the user's partial type. That type lives in the user's namespace, where any name may mean
/// something else, so every type is written global::-qualified, and no contextual keyword (var, nameof) is used.
/// Members forward to the core field, the one piece of private state the layer holds.
/// </summary>
internal sealed class MemberWriter
{
    /// <summary>The layer's only private member: its core, named with a reserved prefix.</summary>
    public const string CoreField = "__normGenCore";

    public MemberWriter(SourceWriter writer, LayerSurface surface)
    {
        Source = writer;
        Surface = surface;
    }

    public SourceWriter Source { get; }

    public LayerSurface Surface { get; }

    /// <summary>The element type keyword: float or double.</summary>
    public string T => Surface.Element;

    /// <summary><c>global::System.ReadOnlySpan&lt;T&gt;</c>.</summary>
    public string ReadOnlySpan => "global::System.ReadOnlySpan<" + T + ">";

    /// <summary><c>global::System.Span&lt;T&gt;</c>.</summary>
    public string Span => "global::System.Span<" + T + ">";

    /// <summary>Writes a doc comment: a one-line summary, or a block for several lines, then exceptions.</summary>
    public MemberWriter Doc(IReadOnlyList<string> summary, params (string Exception, string Text)[] exceptions)
    {
        if (summary.Count == 1)
        {
            Source.Summary(summary[0]);
        }
        else
        {
            Source.Line("/// <summary>");
            foreach (string line in summary)
            {
                Source.Line("/// " + line);
            }

            Source.Line("/// </summary>");
        }

        foreach ((string exception, string text) in exceptions)
        {
            Source.Line("/// <exception cref=\"global::System." + exception + "\">" + text + "</exception>");
        }

        return this;
    }

    /// <summary><c>public const type name = value;</c> with its summary.</summary>
    public void Constant(string summary, string type, string name, string value)
    {
        Doc(new[] { summary });
        Source.Line("public const " + type + " " + name + " = " + value + ";").Line();
    }

    /// <summary>A read-only property that forwards to the core's member of the same name.</summary>
    public void Forwarded(string summary, string type, string name, params (string Exception, string Text)[] exceptions)
    {
        Doc(new[] { summary }, exceptions);
        Source.Line("public " + type + " " + name + " => " + CoreField + "." + name + ";").Line();
    }

    /// <summary>A read-write property that forwards to the core's member of the same name.</summary>
    public void ForwardedSettable(string summary, string type, string name, params (string Exception, string Text)[] exceptions) =>
        ForwardedSettable(new[] { summary }, type, name, exceptions);

    /// <summary>A read-write property that forwards to the core's member of the same name, with a summary of several lines.</summary>
    public void ForwardedSettable(IReadOnlyList<string> summary, string type, string name, params (string Exception, string Text)[] exceptions)
    {
        Doc(summary, exceptions);
        Source.Open("public " + type + " " + name);
        Source.Line("get => " + CoreField + "." + name + ";");
        Source.Line("set => " + CoreField + "." + name + " = value;");
        Source.Close().Line();
    }

    /// <summary>A method that forwards its arguments to the core's method of the same name.</summary>
    /// <param name="summary">The summary lines.</param>
    /// <param name="name">The method name.</param>
    /// <param name="parameters">(type, name) of each parameter.</param>
    /// <param name="exceptions">Documented exceptions.</param>
    public void ForwardedMethod(IReadOnlyList<string> summary, string name, (string Type, string Name)[] parameters, params (string Exception, string Text)[] exceptions)
    {
        Doc(summary, exceptions);
        string declared = string.Join(", ", parameters.Select(p => p.Type + " " + p.Name));
        string passed = string.Join(", ", parameters.Select(p => p.Name));
        Source.Line("public void " + name + "(" + declared + ") => " + CoreField + "." + name + "(" + passed + ");").Line();
    }
}
