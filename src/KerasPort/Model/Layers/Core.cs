using KerasPort.Compute;
using KerasPort.Model.Config;

namespace KerasPort.Model.Layers;

/// <summary>InputLayer: a model input of a fixed shape.</summary>
public sealed class InputLayerSpec : Layer
{
    internal InputLayerSpec(LayerConfig c, int?[]? batchShape) : base(c)
    {
        BatchShape = batchShape
            ?? c.Shape("batch_shape") ?? c.Shape("batch_input_shape")
            ?? (c.Shape("input_shape") is { } s ? (int?[])[null, .. s] : null)
            ?? throw new CorruptModelFileException($"{c.Context.File}: InputLayer '{c.Name}' has no batch_shape / batch_input_shape");
        Sparse = c.Bool("sparse", false);
        Ragged = c.Bool("ragged", false);
    }

    /// <summary>The input shape including the batch dimension (usually null).</summary>
    public int?[] BatchShape { get; }

    /// <summary><c>sparse</c>.</summary>
    public bool Sparse { get; }

    /// <summary><c>ragged</c>.</summary>
    public bool Ragged { get; }

    internal override int MaxInputs => 0;

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState) => [BatchShape];

    internal override void CheckSupport(LoadContext context)
    {
        // Integer inputs feed Embedding layers; float16 inputs are cast by the first layer (float32 policy).
        if (DType is not ("float32" or "float64" or "float16" or "bool") && !DType.StartsWith("int", StringComparison.Ordinal) && !DType.StartsWith("uint", StringComparison.Ordinal))
            context.Refuse(StoredClassName, Name, "dtype", $"input dtype '{DType}' is not supported");
        if (Sparse) context.Refuse(StoredClassName, Name, "sparse", "sparse inputs are not supported");
        if (Ragged) context.Refuse(StoredClassName, Name, "ragged", "ragged inputs are not supported");
    }
}

/// <summary>Dense: activation(x·kernel + bias) on the last axis.</summary>
public sealed class DenseLayer : Layer
{
    internal DenseLayer(LayerConfig c) : base(c)
    {
        Units = c.RequiredInt("units");
        Activation = c.Activation("activation", "linear");
        UseBias = c.Bool("use_bias", true);
        LoraRank = c.IntOrNull("lora_rank");
    }

    /// <summary><c>units</c>.</summary>
    public int Units { get; }

    /// <summary><c>activation</c> (default linear).</summary>
    public Activation Activation { get; }

    /// <summary><c>use_bias</c>.</summary>
    public bool UseBias { get; }

    /// <summary>Keras 3 <c>lora_rank</c> (refused when set).</summary>
    public int? LoraRank { get; }

    /// <summary>The input feature size (from the inferred input shape).</summary>
    public int? InputDim { get; private set; }

    /// <summary>The kernel (input_dim, units).</summary>
    public WeightTensor? Kernel => Weights.Count > 0 ? Weights[0] : null;

    /// <summary>The bias (units), or null.</summary>
    public WeightTensor? Bias => UseBias && Weights.Count > 1 ? Weights[1] : null;

    internal override IReadOnlyList<WeightSlot> WeightSlots =>
        UseBias ? [new("kernel", [InputDim, Units], "W"), new("bias", [Units], "b")] : [new("kernel", [InputDim, Units], "W")];

    internal override void Build(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        ExpectRank(inputs[0], 2);
        InputDim = inputs[0][^1];
    }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        ExpectRank(inputs[0], 2);
        if (InputDim is int d && inputs[0][^1] is int got && d != got)
            throw InputMismatch($"expects {d} input features but a call gives {got}");
        return [inputs[0].With(-1, Units)];
    }

    internal override void CheckSupport(LoadContext context)
    {
        base.CheckSupport(context);
        if (LoraRank is > 0) context.Refuse(StoredClassName, Name, "lora_rank", "LoRA-adapted Dense layers are not supported");
    }
}

/// <summary>Embedding: looks up rows of the (input_dim, output_dim) embeddings matrix.</summary>
public sealed class EmbeddingLayer : Layer
{
    internal EmbeddingLayer(LayerConfig c) : base(c)
    {
        InputDim = c.RequiredInt("input_dim");
        OutputDim = c.RequiredInt("output_dim");
        MaskZero = c.Bool("mask_zero", false);
        InputLength = c.IntOrNull("input_length");
        LoraRank = c.IntOrNull("lora_rank");
    }

    /// <summary><c>input_dim</c>: the vocabulary size.</summary>
    public int InputDim { get; }

    /// <summary><c>output_dim</c>: the embedding size.</summary>
    public int OutputDim { get; }

    /// <summary><c>mask_zero</c>: index 0 is padding and masks the step.</summary>
    public bool MaskZero { get; }

    /// <summary><c>input_length</c> (Keras 1/2), or null.</summary>
    public int? InputLength { get; }

    /// <summary>Keras 3 <c>lora_rank</c> (refused when set).</summary>
    public int? LoraRank { get; }

    /// <inheritdoc />
    public override bool ProducesMask => MaskZero;

    /// <summary>The embeddings matrix (input_dim, output_dim).</summary>
    public WeightTensor? Embeddings => Weights.Count > 0 ? Weights[0] : null;

    internal override IReadOnlyList<WeightSlot> WeightSlots => [new("embeddings", [InputDim, OutputDim], "W")];

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        var x = inputs[0];
        return [[.. x, OutputDim]];
    }

    internal override void CheckSupport(LoadContext context)
    {
        base.CheckSupport(context);
        if (LoraRank is > 0) context.Refuse(StoredClassName, Name, "lora_rank", "LoRA-adapted Embedding layers are not supported");
    }
}

/// <summary>Masking: masks time steps whose features all equal <see cref="MaskValue"/>.</summary>
public sealed class MaskingLayer : Layer
{
    internal MaskingLayer(LayerConfig c) : base(c) => MaskValue = c.Double("mask_value", 0.0);

    /// <summary><c>mask_value</c> (default 0).</summary>
    public double MaskValue { get; }

    /// <inheritdoc />
    public override bool ProducesMask => true;

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        return [inputs[0]];
    }
}

/// <summary>Activation: applies an activation function.</summary>
public sealed class ActivationLayer : Layer
{
    internal ActivationLayer(LayerConfig c) : base(c) => Activation = c.Activation("activation", "linear");

    /// <summary><c>activation</c>.</summary>
    public Activation Activation { get; }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        return [inputs[0]];
    }
}

/// <summary>A layer KerasPort does not implement; kept so the pre-flight check can list every problem at once.</summary>
public sealed class UnsupportedLayer : Layer
{
    internal UnsupportedLayer(LayerConfig c, string reason) : base(c) => Reason = reason;

    /// <summary>Why the layer is refused.</summary>
    public string Reason { get; }

    internal override int MaxInputs => int.MaxValue;

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState) =>
        throw new UnsupportedModelException(Context.File, [new UnsupportedFeature(StoredClassName, Name, null, Reason)]);

    internal override void CheckSupport(LoadContext context) => context.Refuse(StoredClassName, Name, null, Reason);
}
