using System.Runtime.InteropServices;
using KerasPort.Benchmarks.Engines;
using KerasPort.Benchmarks.Workloads;
using Microsoft.ML.OnnxRuntime;

namespace KerasPort.Benchmarks.Harness;

/// <summary>The facts printed with every result table.</summary>
internal static class MachineInfo
{
    public static string Describe()
    {
        string cpu = "unknown CPU";
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) cpu = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"CPU: {cpu}, {Environment.ProcessorCount} logical cores; {RuntimeInformation.OSDescription}; " +
               $"{RuntimeInformation.FrameworkDescription}; ONNX Runtime {OrtEnv.Instance().GetVersionString()}; " +
               $"date {DateTime.UtcNow:yyyy-MM-dd}";
    }

    /// <summary>/proc/loadavg's 1/5/15-minute load averages: other processes on a 2-core machine skew timings.</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"load average {parts[0]} {parts[1]} {parts[2]}";
        }
        catch (IOException) { return "load average unknown"; }
        catch (UnauthorizedAccessException) { return "load average unknown"; }
    }

    /// <summary>
    /// The median time (ns) a cache line takes to go from one thread to another and back, over ten 20 ms windows of
    /// ping-pong. On a VM the host decides where the two vCPUs run, and this round trip (about 90 ns or about 400 ns on
    /// the machine the results were taken on, changing every few minutes) decides what the two-thread kernels that meet
    /// every time step gain, so it is printed before and after each run.
    /// </summary>
    public static string CoreRoundTrip() =>
        RoundTripNanoseconds() is double ns ? $"core round trip {ns:0} ns" : "core round trip: one core";

    /// <summary>Where a case's round trips (measured in its own process, before and after it is timed) are kept.</summary>
    public static string RoundTripFile(WorkloadId workload, int batch, EngineKind engine) =>
        Path.Combine(ReferenceGate.CacheDir, $"roundtrip-{workload}-b{batch}-{engine}.txt");

    /// <summary>See <see cref="CoreRoundTrip"/>; null with one core.</summary>
    public static double? RoundTripNanoseconds()
    {
        if (Environment.ProcessorCount < 2) return null;
        var pingPong = new PingPong();
        var thread = new Thread(pingPong.Answer) { IsBackground = true };
        thread.Start();
        var windows = new List<double>();
        long sent = 0;
        for (int w = 0; w < 10; w++)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp(), trips = 0, end = start + System.Diagnostics.Stopwatch.Frequency / 50;
            while (System.Diagnostics.Stopwatch.GetTimestamp() < end)
            {
                for (int k = 0; k < 100; k++)
                {
                    Volatile.Write(ref pingPong.Lines[0], ++sent);
                    while (Volatile.Read(ref pingPong.Lines[16]) != sent) Thread.SpinWait(1);
                }
                trips += 100;
            }
            windows.Add((System.Diagnostics.Stopwatch.GetTimestamp() - start) * 1e9 / System.Diagnostics.Stopwatch.Frequency / trips);
        }
        Volatile.Write(ref pingPong.Stop, true);
        thread.Join();
        windows.Sort();
        return windows[windows.Count / 2];
    }

    private sealed class PingPong
    {
        public readonly long[] Lines = new long[32]; // ping at 0, pong at 16: 128 bytes apart
        public bool Stop;

        public void Answer()
        {
            long seen = 0;
            while (!Volatile.Read(ref Stop))
            {
                long ping = Volatile.Read(ref Lines[0]);
                if (ping != seen) Volatile.Write(ref Lines[16], seen = ping);
                else Thread.SpinWait(1);
            }
        }
    }
}
