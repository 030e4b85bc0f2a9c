using System.Diagnostics;
using System.Globalization;
using KerasPort.Benchmarks.Engines;
using KerasPort.Benchmarks.Workloads;

namespace KerasPort.Benchmarks.Harness;

/// <summary>
/// --alloc: managed bytes allocated per steady-state predict, measured with GC.GetAllocatedBytesForCurrentThread
/// around N calls (1000 unless that would take longer than the per-case time budget; the count used is printed).
/// Native allocations inside ONNX Runtime are not managed and do not show here.
/// </summary>
internal static class AllocationCheck
{
    public const int Calls = 1000;

    /// <returns>The number of cases where KerasPort allocated (ORT's managed allocations are reported, not counted).</returns>
    public static int Run(IEnumerable<(BenchModel Model, int Batch)> cases, double budgetSeconds, TextWriter log)
    {
        log.WriteLine($"| Case | Engine | calls | bytes/call |");
        log.WriteLine($"|---|---|---:|---:|");
        int nonZero = 0;
        foreach (var (model, batch) in cases)
            foreach (var kind in Enum.GetValues<EngineKind>())
            {
                using var engine = EngineFactory.Create(kind, model, batch);
                ReferenceGate.PrepareForTiming(engine, model, batch);
                var sw = Stopwatch.StartNew();
                int warm = 0;
                // let tiered JIT settle: at least a second (tier-1 promotion waits 100 ms and compiles in the background; 200
                // calls of a 200 µs case were over in 40 ms, and a one-off 24.6 KB landed in the measured calls of W2 b1),
                // and 200 calls where they fit in 3 s
                do { engine.Run(); warm++; } while (warm < 5 || sw.Elapsed.TotalSeconds < 1.0 || (warm < 200 && sw.Elapsed.TotalSeconds < 3.0));
                double perCall = sw.Elapsed.TotalSeconds / warm;
                int calls = (int)Math.Clamp(budgetSeconds / Math.Max(perCall, 1e-9), 10, Calls);
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < calls; i++) engine.Run();
                long after = GC.GetAllocatedBytesForCurrentThread();
                double perCallBytes = (after - before) / (double)calls;
                if (after != before && kind == EngineKind.KerasPort) nonZero++;
                log.WriteLine($"| {model.CaseName(batch)} | {engine.Name} | {calls}{(calls < Calls ? "*" : "")} | {perCallBytes.ToString("0.##", CultureInfo.InvariantCulture)} |");
            }
        log.WriteLine($"(* fewer than {Calls} calls: {Calls} would exceed the {budgetSeconds:0} s per-case budget; pass --alloc-budget SECONDS to raise it)");
        return nonZero;
    }
}
