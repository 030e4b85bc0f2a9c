using System.Globalization;
using KerasPort.Benchmarks.Engines;
using KerasPort.Benchmarks.Reference;
using KerasPort.Benchmarks.Workloads;

namespace KerasPort.Benchmarks.Harness;

/// <summary>Thrown when an engine's output does not match the double-precision reference: the workload is not timed.</summary>
internal sealed class EngineMismatchException(string message) : Exception(message);

/// <summary>The outcome of checking one engine on one case.</summary>
internal sealed record Verdict(WorkloadId Workload, int Batch, EngineKind Engine, double MaxAbsDiff, string? Error)
{
    public bool Passed => Error is null && MaxAbsDiff <= ReferenceGate.Tolerance; // NaN fails
}

/// <summary>
/// Checks engines against <see cref="ReferenceModel"/> before any timing. The reference outputs and the verdicts are
/// cached on disk (keyed by a hash of the weights and inputs), so BenchmarkDotNet's child processes reuse the host's
/// work instead of recomputing a multi-second double-precision reference per benchmark case.
/// </summary>
internal static class ReferenceGate
{
    /// <summary>Maximum absolute difference allowed between an engine's float32 output and the float64 reference.</summary>
    public const double Tolerance = 1e-5;

    public const string CacheDirVariable = "KERASPORT_BENCH_CACHE";

    public static string CacheDir
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable(CacheDirVariable);
            if (string.IsNullOrEmpty(dir)) dir = Path.Combine(Path.GetTempPath(), "keras-port-bench");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    /// <summary>Reference output for the verification run of a case (streaming: every step's h).</summary>
    public static double[] ReferenceFor(BenchModel model, int batch)
    {
        var path = Path.Combine(CacheDir, $"{model.CaseName(batch)}-{Fingerprint(model, batch):x16}.ref");
        if (File.Exists(path))
        {
            var bytes = File.ReadAllBytes(path);
            var cached = new double[bytes.Length / 8];
            Buffer.BlockCopy(bytes, 0, cached, 0, bytes.Length);
            return cached;
        }
        var result = ReferenceModel.Predict(model, model.MakeInput(batch), batch, everyStep: model.Streaming);
        var raw = new byte[result.Length * 8];
        Buffer.BlockCopy(result, 0, raw, 0, raw.Length);
        var tmp = path + "." + Environment.ProcessId + ".tmp";
        File.WriteAllBytes(tmp, raw);
        File.Move(tmp, path, overwrite: true);
        return result;
    }

    /// <summary>Runs <paramref name="engine"/> on the case's seeded input and compares with the reference.</summary>
    public static double MaxAbsDiff(IInferenceEngine engine, BenchModel model, int batch)
    {
        var reference = ReferenceFor(model, batch);
        var input = model.MakeInput(batch);
        double max = 0;
        if (!model.Streaming)
        {
            input.CopyTo(engine.Input);
            engine.Run();
            var output = engine.Output;
            if (output.Length != reference.Length)
                throw new EngineMismatchException($"{engine.Name} {model.CaseName(batch)}: output has {output.Length} values, reference {reference.Length}");
            for (int i = 0; i < output.Length; i++) max = MaxDiff(max, output[i], reference[i]);
        }
        else
        {
            // feed the stream one step per call from zero state; compare h after every step
            int steps = model.TimeSteps!.Value, f = model.Features, u = model.OutputWidth;
            engine.ResetState();
            for (int t = 0; t < steps; t++)
            {
                input.AsSpan(t * f, f).CopyTo(engine.Input);
                engine.Run();
                var output = engine.Output;
                if (output.Length != u)
                    throw new EngineMismatchException($"{engine.Name} {model.CaseName(batch)}: step output has {output.Length} values, expected {u}");
                for (int j = 0; j < u; j++) max = MaxDiff(max, output[j], reference[t * u + j]);
            }
        }
        PrepareForTiming(engine, model, batch);
        return max;
    }

    /// <summary>Leaves the engine with the case's input (streaming: step 0 and zero state) for the timed calls.</summary>
    public static void PrepareForTiming(IInferenceEngine engine, BenchModel model, int batch)
    {
        var input = model.MakeInput(batch);
        input.AsSpan(0, engine.Input.Length).CopyTo(engine.Input);
        engine.ResetState();
    }

    private static double MaxDiff(double max, float value, double reference)
    {
        double d = Math.Abs(value - reference);
        return double.IsNaN(d) ? double.NaN : double.IsNaN(max) ? max : Math.Max(max, d);
    }

