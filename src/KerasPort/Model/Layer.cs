using KerasPort.Model.Config;
using KerasPort.Model.Weights;
using Newtonsoft.Json.Linq;

namespace KerasPort.Model;

/// <summary>
/// A Keras layer read from a model config: its typed options (in subclasses), the stored weights and its output shapes.
/// </summary>
public abstract class Layer
{
    private protected Layer(LayerConfig config)
    {
        Name = config.Name;
        ClassName = config.ClassName;
        StoredClassName = (string?)config.Raw["class_name"] ?? config.ClassName;
        Config = config.Config;
        DType = config.DType();
        Trainable = config.Bool("trainable", true);
        Context = config.Context;
    }

    /// <summary>The layer's name (unique within its model).</summary>
    public string Name { get; }

    /// <summary>The Keras class name this layer is handled as (Keras 1 names mapped onto Keras 2 ones, e.g. <c>Conv1D</c>).</summary>
    public string ClassName { get; }

    /// <summary>The class name as stored in the file (e.g. <c>Convolution1D</c>, <c>CuDNNLSTM</c>).</summary>
    public string StoredClassName { get; }

    /// <summary>The layer's <c>config</c> object (normalized to Keras 2/3 key names).</summary>
    public JObject Config { get; }

    /// <summary>The layer's dtype (policy name): <c>float32</c>, <c>float64</c>, <c>mixed_float16</c>…</summary>
    public string DType { get; }

    /// <summary>Whether the layer was trainable (decides the order of nested models' legacy weights).</summary>
    public bool Trainable { get; }

    /// <summary>The stored weight tensors, in Keras's <c>layer.weights</c> order (as saved; before any conversion).</summary>
    public IReadOnlyList<WeightTensor> Weights { get; private protected set; } = [];

    /// <summary>The number of parameters: the sum of the stored tensors' element counts (Keras's <c>count_params()</c>).</summary>
    public virtual long ParameterCount => Weights.Sum(w => Shapes.Elements(w.Shape));

    /// <summary>The output shapes of the layer's first call (batch dimension first, null = unknown).</summary>
    public IReadOnlyList<int?[]> OutputShapes { get; internal set; } = [];

    /// <summary>The input shapes of the layer's first call.</summary>
    public IReadOnlyList<int?[]> InputShapes { get; internal set; } = [];

    /// <summary>True when the layer produces a mask for the layers after it (Masking, Embedding with mask_zero).</summary>
    public virtual bool ProducesMask => false;

    /// <summary>True for layers whose output is computed without the layer's own code at inference (Dropout, noise…).</summary>
    public virtual bool IsIdentityAtInference => false;

    internal LoadContext Context { get; }

    /// <summary>The weights this layer expects after being built (name, shape), in storage order.</summary>
    internal virtual IReadOnlyList<WeightSlot> WeightSlots => [];

    /// <summary>
    /// Computes the output shapes of a call from its input shapes (and initial-state shapes); the first call also fixes
    /// the expected weight shapes. Throws <see cref="ShapeMismatchException"/> when the inputs do not fit.
    /// </summary>
    internal abstract IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState);

    /// <summary>Called once, with the first call's input shapes, before <see cref="ComputeOutputShapes"/>.</summary>
    internal virtual void Build(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
    }

    internal bool IsBuilt { get; set; }

    /// <summary>Binds the stored weights; the default matches <see cref="WeightSlots"/> by name (legacy) or order (Keras 3).</summary>
    internal virtual void Bind(WeightSource source)
    {
        Weights = source.Take(this, WeightSlots, subgroup: null);
        OnWeightsBound();
    }

    /// <summary>Lets a layer derive typed views (kernel, bias…) from <see cref="Weights"/>.</summary>
    private protected virtual void OnWeightsBound()
    {
    }

    /// <summary>Adds the layer's unsupported options to <paramref name="context"/> (pre-flight check).</summary>
    internal virtual void CheckSupport(LoadContext context)
    {
        if (DType is not ("float32" or "float64"))
            context.Refuse(StoredClassName, Name, "dtype",
                $"dtype policy '{DType}' computes in another precision than float32/float64; KerasPort would not reproduce its results");
    }

    /// <summary>The maximum number of input tensors one call takes (1 for most layers).</summary>
    internal virtual int MaxInputs => 1;

    /// <summary>A stored weight by its Keras short name (<c>kernel</c>, <c>bias</c>…), or null.</summary>
    private protected WeightTensor? ByName(IReadOnlyList<WeightTensor> tensors, IReadOnlyList<WeightSlot> slots, string name)
    {
        for (int i = 0; i < slots.Count && i < tensors.Count; i++)
            if (slots[i].Name == name) return tensors[i];
        return null;
    }

    private protected ShapeMismatchException InputMismatch(string what) =>
        new($"{Context.File}: layer '{Name}' ({StoredClassName}): {what}");

    private protected void ExpectInputs(IReadOnlyList<int?[]> inputs, int count)
    {
        if (inputs.Count != count)
            throw InputMismatch($"expects {count} input tensor(s) but the graph gives it {inputs.Count}");
    }

    private protected void ExpectRank(int?[] input, int minRank, int? maxRank = null)
    {
        if (input.Length < minRank || (maxRank is not null && input.Length > maxRank))
            throw InputMismatch($"expects an input of rank {(maxRank == minRank ? minRank.ToString() : maxRank is null ? $"≥ {minRank}" : $"{minRank}..{maxRank}")} (batch included) but gets {Shapes.Format(input)}");
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({StoredClassName})";
}

/// <summary>A weight a layer expects: its Keras name, the shape the config implies (null = any) and aliases of old files.</summary>
/// <param name="Name">Keras 2/3 name: <c>kernel</c>, <c>recurrent_kernel</c>, <c>bias</c>, <c>gamma</c>…</param>
/// <param name="Shape">The expected shape; a null entry matches any size.</param>
/// <param name="Keras1Suffix">The Keras 1 name suffix (<c>W</c> for <c>dense_1_W</c>), when the weight existed there.</param>
/// <param name="Trainable">False for statistics such as BatchNormalization's moving mean/variance.</param>
internal sealed record WeightSlot(string Name, int?[] Shape, string? Keras1Suffix = null, bool Trainable = true);
