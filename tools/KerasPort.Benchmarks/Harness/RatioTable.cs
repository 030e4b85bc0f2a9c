using System.Globalization;
using System.Text;
using BenchmarkDotNet.Reports;
using KerasPort.Benchmarks.Engines;
using KerasPort.Benchmarks.Suites;
using KerasPort.Benchmarks.Workloads;

namespace KerasPort.Benchmarks.Harness;

/// <summary>
/// Post-processing of BenchmarkDotNet's summaries: per workload and batch, KerasPort's median, ORT's medians at 1 and 2
/// intra-op threads, and the target ratio ORT median (the better thread count) / KerasPort median (&gt; 1: KerasPort faster).
/// </summary>
internal static class RatioTable
{
    private sealed record Cell(double MedianNs, long? BytesPerOp);

    public static string Build(IEnumerable<Summary> summaries)
    {
        var cells = new Dictionary<(WorkloadId, int, EngineKind), Cell?>();
        foreach (var summary in summaries)
            foreach (var report in summary.Reports)
            {
                var bc = report.BenchmarkCase;
                var workload = WorkloadSuites.WorkloadOf(bc.Descriptor.Type);
                int batch = (int)bc.Parameters["Batch"];
                var engine = (EngineKind)bc.Parameters["Engine"];
                var stats = report.ResultStatistics;
                cells[(workload, batch, engine)] = stats is null || !report.Success
                    ? null
                    : new Cell(stats.Median, report.GcStats.GetBytesAllocatedPerOperation(bc));
            }
        var keys = cells.Keys.Select(k => (k.Item1, k.Item2)).Distinct().OrderBy(k => k.Item1).ThenBy(k => k.Item2).ToList();

        var sb = new StringBuilder();
        sb.AppendLine($"KerasPort path: {KerasPortEngine.PathDescription}");
        sb.AppendLine();
        sb.AppendLine("| Workload | Batch | KerasPort median (µs) | ORT 1T median (µs) | ORT 2T median (µs) | ORT/KerasPort | KerasPort B/op | ORT B/op (1T/2T) | round trip (ns) KP / 1T / 2T |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (w, b) in keys)
        {
            bool kpTimed = cells.TryGetValue((w, b, EngineKind.KerasPort), out var kp);
            bool o1Timed = cells.TryGetValue((w, b, EngineKind.Ort1T), out var o1);
            bool o2Timed = cells.TryGetValue((w, b, EngineKind.Ort2T), out var o2);
            string ratio;
            if ((kpTimed && kp is null) || (o1Timed && o1 is null) || (o2Timed && o2 is null)) ratio = "refused/failed";
            else if (kp is null || (o1 is null && o2 is null)) ratio = "n/a (not timed)";
            else
            {
                double ort = Math.Min(o1?.MedianNs ?? double.PositiveInfinity, o2?.MedianNs ?? double.PositiveInfinity);
                string which = o1 is not null && (o2 is null || o1.MedianNs <= o2.MedianNs) ? "1T" : "2T";
                ratio = $"**{(ort / kp.MedianNs).ToString("0.00", CultureInfo.InvariantCulture)}** ({which})";
            }
            sb.AppendLine($"| {w} | {b} | {Us(kp)} | {Us(o1)} | {Us(o2)} | {ratio} | {Bytes(kp)} | {Bytes(o1)}/{Bytes(o2)} | {Trip(w, b, EngineKind.KerasPort)} / {Trip(w, b, EngineKind.Ort1T)} / {Trip(w, b, EngineKind.Ort2T)} |");
        }
        return sb.ToString();
    }

    private static string Us(Cell? c) => c is null ? "—" : (c.MedianNs / 1000.0).ToString(c.MedianNs < 100_000 ? "0.00" : "0", CultureInfo.InvariantCulture);

    /// <summary>The case's cache-line round trip between the cores before–after it was timed (see <see cref="MachineInfo.CoreRoundTrip"/>).</summary>
    private static string Trip(WorkloadId w, int b, EngineKind e)
    {
        var path = MachineInfo.RoundTripFile(w, b, e);
        return File.Exists(path) ? File.ReadAllText(path).Trim().Replace(' ', '–') : "—";
    }

    private static string Bytes(Cell? c) => c?.BytesPerOp?.ToString(CultureInfo.InvariantCulture) ?? "—";
}
