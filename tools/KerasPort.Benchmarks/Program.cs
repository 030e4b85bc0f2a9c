using System.Text.RegularExpressions;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Running;
using KerasPort.Benchmarks.Engines;
using KerasPort.Benchmarks.Harness;
using KerasPort.Benchmarks.Suites;
using KerasPort.Benchmarks.Workloads;

namespace KerasPort.Benchmarks;

/// <summary>
/// dotnet run -c Release --project tools/KerasPort.Benchmarks -- [--quick] [--verify | --alloc | --side-by-side [SECONDS]] [--batch 1,8] [--filter *W3*] [BenchmarkDotNet options]
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        var rest = new List<string>();
        bool quick = false, verifyOnly = false, alloc = false, recheck = false;
        double allocBudget = 5, sideBySide = 0;
        int[]? batches = null;
        EngineKind[]? engines = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--verify": verifyOnly = true; recheck = true; break;
                case "--alloc": alloc = true; break;
                case "--side-by-side":
                    sideBySide = 8;
                    if (i + 1 < args.Length && double.TryParse(args[i + 1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds))
                    {
                        sideBySide = seconds;
                        i++;
                    }
                    break;
                case "--alloc-budget": allocBudget = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--batch": batches = args[++i].Split(',').Select(int.Parse).ToArray(); break;
                case "--engine": engines = args[++i].Split(',').Select(e => Enum.Parse<EngineKind>(e, ignoreCase: true)).ToArray(); break;
                case "-h" or "--help": PrintHelp(); return 0;
                default: rest.Add(args[i]); break;
            }
        }

        var filters = FilterPatterns(rest);
        if (filters.Count == 0)
        {
            filters.Add("*");
            rest.AddRange(["--filter", "*"]); // BenchmarkSwitcher would otherwise ask interactively
        }
        var suites = WorkloadSuites.All.Where(t => filters.Any(f => Glob(f).IsMatch(t.FullName + ".Predict"))).ToArray();
        var cases = suites
            .Select(t => WorkloadCatalog.Get(WorkloadSuites.WorkloadOf(t)))
            .SelectMany(m => m.Batches.Where(b => batches is null || batches.Contains(b)).Select(b => (Model: m, Batch: b)))
            .ToList();

        Console.WriteLine(MachineInfo.Describe());
        Console.WriteLine($"KerasPort path: {KerasPortEngine.PathDescription}");
        if (cases.Count == 0)
        {
            Console.Error.WriteLine("no workload matches the filter");
            return 2;
        }

        // Gate: every engine on every selected case against the double-precision reference.
        string cacheDir = ReferenceGate.CacheDir;
        Console.WriteLine($"\n== verification against the float64 reference (max |diff| ≤ {ReferenceGate.Tolerance:g})");
        Console.WriteLine("| Case | Engine | max abs diff | verdict |");
        Console.WriteLine("|---|---|---:|---|");
        var refused = new HashSet<(WorkloadId, int)>();
        bool cached = false;
        foreach (var (model, batch) in cases)
            foreach (var kind in Enum.GetValues<EngineKind>())
            {
                var v = recheck ? ReferenceGate.Check(kind, model, batch) : ReferenceGate.CheckCached(kind, model, batch, out cached);
                string verdict = v.Passed ? (cached ? "ok (cached verdict)" : "ok") : "MISMATCH " + (v.Error ?? "exceeds tolerance");
                Console.WriteLine($"| {model.CaseName(batch)} | {EngineFactory.DisplayName(kind)} | {v.MaxAbsDiff:0.00e+00} | {verdict} |");
                if (!v.Passed) refused.Add((model.Id, batch));
            }
        foreach (var (w, b) in refused) Console.WriteLine($"REFUSED: {w}-b{b} is not timed (engines disagree with the reference).");
        if (verifyOnly) return refused.Count == 0 ? 0 : 1;

        var timed = cases.Where(c => !refused.Contains((c.Model.Id, c.Batch))).ToList();
        if (alloc)
        {
            Console.WriteLine($"\n== managed allocation per steady-state predict (GC.GetAllocatedBytesForCurrentThread)");
            int nonZero = AllocationCheck.Run(timed, allocBudget, Console.Out);
            return nonZero == 0 && refused.Count == 0 ? 0 : 1;
        }

        if (sideBySide > 0)
        {
            Console.WriteLine($"\n== side by side in one process (engines timed in turns)");
            var sideTable = SideBySide.Run(timed, sideBySide, Console.Out);
            Directory.CreateDirectory(Path.Combine("BenchmarkDotNet.Artifacts", "results"));
            var sideFile = Path.Combine("BenchmarkDotNet.Artifacts", "results", "side-by-side.md");
            File.WriteAllText(sideFile, MachineInfo.Describe() + "\n\n" + sideTable + $"\n{MachineInfo.LoadAverage()}, {MachineInfo.CoreRoundTrip()} after the run.\n");
            Console.WriteLine($"side-by-side table written to {sideFile}");
            return refused.Count == 0 ? 0 : 1;
        }

        var config = BenchConfig.Create(quick, cacheDir)
            .AddFilter(new SimpleFilter(bc =>
                !refused.Contains((WorkloadSuites.WorkloadOf(bc.Descriptor.Type), (int)bc.Parameters["Batch"])) &&
                (batches is null || batches.Contains((int)bc.Parameters["Batch"])) &&
                (engines is null || engines.Contains((EngineKind)bc.Parameters["Engine"]))));
        foreach (var old in Directory.EnumerateFiles(ReferenceGate.CacheDir, "roundtrip-*.txt")) File.Delete(old);
        string loadBefore = MachineInfo.LoadAverage(), tripBefore = MachineInfo.CoreRoundTrip();
        var summaries = BenchmarkSwitcher.FromTypes(suites).Run([.. rest], config).ToList();
        var table = RatioTable.Build(summaries) + $"\n{(quick ? "--quick" : "default")} job; {loadBefore}, {tripBefore} before the run, {MachineInfo.LoadAverage()}, {MachineInfo.CoreRoundTrip()} after.\n";
        Console.WriteLine();
        Console.WriteLine("== ORT median / KerasPort median (ORT at its better intra-op thread count)");
        Console.WriteLine(MachineInfo.Describe());
        Console.WriteLine(table);
        var artifacts = summaries.FirstOrDefault()?.ResultsDirectoryPath ?? Path.Combine(config.ArtifactsPath ?? "BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(artifacts);
        var file = Path.Combine(artifacts, "ratios.md");
        File.WriteAllText(file, MachineInfo.Describe() + "\n\n" + table);
        Console.WriteLine($"ratio table written to {file}");
        return refused.Count == 0 && summaries.All(s => !s.HasCriticalValidationErrors && s.Reports.All(r => r.Success)) ? 0 : 1;
    }

    private static List<string> FilterPatterns(List<string> args)
    {
        var result = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] is not ("--filter" or "-f")) continue;
            for (int j = i + 1; j < args.Count && !args[j].StartsWith('-'); j++) result.Add(args[j]);
        }
        return result;
    }

    // the same glob BenchmarkDotNet applies to "Namespace.Type.Method"
    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private static void PrintHelp() => Console.WriteLine("""
        KerasPort vs ONNX Runtime benchmarks (see tools/KerasPort.Benchmarks/README.md)
          --quick            in-process, 2 warmups + 5 iterations per case (about 6 minutes for everything)
          --verify           only check every engine against the float64 reference (always re-run), no timing;
                             other modes reuse a passing verdict cached for the same weights, inputs and builds
          --alloc            managed bytes per steady-state predict over 1000 calls (time-capped)
          --alloc-budget S   seconds per case and engine for --alloc (default 5)
          --side-by-side [S] all three engines of a case in one process, timed in turns of >= 40 ms blocks for
                             S seconds a case (default 8): medians and ratios that meet the same machine
          --batch 1,8        only these batch sizes
          --engine Ort1T,Ort2T  only time these engines (KerasPort, Ort1T, Ort2T); the gate still checks all
          --filter GLOB      BenchmarkDotNet filter on Namespace.Type.Method, e.g. *W3* or *Gru*
          any other option goes to BenchmarkDotNet
        """);
}
