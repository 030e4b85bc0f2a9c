using System.Numerics;
using System.Numerics.Tensors;
using KerasPort.Model.Layers;
using KerasPort.Runtime;

namespace KerasPort;

public sealed partial class KerasModel
{
    private CompiledModel<float>? _float32;
    private CompiledModel<double>? _float64;

    /// <summary>The element type predictions compute in (see <see cref="KerasModelLoadOptions.ComputeType"/>).</summary>
    public ComputeType ComputeType { get; private set; }

    /// <summary>The model inputs' names, in Keras order.</summary>
    public IReadOnlyList<string> InputNames => Graph.Inputs.Select(i => i.Name).ToArray();

    /// <summary>The model outputs' names, in Keras order (<c>layer</c>, or <c>layer__k</c> for a layer's k-th output tensor, e.g. return_state).</summary>
    public IReadOnlyList<string> OutputNames => Graph.Outputs.Select(o => o.TensorIndex == 0 ? o.LayerName : $"{o.LayerName}__{o.TensorIndex}").ToArray();

    /// <summary>True when the model holds stateful RNN layers whose states persist across predict calls until <see cref="ResetStates"/>.</summary>
    public bool IsStateful => Layers.Any(l => l is RecurrentLayer { Stateful: true } or BidirectionalLayer { Forward.Stateful: true });

    internal void InitializeRuntime(KerasModelLoadOptions? options)
    {
        ComputeType = options?.ComputeType ?? (Layers.Any(l => l.DType == "float64") ? ComputeType.Float64 : ComputeType.Float32);
        if (!HasWeights) return;
        if (ComputeType == ComputeType.Float32) _float32 = PlanCompiler.Compile<float>(Graph, SourcePath);
        else _float64 = PlanCompiler.Compile<double>(Graph, SourcePath);
    }

    internal CompiledModel<T> CompiledFor<T>() where T : unmanaged, IFloatingPointIeee754<T> => Compiled<T>();

