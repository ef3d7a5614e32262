using System;
using Xunit;

namespace NormGen.Mpi.Tests;

/// <summary>
/// Whether the MPI tests can run here. They need MPICH (<c>apt-get install mpich</c>); on a machine with only the .NET
/// SDK they are skipped with that message, unless NORMGEN_REQUIRE_NATIVE_TOOLS=1 (set by CI), where a missing mpiexec
/// fails them instead, so CI cannot pass by skipping.
/// </summary>
internal static class MpiAvailability
{
    public static string? SkipReason { get; } =
        !IsInstalled() && Environment.GetEnvironmentVariable("NORMGEN_REQUIRE_NATIVE_TOOLS") != "1"
            ? "MPICH's mpiexec is not installed: apt-get install mpich (CI installs it and requires these tests)."
            : null;

    private static bool IsInstalled()
    {
        try
        {
            MpiLauncher.FindMpiexec();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>A fact that needs MPICH; see <see cref="MpiAvailability"/>.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute() => Skip = MpiAvailability.SkipReason;
}

/// <summary>A theory that needs MPICH; see <see cref="MpiAvailability"/>.</summary>
public sealed class MpiTheoryAttribute : TheoryAttribute
{
    public MpiTheoryAttribute() => Skip = MpiAvailability.SkipReason;
}
