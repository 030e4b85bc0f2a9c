using KerasPort.Model.Layers;

namespace KerasPort.Model.Graph;

/// <summary>A tensor named the Keras way: output <c>Tensor</c> of node <c>Node</c> of layer <c>Layer</c>.</summary>
internal readonly record struct TensorKey(string Layer, int Node, int Tensor)
{
    public override string ToString() => $"[{Layer}, {Node}, {Tensor}]";
}

/// <summary>One inbound node of a layer in a functional config: what the call consumed.</summary>
internal sealed class NodeSpec
{
    public required List<TensorKey> Args { get; init; }
    public List<TensorKey> InitialState { get; init; } = [];
    public List<TensorKey>? Mask { get; init; }
}

/// <summary>A parsed model config (Sequential or Functional), before it is expanded into a graph.</summary>
internal sealed class ModelSpec
{
    public required string Name { get; init; }
    public required string ClassName { get; init; }
    public required bool IsSequential { get; init; }

    /// <summary>Keras's <c>model.layers</c>: Sequential omits its InputLayer, Functional lists its InputLayers.</summary>
    public required List<Layer> Layers { get; init; }

    /// <summary>Sequential: the explicit or synthesized input; null when the model has no input shape (usable only nested).</summary>
    public InputLayerSpec? SequentialInput { get; init; }

    /// <summary>Functional: inbound nodes per layer name.</summary>
    public Dictionary<string, List<NodeSpec>> Nodes { get; init; } = [];

    /// <summary>Functional: <c>input_layers</c>.</summary>
    public List<TensorKey> Inputs { get; init; } = [];

    /// <summary>Functional: <c>output_layers</c>.</summary>
    public List<TensorKey> Outputs { get; init; } = [];

    public Layer? Find(string name) => Layers.FirstOrDefault(l => l.Name == name) ?? (SequentialInput?.Name == name ? SequentialInput : null);
}