    /// <summary>Builds each engine, checks it, disposes it; records the verdicts in the cache.</summary>
    public static Verdict Check(EngineKind kind, BenchModel model, int batch)
    {
        Verdict verdict;
        try
        {
            using var engine = EngineFactory.Create(kind, model, batch);
            verdict = new Verdict(model.Id, batch, kind, MaxAbsDiff(engine, model, batch), null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            verdict = new Verdict(model.Id, batch, kind, double.NaN, e.GetType().Name + ": " + e.Message);
        }
        File.WriteAllText(VerdictPath(model, batch, kind), verdict.Passed
            ? "pass " + verdict.MaxAbsDiff.ToString("R", CultureInfo.InvariantCulture)
            : "fail " + (verdict.Error ?? verdict.MaxAbsDiff.ToString("R", CultureInfo.InvariantCulture)));
        return verdict;
    }

    /// <summary>The cached verdict of an engine on a case (same weights, inputs and engine builds), or a fresh check.</summary>
    public static Verdict CheckCached(EngineKind kind, BenchModel model, int batch, out bool cached)
    {
        var path = VerdictPath(model, batch, kind);
        cached = false;
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path);
            if (text.StartsWith("pass ", StringComparison.Ordinal) &&
                double.TryParse(text[5..], NumberStyles.Float, CultureInfo.InvariantCulture, out var diff))
            {
                cached = true;
                return new Verdict(model.Id, batch, kind, diff, null);
            }
        }
        return Check(kind, model, batch);
    }

    /// <summary>
    /// Called before a case is timed: every engine of the case must have a passing verdict (checked now if the cache
    /// has none); throws otherwise, which makes BenchmarkDotNet skip the case.
    /// </summary>
    public static void RequireAllEnginesAgree(BenchModel model, int batch)
    {
        foreach (var kind in Enum.GetValues<EngineKind>())
        {
            var path = VerdictPath(model, batch, kind);
            string text = File.Exists(path) ? File.ReadAllText(path) : "";
            if (!text.StartsWith("pass ", StringComparison.Ordinal) && !text.StartsWith("fail ", StringComparison.Ordinal))
            {
                var v = Check(kind, model, batch);
                text = v.Passed ? "pass" : "fail " + (v.Error ?? v.MaxAbsDiff.ToString("R", CultureInfo.InvariantCulture));
            }
            if (!text.StartsWith("pass", StringComparison.Ordinal))
                throw new EngineMismatchException(
                    $"{model.CaseName(batch)}: {EngineFactory.DisplayName(kind)} disagrees with the reference ({text[5..]}, tolerance {Tolerance:g}); not timing this workload");
        }
    }

    private static string VerdictPath(BenchModel model, int batch, EngineKind kind) =>
        Path.Combine(CacheDir, $"{model.CaseName(batch)}-{Fingerprint(model, batch):x16}-{kind}-{KerasPortEngineTag}.verdict");

    // Verdicts depend on the engine builds too: tag them with the assemblies' module version ids (deterministic builds:
    // they change exactly when the code does) and the ONNX Runtime version.
    private static readonly string KerasPortEngineTag =
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            $"{typeof(KerasPortEngine).Assembly.ManifestModule.ModuleVersionId:N}{typeof(KerasPort.Model.WeightTensor).Assembly.ManifestModule.ModuleVersionId:N}" +
            Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString())))[..16];

    /// <summary>FNV-1a over the weights and the input of a case.</summary>
    private static ulong Fingerprint(BenchModel model, int batch)
    {
        ulong h = WeightsFingerprint(model);
        foreach (var v in model.MakeInput(batch))
        {
            h ^= (uint)BitConverter.SingleToInt32Bits(v);
            h *= 1099511628211UL;
        }
        return h;
    }

    /// <summary>FNV-1a over the layers and weights of a workload.</summary>
    public static ulong WeightsFingerprint(BenchModel model)
    {
        ulong h = 14695981039346656037UL;
        void Add(ReadOnlySpan<float> values)
        {
            foreach (var v in values)
            {
                h ^= (uint)BitConverter.SingleToInt32Bits(v);
                h *= 1099511628211UL;
            }
        }
        foreach (var layer in model.Layers)
        {
            switch (layer)
            {
                case LstmLayer l: Add(l.Kernel); Add(l.RecurrentKernel); Add(l.Bias); break;
                case GruLayer g: Add(g.Kernel); Add(g.RecurrentKernel); Add(g.InputBias); Add(g.RecurrentBias); break;
                case SimpleRnnLayer s: Add(s.Kernel); Add(s.RecurrentKernel); Add(s.Bias); break;
                case DenseLayer d: Add(d.Kernel); Add(d.Bias); h ^= (ulong)d.Activation; break;
            }
            foreach (char c in layer.GetType().Name)
            {
                h ^= c;
                h *= 1099511628211UL;
            }
        }
        h ^= model.Streaming ? 0x5354UL : 0;
        return h;
    }
}
