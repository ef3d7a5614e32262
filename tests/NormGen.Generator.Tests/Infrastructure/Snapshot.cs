using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;

namespace NormGen.Generator.Tests.Infrastructure;

/// <summary>
/// Snapshot assertions with Verify's conventions: <c>Name.verified.cs</c> is committed under Snapshots/; a mismatch
/// (or a missing verified file) writes <c>Name.received.cs</c> beside it and fails with a diff summary; setting
/// NORMGEN_ACCEPT_SNAPSHOTS=1 overwrites the verified file instead. Review a received file, then rename it or accept.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "NORMGEN_ACCEPT_SNAPSHOTS";

    /// <summary>tests/NormGen.Generator.Tests/Snapshots, found from this source file's path so any working directory works.</summary>
    public static string Directory { get; } = Path.GetFullPath(Path.Combine(SourceDirectory(), "..", "Snapshots"));

    public static void Match(string name, string actual) =>
        Match(Directory, name, actual, Environment.GetEnvironmentVariable(AcceptVariable) == "1");

    /// <summary>The core, with the folder and the accept switch explicit so the harness itself can be tested.</summary>
    public static void Match(string directory, string name, string actual, bool accept)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new InvalidOperationException($"Snapshot folder '{directory}' does not exist; [CallerFilePath] must point at the test sources.");
        }

        string verifiedPath = Path.Combine(directory, name + ".verified.cs");
        string receivedPath = Path.Combine(directory, name + ".received.cs");
        actual = Normalize(actual);

        if (accept)
        {
            File.WriteAllText(verifiedPath, actual, Utf8NoBom);
            File.Delete(receivedPath);
            return;
        }

        if (!File.Exists(verifiedPath))
        {
            File.WriteAllText(receivedPath, actual, Utf8NoBom);
            throw new SnapshotMismatchException(
                $"No verified snapshot {name}.verified.cs. Wrote {receivedPath}; review it, then rename it to .verified.cs or run with {AcceptVariable}=1.");
        }

        string expected = Normalize(File.ReadAllText(verifiedPath));
        if (expected == actual)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, actual, Utf8NoBom);
        throw new SnapshotMismatchException(
            $"Snapshot {name} differs. Wrote {receivedPath}; accept with {AcceptVariable}=1 if the change is intended.{Environment.NewLine}{DiffSummary(expected, actual)}");
    }

    /// <summary>The changed region between the common prefix and suffix of lines, with line numbers, at most 15 lines a side.</summary>
    public static string DiffSummary(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        int prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }

        int suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[a.Length - 1 - suffix] == b[b.Length - 1 - suffix])
        {
            suffix++;
        }

        var text = new StringBuilder();
        text.AppendLine($"verified: {a.Length} lines, received: {b.Length} lines; first difference at line {prefix + 1}.");
        text.AppendLine($"@@ verified lines {prefix + 1}-{a.Length - suffix}, received lines {prefix + 1}-{b.Length - suffix} @@");
        AppendSide(text, '-', a, prefix, a.Length - suffix);
        AppendSide(text, '+', b, prefix, b.Length - suffix);
        return text.ToString();
    }

    private static void AppendSide(StringBuilder text, char sign, string[] lines, int start, int end)
    {
        const int MaxLines = 15;
        foreach (string line in lines.Skip(start).Take(Math.Min(end - start, MaxLines)))
        {
            text.Append(sign).Append(' ').AppendLine(line);
        }

        if (end - start > MaxLines)
        {
            text.AppendLine($"{sign} ... {end - start - MaxLines} more lines");
        }
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").TrimStart('\uFEFF');

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}

/// <summary>A snapshot did not match its verified file.</summary>
internal sealed class SnapshotMismatchException(string message) : Exception(message);
