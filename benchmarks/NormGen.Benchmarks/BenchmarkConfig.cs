using System;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using Perfolizer.Horology;

namespace NormGen.Benchmarks;

/// <summary>
/// One job sized so the whole suite (6 shapes x 10 methods) stays near 10 minutes on 2 cores:
/// 100 ms iterations, 10 measured iterations, warmup until stable (at most 15 iterations, enough
/// for tiered compilation to reach the optimized code), one process per benchmark case.
/// With NORMGEN_BENCH_CLOCK=cpu (build/bench.sh's default) the job times the benchmark thread's CPU time
/// (<see cref="ThreadCpuClock"/>), so a shared machine's scheduling does not inflate the numbers.
/// Exports brief JSON for build/bench_report.py.
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    /// <summary>Creates the suite's configuration.</summary>
    public BenchmarkConfig()
    {
        // Loggers, column providers and analysers of the default configuration; jobs and exporters below.
        Add(DefaultConfig.Instance);
        Job job = Job.Default
            .WithId("Suite")
            .WithLaunchCount(1)
            .WithIterationTime(TimeInterval.FromMilliseconds(100))
            .WithIterationCount(10)
            .WithMaxWarmupCount(15);
        if (Environment.GetEnvironmentVariable("NORMGEN_BENCH_CLOCK") == "cpu")
        {
            job = job.WithClock(new ThreadCpuClock());
        }

        AddJob(job);
        // The out-of-process build recompiles the generator; on a shared, busy machine it can exceed the 2-minute default.
        WithBuildTimeout(TimeSpan.FromMinutes(15));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        AddExporter(JsonExporter.Brief);
        WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared, MethodOrderPolicy.Declared));
    }
}
