using System.Numerics;
using System.Numerics.Tensors;
using KerasPort.Model.Graph;
using KerasPort.Model.Layers;
using KerasPort.Runtime;

namespace KerasPort;

/// <summary>The states one recurrent layer carries in a <see cref="KerasStream{T}"/>.</summary>
/// <param name="Layer">The layer's path in the model (<c>lstm_1</c>, or <c>encoder/lstm_1</c> inside a nested model).</param>
/// <param name="ClassName">The Keras class (LSTM, GRU, SimpleRNN, RNN).</param>
/// <param name="StateSizes">The size of each state in Keras order (LSTM: h, c; stacked cells: every cell's states in order).</param>
public sealed record StreamLayer(string Layer, string ClassName, IReadOnlyList<int> StateSizes);

/// <summary>
/// Step-by-step inference over N independent streams (the batch): feed one or more time steps per call and read their
/// outputs; every recurrent layer carries its states to the next call, so feeding a sequence in pieces gives the same
/// outputs and states as feeding it whole. Get, set or reset the states at any time (Keras's <c>initial_state</c> and
/// <c>return_state</c> for any recurrent layer). Not thread-safe: use one stream per caller. Steady-state feeding with
/// <see cref="Feed(ReadOnlySpan{T}, int, Span{T})"/> allocates nothing.
/// </summary>
/// <typeparam name="T">float or double, the model's <see cref="KerasModel.ComputeType"/>.</typeparam>
public sealed class KerasStream<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly CompiledModel<T> _compiled;
    private readonly RunState<T> _state = new();
    private readonly Dictionary<string, StreamLayer> _layers;
    private readonly int[] _shape;
    private readonly int[][] _shapes;

    internal KerasStream(KerasModel model, CompiledModel<T> compiled, int batch, IReadOnlyList<StreamLayer> layers)
    {
        _compiled = compiled;
        Batch = batch;
        Layers = layers;
        _layers = layers.ToDictionary(l => l.Layer, StringComparer.Ordinal);
        var input = compiled.Inputs[0];
        if (input.Shape.Length != 3 || input.Shape[2] is not int features)
            throw new InvalidModelArgumentException($"{model.SourcePath}: streaming needs a (batch, time, features) input with a known feature size; '{input.Name}' has shape ({string.Join(", ", input.Shape.Select(d => d?.ToString() ?? "None"))})");
        Features = features;
        _shape = [batch, 1, features];
        _shapes = [_shape];
        Reset();
    }

    /// <summary>The number of independent streams.</summary>
    public int Batch { get; }

    /// <summary>Features per time step of the model input.</summary>
    public int Features { get; }

    /// <summary>The recurrent layers whose states the stream carries.</summary>
    public IReadOnlyList<StreamLayer> Layers { get; }

    /// <summary>
    /// Feeds <paramref name="steps"/> time steps for every stream: <paramref name="input"/> is (batch, steps, features)
    /// row-major; <paramref name="output"/> receives the model output for those steps ((batch, steps, units) for a
    /// sequence output, (batch, units) for a last-step output). Returns the number of values written.
    /// </summary>
    /// <exception cref="KerasPortException">Sizes do not fit.</exception>
    public int Feed(ReadOnlySpan<T> input, int steps, Span<T> output)
    {
        if (steps < 1) throw new InvalidModelArgumentException($"steps must be at least 1; got {steps}");
        if (input.Length != Batch * steps * Features)
            throw new ShapeMismatchException($"input for {Batch} stream(s) × {steps} step(s) × {Features} feature(s) needs {Batch * steps * Features} values; got {input.Length}");
        _shape[1] = steps;
        var frame = _compiled.Plan.Rent(_shapes);
        try
        {
            input.CopyTo(frame.Slots[0].Data);
            _compiled.Plan.Execute(frame, _state);
            var slot = _compiled.Output(frame, 0);
            if (output.Length < slot.Length)
                throw new ShapeMismatchException($"output '{_compiled.OutputNames[0]}' has shape ({string.Join(", ", slot.Shape)}) = {slot.Length} values; the destination holds {output.Length}");
            slot.Data.CopyTo(output);
            return slot.Length;
        }
        finally
        {
            _compiled.Plan.Return(frame);
        }
    }

    /// <summary>Feeds a (batch, steps, features) tensor and returns every model output for those steps.</summary>
    /// <exception cref="KerasPortException">Sizes do not fit.</exception>
    public Tensor<T>[] Feed(Tensor<T> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var lengths = input.Lengths;
        if (lengths.Length != 3 || lengths[0] != Batch || lengths[2] != Features)
            throw new ShapeMismatchException($"stream input must have shape ({Batch}, steps, {Features}); got ({string.Join(", ", lengths.ToArray())})");
        _shape[1] = (int)lengths[1];
        var frame = _compiled.Plan.Rent(_shapes);
        try
        {
            input.FlattenTo(frame.Slots[0].Data);
            _compiled.Plan.Execute(frame, _state);
            var results = new Tensor<T>[_compiled.OutputNames.Count];
            for (int k = 0; k < results.Length; k++)
            {
                var slot = _compiled.Output(frame, k);
                results[k] = Tensor.Create(slot.Data.ToArray(), slot.Shape.Select(d => (nint)d).ToArray());
            }
            return results;
        }
        finally
        {
            _compiled.Plan.Return(frame);
        }
    }

    /// <summary>Sets every state (and the carried outputs) of every stream to zero.</summary>
    public void Reset()
    {
        _state.Reset();
        foreach (var layer in Layers)
        {
            _state.Get(layer.Layer, Batch * layer.StateSizes.Sum());
            // the carried output is sized on first use by the runner
        }
    }

    /// <summary>
    /// Copies state <paramref name="index"/> (Keras order: LSTM 0 = h, 1 = c) of <paramref name="layer"/> for every
    /// stream, (batch, size) row-major, into <paramref name="destination"/>.
    /// </summary>
    /// <exception cref="KerasPortException">Unknown layer or index, or a destination of the wrong size.</exception>
    public void GetState(string layer, int index, Span<T> destination) => StateSlice(layer, index, destination.Length).CopyTo(destination);

    /// <summary>State <paramref name="index"/> of <paramref name="layer"/>, (batch, size) row-major, as a new array.</summary>
    /// <exception cref="KerasPortException">Unknown layer or index.</exception>
    public T[] GetState(string layer, int index)
    {
        var l = Layer(layer);
        CheckIndex(l, index);
        var a = new T[Batch * l.StateSizes[index]];
        GetState(layer, index, a);
        return a;
    }

    /// <summary>Sets state <paramref name="index"/> of <paramref name="layer"/> for every stream ((batch, size) row-major): Keras's initial_state.</summary>
    /// <exception cref="KerasPortException">Unknown layer or index, or values of the wrong size.</exception>
    public void SetState(string layer, int index, ReadOnlySpan<T> values) => values.CopyTo(StateSlice(layer, index, values.Length));

    private Span<T> StateSlice(string layer, int index, int length)
    {
        var l = Layer(layer);
        CheckIndex(l, index);
        int size = l.StateSizes[index];
        if (length != Batch * size)
            throw new ShapeMismatchException($"state {index} of layer '{layer}' holds {Batch} × {size} values; got {length}");
        int offset = 0;
        for (int k = 0; k < index; k++) offset += Batch * l.StateSizes[k];
        return _state.Get(layer, Batch * l.StateSizes.Sum()).AsSpan(offset, Batch * size);
    }

    private StreamLayer Layer(string name) => _layers.TryGetValue(name, out var l) ? l
        : throw new InvalidModelArgumentException($"layer '{name}' carries no stream state; stateful layers: {string.Join(", ", _layers.Keys)}");

    private static void CheckIndex(StreamLayer l, int index)
    {
        if (index < 0 || index >= l.StateSizes.Count)
            throw new InvalidModelArgumentException($"layer '{l.Layer}' has {l.StateSizes.Count} state(s); index {index} is out of range");
    }

    /// <summary>Checks that a graph can run step by step; lists the layers that carry states.</summary>
    internal static IReadOnlyList<StreamLayer> Plan(ModelGraph graph, string file)
    {
        var problems = new List<UnsupportedFeature>();
        var layers = new List<StreamLayer>();
        if (graph.Inputs.Count != 1 || graph.Outputs.Count < 1)
            problems.Add(new UnsupportedFeature("Model", "(model)", null, $"streaming needs exactly one model input; this model has {graph.Inputs.Count}"));
        bool sequenceEnded = false; // a return_sequences=False layer was passed: only per-sample layers may follow
        foreach (var call in graph.Calls)
        {
            var layer = call.Layer;
            switch (layer)
            {
                case InputLayerSpec:
                    break;
                case BidirectionalLayer:
                    problems.Add(new UnsupportedFeature(layer.StoredClassName, layer.Name, null, "a Bidirectional layer reads the future of the sequence and cannot run step by step"));
                    break;
                case RecurrentLayer r:
                    if (r.GoBackwards)
                        problems.Add(new UnsupportedFeature(layer.StoredClassName, layer.Name, "go_backwards", "a layer that reads the sequence backwards cannot run step by step"));
                    if (sequenceEnded)
                        problems.Add(new UnsupportedFeature(layer.StoredClassName, layer.Name, null, "it follows a layer with return_sequences=False, whose output exists only at the end of the sequence"));
                    if (call.InitialState.Count > 0)
                        problems.Add(new UnsupportedFeature(layer.StoredClassName, layer.Name, "initial_state", "initial states wired in the graph; set them with KerasStream.SetState instead"));
                    if (!r.ReturnSequences) sequenceEnded = true;
                    layers.Add(new StreamLayer(call.Path, layer.StoredClassName, r.StateSizes.ToArray()));
                    break;
                case DenseLayer or ActivationLayer or ActivationFunctionLayer or InferenceIdentityLayer or EmbeddingLayer or MaskingLayer
                    or BatchNormalizationLayer or PReLULayer or ElementwiseMergeLayer:
                    break;
                case LayerNormalizationLayer ln when ln.Axes.All(a => a == -1 || (ln.InputShapes.Count > 0 && a == ln.InputShapes[0].Length - 1)):
                    break;
                case ConcatenateLayer c when c.Axis == -1 || (c.InputShapes.Count > 0 && c.Axis == c.InputShapes[0].Length - 1):
                    break;
                case TimeDistributedLayer:
                    break;
                default:
                    problems.Add(new UnsupportedFeature(layer.StoredClassName, layer.Name, null, "the layer mixes time steps (or its output exists only for the whole sequence) and cannot run step by step"));
                    break;
            }
        }
        if (problems.Count > 0) throw new UnsupportedModelException(file, problems);
        return layers;
    }
}
