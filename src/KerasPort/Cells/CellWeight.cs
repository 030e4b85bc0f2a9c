using System.Numerics;
using System.Runtime.CompilerServices;
using KerasPort.Model;

namespace KerasPort.Cells;

/// <summary>
/// One stored weight of a custom cell (e.g. <c>kernel</c>), with its values available in any number type. The conversion
/// from the stored float64 values happens once per type and is cached, so <see cref="As{T}"/> is cheap inside a step.
/// </summary>
public sealed class CellWeight
{
    private float[]? _single;
    private TypedCache? _other;

    private sealed record TypedCache(Type Type, Array Values);

    /// <summary>Wraps a stored tensor.</summary>
    public CellWeight(WeightTensor tensor) => Tensor = tensor ?? throw new ArgumentNullException(nameof(tensor));

    /// <summary>The stored tensor (name as stored, Keras shape, float64 values).</summary>
    public WeightTensor Tensor { get; }

    /// <summary>The short Keras name (e.g. <c>kernel</c> for <c>rnn/slstm_cell/kernel:0</c>).</summary>
    public string Name => Tensor.ShortName;

    /// <summary>The Keras shape, e.g. (input_dim, 2·units).</summary>
    public IReadOnlyList<int> Shape => Tensor.Shape;

    /// <summary>Number of values.</summary>
    public int Length => Tensor.Data.Length;

    /// <summary>The values, row-major, as <typeparamref name="T"/> (float32 weights convert exactly; a dual number gets a zero tangent).</summary>
    public ReadOnlySpan<T> As<T>() where T : unmanaged, INumberBase<T>
    {
        if (typeof(T) == typeof(double))
        {
            double[] d = Tensor.Data;
            return Unsafe.As<double[], T[]>(ref d);
        }
        if (typeof(T) == typeof(float))
        {
            var f = _single ??= Convert<float>();
            return Unsafe.As<float[], T[]>(ref f);
        }
        var cache = _other;
        if (cache is null || cache.Type != typeof(T))
        {
            cache = new TypedCache(typeof(T), Convert<T>());
            _other = cache;
        }
        return (T[])cache.Values;
    }

    private TOut[] Convert<TOut>() where TOut : INumberBase<TOut>
    {
        var data = Tensor.Data;
        var result = new TOut[data.Length];
        for (int i = 0; i < data.Length; i++) result[i] = TOut.CreateTruncating(data[i]);
        return result;
    }
}
