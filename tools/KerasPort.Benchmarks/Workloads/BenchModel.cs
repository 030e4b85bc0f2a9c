namespace KerasPort.Benchmarks.Workloads;

/// <summary>The benchmark workloads (see README.md).</summary>
public enum WorkloadId
{
    /// <summary>LSTM(32) over 8 features, last step, then Dense(1).</summary>
    W1,
    /// <summary>LSTM(128) over 64 features, return_sequences, then TimeDistributed(Dense(64)).</summary>
    W2,
    /// <summary>LSTM(512) over 256 features, last step.</summary>
    W3,
    /// <summary>GRU(128, reset_after=True) over 64 features, last step.</summary>
    W4,
    /// <summary>SimpleRNN(128, tanh) over 64 features, last step.</summary>
    W5,
    /// <summary>Dense 256→512→512→10, relu between.</summary>
    W6,
    /// <summary>Streaming: LSTM(128) over 64 features, batch 1, one step per call with carried state.</summary>
    W7,
}

/// <summary>A workload: a Keras model (layers with weights), its input shape and the batch sizes it is timed at.</summary>
internal sealed class BenchModel
{
    public required WorkloadId Id { get; init; }
    public required string Title { get; init; }
    /// <summary>Time steps of the input sequence; null for a model with 2-D (batch, features) input.</summary>
    public required int? TimeSteps { get; init; }
    public required int Features { get; init; }
    public required IReadOnlyList<KerasLayer> Layers { get; init; }
    public required int[] Batches { get; init; }
    /// <summary>One time step per call with the recurrent state carried between calls (Keras stateful=True).</summary>
    public bool Streaming { get; init; }
    public required ulong InputSeed { get; init; }

    /// <summary>Time steps one call consumes: 1 when streaming or for 2-D input.</summary>
    public int StepsPerCall => Streaming || TimeSteps is null ? 1 : TimeSteps.Value;

    /// <summary>Whether one call's output has a time axis (the last recurrent layer returns sequences).</summary>
    public bool SequenceOutput => !Streaming && Layers.OfType<KerasLayer>().Any(IsSequenceLayer);

    public int OutputWidth => Layers[^1].OutputDim;

    public int InputLength(int batch) => batch * StepsPerCall * Features;

    public int OutputLength(int batch) => batch * (SequenceOutput ? StepsPerCall : 1) * OutputWidth;

    /// <summary>The seeded input of a whole verification run: batch × TimeSteps × Features (streaming: all steps of the stream).</summary>
    public float[] MakeInput(int batch) =>
        new SeededRandom(InputSeed + (ulong)batch).Uniform(batch * (TimeSteps ?? 1) * Features, 1.0);

    private static bool IsSequenceLayer(KerasLayer l) => l switch
    {
        LstmLayer x => x.ReturnSequences,
        GruLayer x => x.ReturnSequences,
        SimpleRnnLayer x => x.ReturnSequences,
        _ => false,
    };

    public string CaseName(int batch) => $"{Id}-b{batch}";
}
