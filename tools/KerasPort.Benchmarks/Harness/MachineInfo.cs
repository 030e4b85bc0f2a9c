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
}
