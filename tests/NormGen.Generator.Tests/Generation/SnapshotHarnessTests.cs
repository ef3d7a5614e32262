using System;
using System.IO;
using NormGen.Generator.Tests.Infrastructure;

namespace NormGen.Generator.Tests.Generation;

/// <summary>The snapshot helper itself: received files, accepting, the diff summary.</summary>
public sealed class SnapshotHarnessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("normgen-snapshots-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void SnapshotFolderIsFoundFromTheSourcePath() =>
        Assert.True(File.Exists(Path.Combine(Snapshot.Directory, "..", "NormGen.Generator.Tests.csproj")), Snapshot.Directory);

    [Fact]
    public void MissingVerifiedFileWritesReceivedAndFails()
    {
        Assert.Throws<SnapshotMismatchException>(() => Snapshot.Match(_directory, "New", "class A { }\n", accept: false));
        Assert.Equal("class A { }\n", File.ReadAllText(Path.Combine(_directory, "New.received.cs")));
        Assert.False(File.Exists(Path.Combine(_directory, "New.verified.cs")));
    }

    [Fact]
    public void MismatchWritesReceivedAndSummarizesTheDifference()
    {
        File.WriteAllText(Path.Combine(_directory, "Case.verified.cs"), "a\nb\nc\nd\n");
        var error = Assert.Throws<SnapshotMismatchException>(() => Snapshot.Match(_directory, "Case", "a\nB\nc\nd\n", accept: false));
        Assert.Contains("first difference at line 2", error.Message);
        Assert.Contains("- b", error.Message);
        Assert.Contains("+ B", error.Message);
        Assert.Equal("a\nB\nc\nd\n", File.ReadAllText(Path.Combine(_directory, "Case.received.cs")));
    }

    [Fact]
    public void AcceptOverwritesVerifiedAndRemovesReceived()
    {
        File.WriteAllText(Path.Combine(_directory, "Case.verified.cs"), "old\n");
        File.WriteAllText(Path.Combine(_directory, "Case.received.cs"), "new\n");
        Snapshot.Match(_directory, "Case", "new\n", accept: true);
        Assert.Equal("new\n", File.ReadAllText(Path.Combine(_directory, "Case.verified.cs")));
        Assert.False(File.Exists(Path.Combine(_directory, "Case.received.cs")));
    }

    [Fact]
    public void MatchIgnoresLineEndingsAndRemovesStaleReceived()
    {
        File.WriteAllText(Path.Combine(_directory, "Case.verified.cs"), "a\r\nb\r\n");
        File.WriteAllText(Path.Combine(_directory, "Case.received.cs"), "stale\n");
        Snapshot.Match(_directory, "Case", "a\nb\n", accept: false);
        Assert.False(File.Exists(Path.Combine(_directory, "Case.received.cs")));
    }
}
