using System.Diagnostics;
using System.Globalization;
using System.Text;
using KerasPort.Benchmarks.Engines;
using KerasPort.Benchmarks.Workloads;

namespace KerasPort.Benchmarks.Harness;

/// <summary>
/// --side-by-side: every engine of a case loaded in one process and timed in turns, so that all of them meet the same
/// machine. On the 2-vCPU VMs this runs on, the speed of everything moves by 20–60 % from one second to the next (a
/// host's other tenants, the cores' hand-over time); BenchmarkDotNet times each engine in its own process one after
/// the other, so a ratio of two of its medians also compares two stretches of the machine. Here each round times every
/// engine for one block of calls (at least <see cref="BlockMilliseconds"/>, after two untimed calls that take up the
/// caches and the engine's threads again, and after the previous engine's threads have stopped spinning: see
/// <see cref="Quiesce"/>), the engines' order turning from round to round, until the case's time is up.
/// Reported per engine: the median (and 10th/90th percentiles) of its block times; and two ratios: best ORT median ÷
/// KerasPort median (as in the BenchmarkDotNet table), and the median over rounds of each round's own ratio (best ORT
/// block ÷ KerasPort block of the same round), which compares blocks a few tens of milliseconds apart.
/// </summary>
internal static class SideBySide
{
    /// <summary>The shortest timed block of one engine in one round.</summary>
    public const double BlockMilliseconds = 40;

    private static readonly EngineKind[] Kinds = [EngineKind.KerasPort, EngineKind.Ort1T, EngineKind.Ort2T];

    /// <summary>Times every case for <paramref name="secondsPerCase"/> seconds; writes a table to <paramref name="log"/> and returns it.</summary>
    public static string Run(IEnumerable<(BenchModel Model, int Batch)> cases, double secondsPerCase, TextWriter log)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Side by side: all engines in one process, timed in turns (blocks of ≥ {BlockMilliseconds:0} ms, {secondsPerCase:0.#} s a case); times are the median block's µs per call, p10–p90 in brackets.");
        sb.AppendLine();
        sb.AppendLine("| Workload | Batch | KerasPort (µs) | ORT 1T (µs) | ORT 2T (µs) | ORT/KerasPort (medians) | ORT/KerasPort (median of rounds) | rounds |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        log.Write(sb.ToString());
        foreach (var (model, batch) in cases)
        {
            var row = TimeCase(model, batch, secondsPerCase);
            sb.AppendLine(row);
            log.WriteLine(row);
        }
        return sb.ToString();
    }

    private static string TimeCase(BenchModel model, int batch, double seconds)
    {
        var engines = Kinds.Select(k => EngineFactory.Create(k, model, batch)).ToArray();
        try
        {
            foreach (var engine in engines) ReferenceGate.PrepareForTiming(engine, model, batch);
            // each engine's first second: tiered JIT (KerasPort), ORT's arena and thread pool
            foreach (var engine in engines) RunFor(engine, 1.0);
            var blocks = engines.Select(_ => new List<double>()).ToArray();
            var end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            int round = 0;
            while (Stopwatch.GetTimestamp() < end || round < 3)
            {
                for (int j = 0; j < engines.Length; j++)
                {
                    int e = (round + j) % engines.Length; // KP first, then 1T first, then 2T first, ...
                    Quiesce(); // also after the warm-up, whose last engine may be ORT's spinning 2T session
                    blocks[e].Add(TimeBlock(engines[e]));
                }
                round++;
            }
            double kp = Median(blocks[0]), o1 = Median(blocks[1]), o2 = Median(blocks[2]);
            var perRound = Enumerable.Range(0, round).Select(r => Math.Min(blocks[1][r], blocks[2][r]) / blocks[0][r]).ToList();
            string which = o1 <= o2 ? "1T" : "2T";
            return string.Create(CultureInfo.InvariantCulture,
                $"| {model.Id} | {batch} | {Cell(blocks[0])} | {Cell(blocks[1])} | {Cell(blocks[2])} | **{Math.Min(o1, o2) / kp:0.00}** ({which}) | {Median(perRound):0.00} [{Percentile(perRound, 0.1):0.00}–{Percentile(perRound, 0.9):0.00}] | {round} |");
        }
        finally
        {
            foreach (var engine in engines) engine.Dispose();
        }
    }

    /// <summary>µs per call over one block: two untimed calls, then calls until the block lasts at least <see cref="BlockMilliseconds"/>.</summary>
    private static double TimeBlock(IInferenceEngine engine)
    {
        engine.Run();
        engine.Run();
        long minimum = (long)(BlockMilliseconds / 1000 * Stopwatch.Frequency);
        int calls = 0;
        long start = Stopwatch.GetTimestamp(), now;
        do
        {
            engine.Run();
            calls++;
            now = Stopwatch.GetTimestamp();
        }
        while (now - start < minimum);
        return (now - start) * 1e6 / Stopwatch.Frequency / calls;
    }

    /// <summary>
    /// Waits until the process stops using CPU time (at most 300 ms): ONNX Runtime's intra-op threads spin for about 40 ms
    /// after a call (its default, and its faster setting), and a spinning thread takes a core from the next engine's block
    /// (KerasPort's W6 b1 went from 12 to 23 µs, p90 from 13 to 340 µs, with ORT's worker spinning beside it). Each engine
    /// then starts its block on an idle machine, as it does alone in its own BenchmarkDotNet process.
    /// </summary>
    private static void Quiesce()
    {
        using var process = Process.GetCurrentProcess();
        var waited = Stopwatch.StartNew();
        var before = process.TotalProcessorTime;
        while (waited.ElapsedMilliseconds < 300)
        {
            // Linux counts a process's CPU time in 10 ms ticks: a thread that spun through the last 20 ms shows 10 ms or more
            Thread.Sleep(20);
            process.Refresh();
            var now = process.TotalProcessorTime;
            if ((now - before).TotalMilliseconds < 5) return;
            before = now;
        }
    }

    private static void RunFor(IInferenceEngine engine, double seconds)
    {
        var sw = Stopwatch.StartNew();
        do engine.Run(); while (sw.Elapsed.TotalSeconds < seconds);
    }

    private static string Cell(List<double> us)
    {
        string f = Median(us) < 100 ? "0.00" : "0";
        return $"{Median(us).ToString(f, CultureInfo.InvariantCulture)} [{Percentile(us, 0.1).ToString(f, CultureInfo.InvariantCulture)}–{Percentile(us, 0.9).ToString(f, CultureInfo.InvariantCulture)}]";
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted[(int)Math.Clamp(Math.Round(p * (sorted.Count - 1)), 0, sorted.Count - 1)];
    }
}
