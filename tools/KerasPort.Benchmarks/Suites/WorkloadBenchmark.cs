using BenchmarkDotNet.Attributes;
using KerasPort.Benchmarks.Engines;
using KerasPort.Benchmarks.Harness;
using KerasPort.Benchmarks.Workloads;

namespace KerasPort.Benchmarks.Suites;

/// <summary>
/// One workload, timed per batch size and engine. Global setup refuses (throws, so BenchmarkDotNet skips the case)
/// unless every engine's output matches the double-precision reference on this case.
/// </summary>
public abstract class WorkloadBenchmark
{
    private IInferenceEngine? _engine;
    private double? _roundTripBefore;

    /// <summary>The workload this class times.</summary>
    public abstract WorkloadId Workload { get; }

    /// <summary>Batch size.</summary>
    [ParamsSource(nameof(BatchSizes))]
    public int Batch { get; set; }

    /// <summary>Engine.</summary>
    [ParamsAllValues]
    public EngineKind Engine { get; set; }

    /// <summary>The batch sizes of <see cref="Workload"/>.</summary>
    public IEnumerable<int> BatchSizes() => WorkloadCatalog.BatchesOf(Workload);

    /// <summary>Builds the engine and checks both engines against the reference.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var model = WorkloadCatalog.Get(Workload);
        ReferenceGate.RequireAllEnginesAgree(model, Batch);
        _engine = EngineFactory.Create(Engine, model, Batch);
        double diff = ReferenceGate.MaxAbsDiff(_engine, model, Batch);
        if (!(diff <= ReferenceGate.Tolerance))
            throw new EngineMismatchException($"{model.CaseName(Batch)}: {_engine.Name} max |diff| {diff:g3} > {ReferenceGate.Tolerance:g}; not timing");
        for (int i = 0; i < 3; i++) _engine.Run(); // first-call work (ORT arena, JIT tiers) stays out of the pilot stage
        _roundTripBefore = MachineInfo.RoundTripNanoseconds();
    }

    /// <summary>One steady-state predict (W7: one time step with carried state).</summary>
    [Benchmark]
    public void Predict() => _engine!.Run();

    /// <summary>Releases the engine.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _engine?.Dispose();
        // the cores' round trip before and after this case, for the ratio table (two-thread kernels depend on it)
        if (_roundTripBefore is double before && MachineInfo.RoundTripNanoseconds() is double after)
            File.WriteAllText(MachineInfo.RoundTripFile(Workload, Batch, Engine), FormattableString.Invariant($"{before:0} {after:0}"));
    }
}

/// <summary>W1: LSTM(32) over 8 features → Dense(1).</summary>
public class W1_Lstm32_Dense1 : WorkloadBenchmark { public override WorkloadId Workload => WorkloadId.W1; }

/// <summary>W2: LSTM(128, return_sequences) over 64 → TimeDistributed(Dense(64)).</summary>
public class W2_Lstm128Seq_TdDense64 : WorkloadBenchmark { public override WorkloadId Workload => WorkloadId.W2; }

/// <summary>W3: LSTM(512) over 256.</summary>
public class W3_Lstm512 : WorkloadBenchmark { public override WorkloadId Workload => WorkloadId.W3; }

/// <summary>W4: GRU(128, reset_after=True) over 64.</summary>
public class W4_Gru128 : WorkloadBenchmark { public override WorkloadId Workload => WorkloadId.W4; }

/// <summary>W5: SimpleRNN(128) over 64.</summary>
public class W5_SimpleRnn128 : WorkloadBenchmark { public override WorkloadId Workload => WorkloadId.W5; }

/// <summary>W6: Dense 256→512→512→10.</summary>
public class W6_Dense_256_512_512_10 : WorkloadBenchmark { public override WorkloadId Workload => WorkloadId.W6; }

/// <summary>W7: streaming LSTM(128) step with carried state.</summary>
public class W7_StreamingLstm128Step : WorkloadBenchmark { public override WorkloadId Workload => WorkloadId.W7; }

internal static class WorkloadSuites
{
    public static readonly Type[] All =
    [
        typeof(W1_Lstm32_Dense1), typeof(W2_Lstm128Seq_TdDense64), typeof(W3_Lstm512), typeof(W4_Gru128),
        typeof(W5_SimpleRnn128), typeof(W6_Dense_256_512_512_10), typeof(W7_StreamingLstm128Step),
    ];

    public static WorkloadId WorkloadOf(Type suite) => ((WorkloadBenchmark)Activator.CreateInstance(suite)!).Workload;
}
