using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace NormGen.Benchmarks;

/// <summary>Command-line options of the driver (build/bench.sh passes its own options through).</summary>
public sealed class BenchOptions
{
    /// <summary>The peers that run unless <c>--peers</c> names others (NormGen always runs).</summary>
    public static readonly string[] AllPeers = ["scalar", "tensorprimitives", "onnxruntime", "pytorch", "onednn"];

    /// <summary>The usage text.</summary>
    public const string Usage = """
        NormGen side-by-side benchmark driver (normally run through build/bench.sh).
          --rounds N               interleaved rounds (default 3; --quick: 1)
          --quick                  one shape per kind, 1 round, short timings (development, CI smoke)
          --kinds K,...            batchnorm|bn, batchnorm-spatial|bn2d, layernorm|ln, rmsnorm|rms, groupnorm|gn
          --shapes S,...           e.g. 32x128,1000x1000,32x64x784 (any catalogued shape)
          --peers P,...|none       subset of scalar,tensorprimitives,onnxruntime,pytorch,onednn (default: all); none:
                                   NormGen (and its variants) and the roofline kernels only (the roofline always runs)
          --peer-threads N|default threads of PyTorch, oneDNN and ONNX Runtime (default 1)
          --normgen-threads N      MaxDegreeOfParallelism of the NormGen layers (default 1; 0: every processor);
                                   other than 1 adds "NormGen 1 thread" as a peer, so the speedup is a ratio of one run
          --variants               also time, on the batch-norm cases, NormGen batch renormalization (RenormMaxScale 1,
                                   RenormMaxShift 0: plain batch norm's numbers) and ghost batch norm (VirtualBatchSize =
                                   batch / 4), verified against the reference and reported as plain time / variant time
          --verify-only            check every implementation against the reference, time nothing
          --settle SECONDS         before the first round, wait up to this long for the 1-min load average to fall
                                   to 1.0 (default 120; --quick: 0), so the build's own load does not flag round 1
          --out DIR                raw results (default artifacts/bench)
          --python PATH            Python with torch and onnx (default /usr/bin/python3)
          --torch-worker PATH      build/bench_torch_worker.py
          --onednn-worker PATH     the compiled build/bench_onednn_worker.cpp
          --onnx-script PATH       build/make_bench_onnx.py
          --onednn-spatial-layout nhwc|nchw   layout for oneDNN spatial batch norm (default nhwc, its JIT kernels)
          --keep-data              keep the float32 case files under OUT/data
          --missing PEER=REASON    report PEER as unavailable with REASON (build/bench.sh, when a worker did not build)
          --command TEXT           the command line to record in the report
        """;

    /// <summary>Interleaved rounds.</summary>
    public int Rounds { get; private set; } = 3;

    /// <summary>Quick mode.</summary>
    public bool Quick { get; private set; }

    /// <summary>Kinds to run (empty: all).</summary>
    public List<NormKind> Kinds { get; } = [];

    /// <summary>Shapes to run (empty: all of the selection).</summary>
    public List<string> Shapes { get; } = [];

    /// <summary>Peers to run.</summary>
    public List<string> Peers { get; } = [.. AllPeers];

    /// <summary>Peer threads; 0 means each library's default.</summary>
    public int PeerThreads { get; private set; } = 1;

    /// <summary>NormGen threads (1 only, for now).</summary>
    public int NormGenThreads { get; private set; } = 1;

    /// <summary>Also time the small-batch variants of batch norm (renorm and ghost) beside plain NormGen.</summary>
    public bool Variants { get; private set; }

    /// <summary>Longest wait for the load average to settle before the first round, in seconds (null: the mode's default).</summary>
    public int? SettleSeconds { get; private set; }

    /// <summary>The settle wait to use: <see cref="SettleSeconds"/>, else 0 in quick mode and 120 otherwise.</summary>
    public int Settle => SettleSeconds ?? (Quick ? 0 : 120);

    /// <summary>Verification only.</summary>
    public bool VerifyOnly { get; private set; }

    /// <summary>Output directory.</summary>
    public string Out { get; private set; } = Path.Combine("artifacts", "bench");

    /// <summary>Python interpreter for the workers and the model script.</summary>
    public string Python { get; private set; } = "/usr/bin/python3";

