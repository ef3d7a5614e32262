using System;
using System.Text;

namespace NormGen.Generator.Emitting;

/// <summary>Builds indented C# text line by line; blocks open and close with braces.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;
    private bool _afterBlock;

    /// <summary>
    /// Writes one line at the current indentation (an empty line has no trailing spaces). A statement that follows
    /// a closed block gets a blank line before it, as hand-written C# does.
    /// </summary>
    public SourceWriter Line(string line = "")
    {
        if (_afterBlock && line.Length > 0 && !line.StartsWith("}", StringComparison.Ordinal) && !line.StartsWith("else", StringComparison.Ordinal))
        {
            _text.Append('\n');
        }

        _afterBlock = false;
        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4);
        }

        _text.Append(line).Append('\n');
        return this;
    }

    /// <summary>Writes <paramref name="header"/>, then an opening brace, and indents.</summary>
    public SourceWriter Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return this;
    }

    /// <summary>Dedents and writes a closing brace (with an optional suffix such as ';').</summary>
    public SourceWriter Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
        _afterBlock = true;
        return this;
    }

    /// <summary>Writes each line of a multi-line block at the current indentation.</summary>
    public SourceWriter Lines(string block)
    {
        foreach (string line in block.Replace("\r\n", "\n").Split('\n'))
        {
            Line(line);
        }

        return this;
    }

    /// <summary>Removes a blank line just written, so a block does not end with one.</summary>
    public SourceWriter TrimTrailingBlankLine()
    {
        if (_text.Length >= 2 && _text[_text.Length - 1] == '\n' && _text[_text.Length - 2] == '\n')
        {
            _text.Length--;
        }

        return this;
    }

    /// <summary>Writes the summary doc comment of a member.</summary>
    public SourceWriter Summary(string text) => Line("/// <summary>" + text + "</summary>");

    public override string ToString() => _text.ToString();
}
