using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.InteropServices;

namespace NormGen.Mpi;

/// <summary>
/// Points MPI.NET's native calls at this machine's MPI library. MPI.NET 1.4.0 is compiled against MS-MPI: its
/// P/Invokes name <c>msmpi.dll</c> and pass MS-MPI's integer handles (MPI_COMM_WORLD = 0x44000000, MPI_DOUBLE =
/// 0x4c00080b, ...). MPICH and the MPICH-ABI family (MPICH 3.1 and later, Intel MPI, MVAPICH) use the same handles and
/// signatures, so on Linux and macOS <see cref="Register"/> loads that library and hands it to MPI.NET in place of
/// msmpi.dll. Open MPI's handles are pointers to its own structures: it is detected and refused, because MPI.NET's
/// calls would crash it.
/// </summary>
/// <remarks>
/// <para>
/// Call <see cref="Register"/> once, before MPI.NET's first native call (before <c>new MPI.Environment(ref args)</c>
/// or <c>MPI.Environment.Run</c>): the runtime binds a P/Invoke to a library on its first call and keeps it. It is an
/// explicit call, not a module initializer, because a module initializer runs only when NormGen.Mpi's own code is first
/// used, which in a typical Main comes after MPI.NET has started.
/// </para>
/// <para>
/// Which library is loaded, in order: the file or name in the environment variable
/// <see cref="LibraryVariable"/> if it is set; on Linux <c>libmpich.so.12</c> (Debian and Ubuntu package
/// <c>mpich</c>), then <c>libmpi.so.12</c> (Intel MPI, MVAPICH, MPICH built as libmpi); on macOS
/// <c>libmpich.12.dylib</c>, then <c>libmpi.12.dylib</c>; on Windows <c>msmpi.dll</c> (MS-MPI) itself.
/// </para>
/// </remarks>
public static class MpiNativeLibrary
{
    /// <summary>The environment variable that names the MPI library to load (a path or a file name) instead of the defaults.</summary>
    public const string LibraryVariable = "NORMGEN_MPI_LIBRARY";

    private static readonly object Gate = new();
    private static IntPtr _handle;

    /// <summary>The library <see cref="Register"/> loaded (as it was found: a path or a file name); null before.</summary>
    public static string? LoadedLibrary { get; private set; }

    /// <summary>
    /// Loads this machine's MPICH-ABI MPI library and makes MPI.NET use it. Does nothing after the first successful
    /// call. Safe to call from any thread.
    /// </summary>
    /// <exception cref="DllNotFoundException">
    /// No MPICH-ABI library could be loaded; the message lists what was tried and how to install MPICH.
    /// </exception>
    /// <exception cref="NotSupportedException">The library found is Open MPI, whose ABI MPI.NET cannot call.</exception>
    /// <exception cref="InvalidOperationException">
    /// MPI.NET's assembly already has a DllImport resolver set by someone else (the runtime allows one per assembly).
    /// </exception>
    public static void Register()
    {
        lock (Gate)
        {
            if (LoadedLibrary is not null)
            {
                return;
            }

            (IntPtr handle, string name) = Load();
            Assembly mpiNet = typeof(MPI.Environment).Assembly;
            try
            {
                NativeLibrary.SetDllImportResolver(mpiNet, Resolve);
            }
            catch (InvalidOperationException e)
            {
                NativeLibrary.Free(handle);
                throw new InvalidOperationException(
                    $"MpiNativeLibrary.Register: {mpiNet.GetName().Name} already has a DllImport resolver, so NormGen.Mpi cannot point it at {name}. "
                    + "Remove the other NativeLibrary.SetDllImportResolver call for MPI.NET, or make it load an MPICH-ABI library itself.",
                    e);
            }

            _handle = handle;
            LoadedLibrary = name;
        }
    }

    // MPI.NET imports one library, named for MS-MPI (or MPICH2 in its other build); anything else takes the default path.
    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName is "msmpi.dll" or "msmpi" or "mpich2.dll" ? _handle : IntPtr.Zero;

    private static (IntPtr Handle, string Name) Load()
    {
        string? chosen = Environment.GetEnvironmentVariable(LibraryVariable);
        IEnumerable<string> candidates = !string.IsNullOrWhiteSpace(chosen)
            ? [chosen]
            : OperatingSystem.IsWindows() ? ["msmpi.dll"]
            : OperatingSystem.IsMacOS() ? ["libmpich.12.dylib", "libmpi.12.dylib"]
            : ["libmpich.so.12", "libmpi.so.12"];

        var tried = new List<string>();
        foreach (string candidate in candidates)
        {
            if (!NativeLibrary.TryLoad(candidate, out IntPtr handle))
            {
                tried.Add(candidate + " (not found)");
                continue;
            }

            if (NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out _))
            {
                NativeLibrary.Free(handle);
                throw new NotSupportedException(
                    $"MpiNativeLibrary: {candidate} is Open MPI. MPI.NET 1.4.0 passes MS-MPI/MPICH integer handles, which Open MPI "
                    + "reads as pointers and crashes on. Install MPICH (Debian/Ubuntu: apt-get install mpich) and run with its mpiexec, "
                    + $"or set {LibraryVariable} to an MPICH-ABI library (MPICH, Intel MPI, MVAPICH).");
            }

            if (!NativeLibrary.TryGetExport(handle, "MPI_Init_thread", out _))
            {
                NativeLibrary.Free(handle);
                tried.Add(candidate + " (loaded, but exports no MPI_Init_thread: not an MPI library)");
                continue;
            }

            return (handle, candidate);
        }

        throw new DllNotFoundException(
            $"MpiNativeLibrary: no MPICH-ABI MPI library could be loaded; tried {string.Join(", ", tried)}. "
            + $"Install MPICH (Debian/Ubuntu: apt-get install mpich), or set {LibraryVariable} to the library's path.");
    }
}