    /// <summary>PyTorch worker script, or null (PyTorch not run).</summary>
    public string? TorchWorker { get; private set; }

    /// <summary>oneDNN worker binary, or null (oneDNN not run).</summary>
    public string? OneDnnWorker { get; private set; }

    /// <summary>ONNX model script, or null (ONNX Runtime not run).</summary>
    public string? OnnxScript { get; private set; }

    /// <summary>oneDNN layout for spatial batch norm.</summary>
    public string OneDnnSpatialLayout { get; private set; } = "nhwc";

    /// <summary>Keep the case files.</summary>
    public bool KeepData { get; private set; }

    /// <summary>The command line to record.</summary>
    public string Command { get; private set; } = "";

    /// <summary>Peers known to be unavailable, with the reason (from <c>--missing</c>).</summary>
    public Dictionary<string, string> Missing { get; } = [];

    /// <summary>Timing settings of the mode.</summary>
    public TimingSettings Timing => Quick ? TimingSettings.Quick : TimingSettings.Full;

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="FormatException">An unknown option or a bad value; the message says which.</exception>
    public static BenchOptions Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new BenchOptions();
        bool roundsGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{arg} needs a value.");
            switch (arg)
            {
                case "--rounds":
                    options.Rounds = PositiveInt(arg, Value());
                    roundsGiven = true;
                    break;
                case "--quick":
                    options.Quick = true;
                    break;
                case "--kinds":
                    options.Kinds.AddRange(List(Value()).Select(NormKinds.Parse));
                    break;
                case "--shapes":
                    options.Shapes.AddRange(List(Value()));
                    break;
                case "--peers":
                    {
                        string value = Value();
                        string[] peers = value.Trim() == "none" ? [] : List(value);
                        foreach (string peer in peers.Where(p => !AllPeers.Contains(p)))
                        {
                            throw new FormatException($"Unknown peer '{peer}': expected some of {string.Join(',', AllPeers)}.");
                        }

                        options.Peers.Clear();
                        options.Peers.AddRange(peers);
                        break;
                    }

                case "--peer-threads":
                    {
                        string value = Value();
                        options.PeerThreads = value == "default" ? 0 : PositiveInt(arg, value);
                        break;
                    }

                case "--normgen-threads":
                    {
                        string value = Value();
                        options.NormGenThreads = value == "0" ? 0 : PositiveInt(arg, value);
                        break;
                    }

                case "--settle":
                    {
                        string value = Value();
                        options.SettleSeconds = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds)
                            ? seconds
                            : throw new FormatException($"--settle needs a number of seconds; got '{value}'.");
                        break;
                    }

                case "--verify-only":
                    options.VerifyOnly = true;
                    break;
                case "--variants":
                    options.Variants = true;
                    break;
                case "--out":
                    options.Out = Value();
                    break;
                case "--python":
                    options.Python = Value();
                    break;
                case "--torch-worker":
                    options.TorchWorker = Value();
                    break;
                case "--onednn-worker":
                    options.OneDnnWorker = Value();
                    break;
                case "--onnx-script":
                    options.OnnxScript = Value();
                    break;
                case "--onednn-spatial-layout":
                    {
                        string layout = Value();
                        options.OneDnnSpatialLayout = layout is "nhwc" or "nchw"
                            ? layout
                            : throw new FormatException($"--onednn-spatial-layout must be nhwc or nchw; got '{layout}'.");
                        break;
                    }

                case "--keep-data":
                    options.KeepData = true;
                    break;
                case "--command":
                    options.Command = Value();
                    break;
                case "--missing":
                    {
                        string value = Value();
                        int equals = value.IndexOf('=', StringComparison.Ordinal);
                        if (equals <= 0)
                        {
                            throw new FormatException($"--missing needs PEER=REASON; got '{value}'.");
                        }

                        options.Missing[value[..equals]] = value[(equals + 1)..];
                        break;
                    }

                default:
                    throw new FormatException($"Unknown option '{arg}'.");
            }
        }

        if (options.Quick && !roundsGiven)
        {
            options.Rounds = 1;
        }

        return options;
    }

    private static string[] List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int PositiveInt(string option, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new FormatException($"{option} needs a positive integer; got '{value}'.");
}
