using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace KerasPort.Benchmarks.Harness;

/// <summary>BenchmarkDotNet configuration: short jobs sized for a 2-core machine, median + allocations, µs.</summary>
internal static class BenchConfig
{
    public static IConfig Create(bool quick, string cacheDir)
    {
        var job = quick
            // --quick: in-process (no per-case child process or generated project), 2 warmups + 5 measured iterations
            ? Job.Dry.WithStrategy(BenchmarkDotNet.Engines.RunStrategy.Throughput)
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(5)
                .WithMinIterationTime(TimeInterval.FromMilliseconds(100))
                .WithId("Quick")
            // default: one child process per case, 3 warmups + 8 measured iterations of ≥ 250 ms
            : Job.Default
                .WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(8)
                .WithMinIterationTime(TimeInterval.FromMilliseconds(250))
                .WithId("Short");
        job = job.WithEnvironmentVariable(ReferenceGate.CacheDirVariable, cacheDir);
        foreach (var name in new[] { "KERASPORT_BENCH_ORT_SPIN" })
            if (Environment.GetEnvironmentVariable(name) is { } value) job = job.WithEnvironmentVariable(name, value);

        return ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Descriptor, DefaultColumnProviders.Params, DefaultColumnProviders.Metrics)
            .AddColumn(StatisticColumn.Median, StatisticColumn.Mean, StatisticColumn.StdDev, StatisticColumn.Iterations)
            .AddLogger(ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(TimeUnit.Microsecond))
            .WithOptions(ConfigOptions.JoinSummary | ConfigOptions.DisableLogFile);
    }
}
