using System.Runtime.InteropServices;
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
}