    private CompiledModel<T> Compiled<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!HasWeights)
            throw new InvalidModelArgumentException($"{SourcePath}: the model has an architecture but no weights; load it with its weights file to predict");
        object? compiled = typeof(T) == typeof(float) ? _float32 : typeof(T) == typeof(double) ? _float64 : null;
        return compiled as CompiledModel<T> ?? throw new InvalidModelArgumentException(
            $"the model was loaded to compute in {ComputeType}; pass {(ComputeType == ComputeType.Float32 ? "float" : "double")} tensors " +
            "(or load it with KerasModelLoadOptions.ComputeType set to the element type you want)");
    }

    /// <summary>
    /// Runs the model on one tensor per model input (shape (batch, time, features) or (batch, features), as the model
    /// expects; any batch size, any length where the model's time dimension is None) and returns every model output in
    /// Keras order. Thread-safe.
    /// </summary>
    /// <typeparam name="T">float or double, matching <see cref="ComputeType"/>.</typeparam>
    /// <exception cref="KerasPortException">The inputs do not fit the model (count, rank or sizes), or T is not the compute type.</exception>
    public Tensor<T>[] Predict<T>(params Tensor<T>[] inputs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var model = Compiled<T>();
        var results = new Tensor<T>[model.OutputNames.Count];
        var frame = model.RunTensors(inputs);
        try
        {
            for (int k = 0; k < results.Length; k++)
            {
                var slot = model.Output(frame, k);
                results[k] = Tensor.Create(slot.Data.ToArray(), slot.Shape.Select(d => (nint)d).ToArray());
            }
        }
        finally
        {
            model.Plan.Return(frame);
        }
        return results;
    }

    /// <summary>
    /// Runs the model and writes every output into the caller's dense tensors (shapes must equal the output shapes,
    /// see <see cref="GetOutputShapes"/>). Allocation-free in steady state. Thread-safe.
    /// </summary>
    /// <exception cref="KerasPortException">The inputs or the output tensors do not fit the model.</exception>
    public void Predict<T>(ReadOnlySpan<Tensor<T>> inputs, ReadOnlySpan<Tensor<T>> outputs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var model = Compiled<T>();
        if (outputs.Length != model.OutputNames.Count)
            throw new InvalidModelArgumentException($"the model has {model.OutputNames.Count} output(s) ({string.Join(", ", model.OutputNames)}) but {outputs.Length} destination tensor(s) were given");
        var frame = model.RunTensors(inputs);
        try
        {
            for (int k = 0; k < outputs.Length; k++) CompiledModel<T>.CopyOut(model.Output(frame, k), outputs[k], model.OutputNames[k]);
        }
        finally
        {
            model.Plan.Return(frame);
        }
    }

    /// <summary>
    /// Runs a single-input, single-output model on row-major <paramref name="input"/> of shape <paramref name="shape"/>
    /// and writes the output into <paramref name="output"/> (its length must equal the output's element count).
    /// Allocation-free in steady state. Returns the number of values written.
    /// </summary>
    /// <exception cref="KerasPortException">The model has several inputs or outputs, or the sizes do not fit.</exception>
    public int Predict<T>(ReadOnlySpan<T> input, ReadOnlySpan<int> shape, Span<T> output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var model = Compiled<T>();
        if (model.OutputNames.Count != 1)
            throw new InvalidModelArgumentException($"the model has {model.OutputNames.Count} outputs ({string.Join(", ", model.OutputNames)}); use Predict(inputs, outputs)");
        var frame = model.RunFlat(input, shape);
        try
        {
            var slot = frame.Slots[model.Plan.OutputSlots[0]];
            if (output.Length != slot.Length)
                throw new ShapeMismatchException($"output '{model.OutputNames[0]}' has shape ({string.Join(", ", slot.Shape)}) = {slot.Length} values; the destination holds {output.Length}");
            slot.Data.CopyTo(output);
            return slot.Length;
        }
        finally
        {
            model.Plan.Return(frame);
        }
    }

    /// <summary>The output shapes the model produces for inputs of the given shapes (batch first).</summary>
    /// <exception cref="KerasPortException">The shapes do not fit the model.</exception>
    public int[][] GetOutputShapes(params int[][] inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        return ComputeType == ComputeType.Float32 ? OutputShapes(Compiled<float>(), inputShapes) : OutputShapes(Compiled<double>(), inputShapes);
    }

    private static int[][] OutputShapes<T>(CompiledModel<T> model, int[][] inputShapes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var frame = model.Plan.Rent(model.ValidateShapes(inputShapes));
        try
        {
            return model.Plan.OutputSlots.Select(s => (int[])frame.Slots[s].Shape.Clone()).ToArray();
        }
        finally
        {
            model.Plan.Return(frame);
        }
    }

    /// <summary>
    /// Opens a stream for step-by-step inference over <paramref name="batch"/> independent sequences (see
    /// <see cref="KerasStream{T}"/>). Refused, naming the layers, for models that cannot run step by step: Bidirectional
    /// layers, go_backwards, a recurrent layer after a return_sequences=False layer, or layers that mix time steps.
    /// </summary>
    /// <exception cref="KerasPortException">The model cannot be streamed, has no weights, or T is not its compute type.</exception>
    public KerasStream<T> CreateStream<T>(int batch = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (batch < 1) throw new InvalidModelArgumentException($"a stream needs a batch of at least 1; got {batch}");
        Compiled<T>(); // weights present and T is the compute type
        var layers = KerasStream<T>.Plan(Graph, SourcePath);
        var compiled = PlanCompiler.Compile<T>(Graph, SourcePath, streaming: true);
        return new KerasStream<T>(this, compiled, batch, layers);
    }

    /// <summary>Zeros the states of every stateful RNN layer (Keras <c>model.reset_states()</c>).</summary>
    public void ResetStates()
    {
        _float32?.Plan.State.Reset();
        _float64?.Plan.State.Reset();
    }
}
