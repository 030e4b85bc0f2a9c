namespace KerasPort.Benchmarks.Engines;

/// <summary>
/// One engine prepared for one workload at one batch size. Buffers are owned by the engine and allocated up front,
/// so <see cref="Run"/> is the steady-state predict call that gets timed.
/// </summary>
internal interface IInferenceEngine : IDisposable
{
    /// <summary>Display name (e.g. "KerasPort", "ORT-2T").</summary>
    string Name { get; }

    /// <summary>The input of one call: batch × steps × features (Keras layout), written in place by the caller.</summary>
    Span<float> Input { get; }

    /// <summary>One predict call. Streaming engines advance their carried state by one step.</summary>
    void Run();

    /// <summary>The output of the last call (Keras layout).</summary>
    ReadOnlySpan<float> Output { get; }

    /// <summary>Streaming engines: set the carried state back to zeros. Others: nothing.</summary>
    void ResetState();
}

/// <summary>Which engine a benchmark case runs.</summary>
public enum EngineKind
{
    /// <summary>KerasPort (see <see cref="KerasPortEngine"/>).</summary>
    KerasPort,
    /// <summary>ONNX Runtime, intra-op threads 1.</summary>
    Ort1T,
    /// <summary>ONNX Runtime, intra-op threads 2.</summary>
    Ort2T,
}

internal static class EngineFactory
{
    public static string DisplayName(EngineKind kind) => kind switch
    {
        EngineKind.KerasPort => "KerasPort",
        EngineKind.Ort1T => "ORT-1T",
        EngineKind.Ort2T => "ORT-2T",
        _ => kind.ToString(),
    };

    public static IInferenceEngine Create(EngineKind kind, Workloads.BenchModel model, int batch) => kind switch
    {
        EngineKind.KerasPort => new KerasPortEngine(model, batch),
        EngineKind.Ort1T => new OrtEngine(model, batch, intraOpThreads: 1),
        EngineKind.Ort2T => new OrtEngine(model, batch, intraOpThreads: 2),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
