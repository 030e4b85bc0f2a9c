namespace KerasPort.Benchmarks.Workloads;

/// <summary>
/// One layer of a benchmark model, with its weights in Keras's own layout (kernel (input, gates·units), row-major;
/// gate blocks in Keras order). Every engine (reference, ONNX, KerasPort) is derived from these arrays.
/// </summary>
internal abstract record KerasLayer(string Name)
{
    /// <summary>Features of one step (recurrent) or of one row (Dense).</summary>
    public abstract int InputDim { get; }

    /// <summary>Features of the layer's output row.</summary>
    public abstract int OutputDim { get; }
}

/// <summary>Keras LSTM, gates i, f, c, o; activation tanh, recurrent_activation sigmoid.</summary>
internal sealed record LstmLayer(string Name, int InputDimValue, int Units, bool ReturnSequences, bool Stateful,
    float[] Kernel, float[] RecurrentKernel, float[] Bias) : KerasLayer(Name)
{
    public override int InputDim => InputDimValue;
    public override int OutputDim => Units;
}

/// <summary>
/// Keras GRU with reset_after=True, gates z, r, h; bias stored as Keras does, shape (2, 3·units): row 0 the input bias,
/// row 1 the recurrent bias.
/// </summary>
internal sealed record GruLayer(string Name, int InputDimValue, int Units, bool ReturnSequences,
    float[] Kernel, float[] RecurrentKernel, float[] InputBias, float[] RecurrentBias) : KerasLayer(Name)
{
    public override int InputDim => InputDimValue;
    public override int OutputDim => Units;
}

/// <summary>Keras SimpleRNN with activation tanh.</summary>
internal sealed record SimpleRnnLayer(string Name, int InputDimValue, int Units, bool ReturnSequences,
    float[] Kernel, float[] RecurrentKernel, float[] Bias) : KerasLayer(Name)
{
    public override int InputDim => InputDimValue;
    public override int OutputDim => Units;
}

/// <summary>Activations the Dense layers here use.</summary>
internal enum DenseActivation
{
    Linear,
    Relu,
}

/// <summary>Keras Dense (kernel (input, units)); <see cref="TimeDistributed"/> wraps it in TimeDistributed.</summary>
internal sealed record DenseLayer(string Name, int InputDimValue, int Units, DenseActivation Activation, bool TimeDistributed,
    float[] Kernel, float[] Bias) : KerasLayer(Name)
{
    public override int InputDim => InputDimValue;
    public override int OutputDim => Units;
}
