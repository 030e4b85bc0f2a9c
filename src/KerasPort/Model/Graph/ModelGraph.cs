namespace KerasPort.Model.Graph;

/// <summary>A tensor of the executable graph: output <see cref="TensorIndex"/> of call <see cref="CallIndex"/> in <see cref="ModelGraph.Calls"/>.</summary>
/// <param name="CallIndex">Index into <see cref="ModelGraph.Calls"/>.</param>
/// <param name="TensorIndex">Which output of that call (0 = main output; return_state states follow).</param>
public readonly record struct TensorRef(int CallIndex, int TensorIndex);

/// <summary>One call of a layer in the executable (flattened, topologically sorted) graph.</summary>
public sealed class LayerCall
{
    internal LayerCall(int index, Layer layer, string path, int nodeIndex, IReadOnlyList<TensorRef> inputs, IReadOnlyList<TensorRef> initialState,
        IReadOnlyList<TensorRef>? explicitMask, IReadOnlyList<int?[]> inputShapes, IReadOnlyList<int?[]> outputShapes)
    {
        Index = index;
        Layer = layer;
        Path = path;
        NodeIndex = nodeIndex;
        Inputs = inputs;
        InitialState = initialState;
        ExplicitMask = explicitMask;
        InputShapes = inputShapes;
        OutputShapes = outputShapes;
    }

    /// <summary>Position in <see cref="ModelGraph.Calls"/>.</summary>
    public int Index { get; }

    /// <summary>The layer called (an <see cref="Layers.InputLayerSpec"/> call produces a model input).</summary>
    public Layer Layer { get; }

    /// <summary>The layer's path: its name, prefixed by the names of the nested models it sits in (<c>encoder/lstm_1</c>).</summary>
    public string Path { get; }

    /// <summary>The Keras node index of this call within its layer (shared layers have several).</summary>
    public int NodeIndex { get; }

    /// <summary>The input tensors (one for most layers; several for merge layers).</summary>
    public IReadOnlyList<TensorRef> Inputs { get; }

    /// <summary>The <c>initial_state</c> tensors of a recurrent call (Bidirectional: forward states then backward states); empty otherwise.</summary>
    public IReadOnlyList<TensorRef> InitialState { get; }

    /// <summary>A mask passed explicitly as the call's <c>mask</c> argument (Keras 3 <c>kwargs.mask</c>), or null (masks then flow from the inputs).</summary>
    public IReadOnlyList<TensorRef>? ExplicitMask { get; }

    /// <summary>The shapes of <see cref="Inputs"/>.</summary>
    public IReadOnlyList<int?[]> InputShapes { get; }

    /// <summary>The shapes of the call's outputs (batch first, null = unknown).</summary>
    public IReadOnlyList<int?[]> OutputShapes { get; }

    /// <inheritdoc />
    public override string ToString() => $"#{Index} {Path}[{NodeIndex}] ({Layer.StoredClassName})";
}

/// <summary>A model input.</summary>
/// <param name="Name">The input (InputLayer) name.</param>
/// <param name="Shape">The shape with the batch dimension first (null = any size).</param>
/// <param name="DType">The input dtype (<c>float32</c>, <c>int32</c>…).</param>
/// <param name="Tensor">The graph tensor the input feeds.</param>
public sealed record ModelInput(string Name, int?[] Shape, string DType, TensorRef Tensor);

/// <summary>A model output, in Keras's order.</summary>
/// <param name="LayerName">The output layer's name (at the top level of the model).</param>
/// <param name="NodeIndex">The node index within that layer.</param>
/// <param name="TensorIndex">The tensor index within that node (e.g. 1 and 2 for an LSTM's return_state h and c).</param>
/// <param name="Tensor">The graph tensor.</param>
/// <param name="Shape">Its shape.</param>
public sealed record ModelOutput(string LayerName, int NodeIndex, int TensorIndex, TensorRef Tensor, int?[] Shape);

/// <summary>
/// The executable graph of a model: inputs, outputs and every layer call in an order where each call's inputs are
/// computed before it. Nested models are flattened into their layers' calls.
/// </summary>
public sealed class ModelGraph
{
    internal ModelGraph(IReadOnlyList<ModelInput> inputs, IReadOnlyList<ModelOutput> outputs, IReadOnlyList<LayerCall> calls)
    {
        Inputs = inputs;
        Outputs = outputs;
        Calls = calls;
    }

    /// <summary>The model inputs, in Keras order.</summary>
    public IReadOnlyList<ModelInput> Inputs { get; }

    /// <summary>The model outputs, in Keras order.</summary>
    public IReadOnlyList<ModelOutput> Outputs { get; }

    /// <summary>Every layer call, topologically sorted (InputLayer calls included).</summary>
    public IReadOnlyList<LayerCall> Calls { get; }

    /// <summary>The calls whose layer produces a mask (Masking; Embedding with mask_zero).</summary>
    public IEnumerable<LayerCall> MaskProducers => Calls.Where(c => c.Layer.ProducesMask);

    /// <summary>The shape of a graph tensor.</summary>
    public int?[] ShapeOf(TensorRef t) => Calls[t.CallIndex].OutputShapes[t.TensorIndex];
}
