namespace KerasPort.Cells;

/// <summary>
/// The states a <see cref="CustomCell"/> writes in one step, for a whole batch: state <c>k</c> is a row-major
/// (batch × <see cref="Size"/>(k)) block, in the order of <see cref="CustomCell.StateSizes"/> (Keras's <c>state_size</c> order).
/// </summary>
/// <typeparam name="T">The number type of the step (float, double, or a dual number when differentiating).</typeparam>
public readonly ref struct CellStates<T>
{
    private readonly Span<T> _all;
    private readonly int[] _sizes;

    internal CellStates(Span<T> all, int[] sizes, int batch)
    {
        _all = all;
        _sizes = sizes;
        Batch = batch;
    }

    /// <summary>Number of states.</summary>
    public int Count => _sizes.Length;

    /// <summary>Number of batch rows.</summary>
    public int Batch { get; }

    /// <summary>Width of state <paramref name="k"/> for one row.</summary>
    public int Size(int k) => _sizes[k];

    /// <summary>State <paramref name="k"/> for the whole batch: batch × <see cref="Size"/>(k), row-major.</summary>
    public Span<T> this[int k] => _all.Slice(Offset(k), _sizes[k] * Batch);

    /// <summary>State <paramref name="k"/> of batch row <paramref name="row"/>.</summary>
    public Span<T> Row(int k, int row) => _all.Slice(Offset(k) + row * _sizes[k], _sizes[k]);

    /// <summary>A read-only view of the same states.</summary>
    public static implicit operator ReadOnlyCellStates<T>(CellStates<T> states) => new(states._all, states._sizes, states.Batch);

    private int Offset(int k)
    {
        if ((uint)k >= (uint)_sizes.Length) throw new ArgumentOutOfRangeException(nameof(k), $"state {k} does not exist; the cell has {_sizes.Length} state(s)");
        int offset = 0;
        for (int i = 0; i < k; i++) offset += _sizes[i] * Batch;
        return offset;
    }
}

/// <summary>
/// The previous states a <see cref="CustomCell"/> reads in one step (read-only); same layout as <see cref="CellStates{T}"/>.
/// </summary>
/// <typeparam name="T">The number type of the step.</typeparam>
public readonly ref struct ReadOnlyCellStates<T>
{
    private readonly ReadOnlySpan<T> _all;
    private readonly int[] _sizes;

    internal ReadOnlyCellStates(ReadOnlySpan<T> all, int[] sizes, int batch)
    {
        _all = all;
        _sizes = sizes;
        Batch = batch;
    }

    /// <summary>Number of states.</summary>
    public int Count => _sizes.Length;

    /// <summary>Number of batch rows.</summary>
    public int Batch { get; }

    /// <summary>Width of state <paramref name="k"/> for one row.</summary>
    public int Size(int k) => _sizes[k];

    /// <summary>State <paramref name="k"/> for the whole batch: batch × <see cref="Size"/>(k), row-major.</summary>
    public ReadOnlySpan<T> this[int k] => _all.Slice(Offset(k), _sizes[k] * Batch);

    /// <summary>State <paramref name="k"/> of batch row <paramref name="row"/>.</summary>
    public ReadOnlySpan<T> Row(int k, int row) => _all.Slice(Offset(k) + row * _sizes[k], _sizes[k]);

    private int Offset(int k)
    {
        if ((uint)k >= (uint)_sizes.Length) throw new ArgumentOutOfRangeException(nameof(k), $"state {k} does not exist; the cell has {_sizes.Length} state(s)");
        int offset = 0;
        for (int i = 0; i < k; i++) offset += _sizes[i] * Batch;
        return offset;
    }
}
