using System;
using System.IO;
using System.Linq;
using Xunit;

namespace NormGen.Package.Tests;

/// <summary>
/// A fact that publishes with NativeAOT, which on Linux links with clang and needs zlib's headers
/// (<c>apt-get install clang zlib1g-dev</c>). On a machine with only the .NET SDK it is skipped with that message, unless
/// NORMGEN_REQUIRE_NATIVE_TOOLS=1 (set by CI), where missing tools fail it instead, so CI cannot pass by skipping.
/// </summary>
public sealed class NativeAotFactAttribute : FactAttribute
{
    public NativeAotFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("NORMGEN_REQUIRE_NATIVE_TOOLS") == "1")
        {
            return;
        }

        bool hasClang = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, "clang")));
        if (!hasClang || !File.Exists("/usr/include/zlib.h"))
        {
            Skip = "NativeAOT on Linux needs clang and zlib's headers: apt-get install clang zlib1g-dev (CI installs them and requires this test).";
        }
    }
}
