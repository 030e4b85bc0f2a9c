using System.Numerics;
using System.Runtime.CompilerServices;
using KerasPort.Model;

namespace KerasPort.Cells;

/// <summary>
/// One weight of a custom cell (e.g. <c>kernel</c>): declared with a Keras name and shape when the cell is built
/// (<see cref="CustomCellContext.AddWeight"/>, Keras's <c>add_weight</c>), its values filled in when the model's weights
/// are loaded. Values are available in any number type; the conversion from the stored float64 values happens once per
/// type and is cached, so <see cref="As{T}"/> is cheap inside a step.
/// </summary>
public sealed class CellWeight
{
    private readonly int[] _shape;
    private WeightTensor? _tensor;
    private float[]? _single;
    private TypedCache? _other;

    private sealed record TypedCache(Type Type, Array Values);

    /// <summary>A weight whose values are already known (a hand-built cell); name and shape are the tensor's.</summary>
    public CellWeight(WeightTensor tensor)
    {
        _tensor = tensor ?? throw new ArgumentNullException(nameof(tensor));
        Name = tensor.ShortName;
        _shape = [.. tensor.Shape];
        Owner = tensor.Name;
        Trainable = true;
    }

    internal CellWeight(string name, int[] shape, bool trainable, string owner)
    {
        Name = name;
        _shape = shape;
        Trainable = trainable;
        Owner = owner;
    }

    /// <summary>The Keras name the cell gave the weight (e.g. <c>kernel</c>).</summary>
    public string Name { get; }

    /// <summary>The shape the cell declared, e.g. (input_dim, 2·units).</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>Whether the weight is trainable (Keras lists trainable weights first, in <c>layer.weights</c> and in files).</summary>
    public bool Trainable { get; }

    /// <summary>Number of values (the product of <see cref="Shape"/>).</summary>
    public int Length
    {
        get
        {
            int n = 1;
            foreach (var d in _shape) n *= d;
            return n;
        }
    }

    /// <summary>Whether values have been loaded.</summary>
    public bool IsLoaded => _tensor is not null;

    /// <summary>The stored tensor bound to this weight (name as stored, Keras shape, float64 values).</summary>
    /// <exception cref="MissingWeightsException">No values have been loaded yet.</exception>
    public WeightTensor Tensor => _tensor ?? throw NotLoaded();

    /// <summary>Who declared the weight, for messages (<c>layer 'rnn' (SLSTMCell)</c>).</summary>
    internal string Owner { get; }

    /// <summary>Binds stored values (the shape has been checked by the caller).</summary>
    internal void Load(WeightTensor tensor)
    {
        _tensor = tensor;
        _single = null;
        _other = null;
    }

    /// <summary>The values, row-major, as <typeparamref name="T"/> (float32 weights convert exactly; a dual number gets a zero tangent).</summary>
    /// <exception cref="MissingWeightsException">No values have been loaded yet.</exception>
    public ReadOnlySpan<T> As<T>() where T : unmanaged, INumberBase<T>
    {
        var tensor = _tensor ?? throw NotLoaded();
        if (typeof(T) == typeof(double))
        {
            double[] d = tensor.Data;
            return Unsafe.As<double[], T[]>(ref d);
        }
        if (typeof(T) == typeof(float))
        {
            var f = _single ??= Convert<float>(tensor);
            return Unsafe.As<float[], T[]>(ref f);
        }
        var cache = _other;
        if (cache is null || cache.Type != typeof(T))
        {
            cache = new TypedCache(typeof(T), Convert<T>(tensor));
            _other = cache;
        }
        return (T[])cache.Values;
    }

    private static TOut[] Convert<TOut>(WeightTensor tensor) where TOut : INumberBase<TOut>
    {
        var data = tensor.Data;
        var result = new TOut[data.Length];
        for (int i = 0; i < data.Length; i++) result[i] = TOut.CreateTruncating(data[i]);
        return result;
    }

    private MissingWeightsException NotLoaded() =>
        new($"{Owner}: weight '{Name}' {ShapeText(_shape)} was declared but no values were loaded into it (an architecture-only model, or CustomCellContext.LoadWeights was not called)");

    internal static string ShapeText(IReadOnlyList<int> shape) => "(" + string.Join(", ", shape) + (shape.Count == 1 ? ",)" : ")");
}
