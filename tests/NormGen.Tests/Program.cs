namespace NormGen.Tests;

/// <summary>
/// The test assembly's entry point (the test SDK's generated one is turned off): `dotnet exec NormGen.Tests.dll --isa-check`
/// runs the reference checks in a child process for <see cref="IsaCheck"/>; anything else does nothing, as before.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => args.Length == 1 && args[0] == "--isa-check" ? IsaCheck.Run() : 0;
}
