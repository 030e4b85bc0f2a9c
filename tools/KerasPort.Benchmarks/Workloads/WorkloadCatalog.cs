namespace KerasPort.Benchmarks.Workloads;

/// <summary>Builds the workloads from fixed seeds, so every run and every engine sees the same weights and inputs.</summary>
internal static class WorkloadCatalog
{
    public const int SequenceLength = 100;

    public static IReadOnlyList<WorkloadId> All { get; } = Enum.GetValues<WorkloadId>();

    private static readonly Dictionary<WorkloadId, BenchModel> Cache = [];

    public static BenchModel Get(WorkloadId id)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(id, out var m)) Cache[id] = m = Build(id);
            return m;
        }
    }

    public static int[] BatchesOf(WorkloadId id) => id switch
    {
        WorkloadId.W3 => [1, 64],
        WorkloadId.W6 => [1, 256],
        WorkloadId.W7 => [1],
        _ => [1, 8, 64],
    };

    private static BenchModel Build(WorkloadId id)
    {
        var rng = new SeededRandom(0x4B657261735F00UL + (ulong)id);
        return id switch
        {
            WorkloadId.W1 => Sequence(id, "LSTM(32) over 8 features, last step → Dense(1)", 8,
                [Lstm(rng, "lstm", 8, 32, returnSequences: false), Dense(rng, "dense", 32, 1, DenseActivation.Linear)]),
            WorkloadId.W2 => Sequence(id, "LSTM(128) over 64 features, sequences → TimeDistributed(Dense(64))", 64,
                [Lstm(rng, "lstm", 64, 128, returnSequences: true),
                 Dense(rng, "time_distributed", 128, 64, DenseActivation.Linear, timeDistributed: true)]),
            WorkloadId.W3 => Sequence(id, "LSTM(512) over 256 features, last step", 256,
                [Lstm(rng, "lstm", 256, 512, returnSequences: false)]),
            WorkloadId.W4 => Sequence(id, "GRU(128, reset_after=True) over 64 features, last step", 64,
                [Gru(rng, "gru", 64, 128)]),
            WorkloadId.W5 => Sequence(id, "SimpleRNN(128, tanh) over 64 features, last step", 64,
                [SimpleRnn(rng, "simple_rnn", 64, 128)]),
            WorkloadId.W6 => new BenchModel
            {
                Id = id, Title = "Dense 256→512→512→10, relu, relu, linear", TimeSteps = null, Features = 256,
                Layers = [Dense(rng, "dense", 256, 512, DenseActivation.Relu), Dense(rng, "dense_1", 512, 512, DenseActivation.Relu),
                          Dense(rng, "dense_2", 512, 10, DenseActivation.Linear)],
                Batches = BatchesOf(id), InputSeed = 1000 + (ulong)id,
            },
            WorkloadId.W7 => new BenchModel
            {
                Id = id, Title = "Streaming LSTM(128) over 64 features, batch 1, one step per call, state carried",
                TimeSteps = SequenceLength, Features = 64, Streaming = true,
                Layers = [Lstm(rng, "lstm", 64, 128, returnSequences: false, stateful: true)],
                Batches = BatchesOf(id), InputSeed = 1000 + (ulong)id,
            },
            _ => throw new ArgumentOutOfRangeException(nameof(id)),
        };
    }

    private static BenchModel Sequence(WorkloadId id, string title, int features, KerasLayer[] layers) => new()
    {
        Id = id, Title = title, TimeSteps = SequenceLength, Features = features, Layers = layers,
        Batches = BatchesOf(id), InputSeed = 1000 + (ulong)id,
    };

    // Glorot-uniform-like limits keep the gates out of saturation, so a wrong gate order or bias mapping shows up
    // in the outputs; the biases are non-zero for the same reason.
    private static double Glorot(int fanIn, int fanOut) => Math.Sqrt(6.0 / (fanIn + fanOut));

    private static LstmLayer Lstm(SeededRandom rng, string name, int input, int units, bool returnSequences, bool stateful = false) =>
        new(name, input, units, returnSequences, stateful,
            rng.Uniform(input * 4 * units, Glorot(input, 4 * units)),
            rng.Uniform(units * 4 * units, Glorot(units, 4 * units) * 2),
            rng.Uniform(4 * units, 0.5));

    private static GruLayer Gru(SeededRandom rng, string name, int input, int units) =>
        new(name, input, units, ReturnSequences: false,
            rng.Uniform(input * 3 * units, Glorot(input, 3 * units)),
            rng.Uniform(units * 3 * units, Glorot(units, 3 * units) * 2),
            rng.Uniform(3 * units, 0.5),
            rng.Uniform(3 * units, 0.5));

    private static SimpleRnnLayer SimpleRnn(SeededRandom rng, string name, int input, int units) =>
        new(name, input, units, ReturnSequences: false,
            rng.Uniform(input * units, Glorot(input, units)),
            rng.Uniform(units * units, Glorot(units, units)),
            rng.Uniform(units, 0.5));

    private static DenseLayer Dense(SeededRandom rng, string name, int input, int units, DenseActivation activation, bool timeDistributed = false) =>
        new(name, input, units, activation, timeDistributed,
            rng.Uniform(input * units, Glorot(input, units)),
            rng.Uniform(units, 0.1));
}
