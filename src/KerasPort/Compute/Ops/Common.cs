namespace KerasPort.Compute.Ops;

/// <summary>The <c>padding</c> option of Keras convolution and pooling layers.</summary>
internal enum Padding
{
    /// <summary><c>valid</c>: no padding; windows that would cross the end are dropped.</summary>
    Valid,
    /// <summary><c>same</c>: TensorFlow's SAME padding (output length ceil(length / strides), the extra pad goes after).</summary>
    Same,
    /// <summary><c>causal</c> (Conv1D only): pad <c>dilation_rate · (kernel_size − 1)</c> zeros before, none after.</summary>
    Causal,
}

/// <summary>The <c>data_format</c> option of Keras convolution, pooling and flatten layers.</summary>
internal enum DataFormat
{
    /// <summary><c>channels_last</c>: (batch, steps, channels).</summary>
    ChannelsLast,
    /// <summary><c>channels_first</c>: (batch, channels, steps).</summary>
    ChannelsFirst,
}

/// <summary>Shape arithmetic and validation shared by the layer ops; every failure is a typed KerasPort exception.</summary>
internal static class OpShapes
{
    /// <summary>Most dimensions an op accepts (the index cursors live on the stack).</summary>
    public const int MaxRank = 16;

    /// <summary>Throws unless the rank is at most <see cref="MaxRank"/> (index buffers are stack-allocated).</summary>
    public static void RequireRank(string layer, string tensor, int rank)
    {
        if (rank > MaxRank)
            throw new ShapeMismatchException($"Layer '{layer}': {tensor} has rank {rank}; at most {MaxRank} dimensions are supported.");
    }

    /// <summary>Formats a shape as Keras prints it, e.g. <c>(2, 3, 4)</c>.</summary>
    public static string Format(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 1) return $"({shape[0]},)";
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++) parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return "(" + string.Join(", ", parts) + ")";
    }

    /// <summary>The number of elements of <paramref name="shape"/>; rejects negative dimensions, overflow and too many dimensions.</summary>
    public static int Product(string layer, string tensor, ReadOnlySpan<int> shape)
    {
        if (shape.Length > MaxRank)
            throw new ShapeMismatchException($"Layer '{layer}': {tensor} has rank {shape.Length}; at most {MaxRank} dimensions are supported.");
        long p = 1;
        foreach (int d in shape)
        {
            if (d < 0)
                throw new ShapeMismatchException($"Layer '{layer}': {tensor} has a negative dimension in shape {Format(shape)}.");
            p *= d;
            if (p > int.MaxValue)
                throw new ShapeMismatchException($"Layer '{layer}': {tensor} of shape {Format(shape)} has more than {int.MaxValue} elements.");
        }
        return (int)p;
    }

    /// <summary>
    /// Throws unless <paramref name="actual"/> == <paramref name="expected"/> elements. The shape text is an interpolated
    /// string formatted only on failure, so checks on hot paths allocate nothing.
    /// </summary>
    public static void RequireLength(string layer, string tensor, int actual, long expected,
        [System.Runtime.CompilerServices.InterpolatedStringHandlerArgument("actual", "expected")] ref FailureText shapeText)
    {
        if (actual != expected)
            throw new ShapeMismatchException($"Layer '{layer}': {tensor} should have {expected} elements {shapeText.ToStringAndClear()} but has {actual}.");
    }

    /// <summary>Marks the (possibly negative) <paramref name="axes"/> in <paramref name="reduced"/> (one flag per axis); rejects repeats.</summary>
    public static void MarkAxes(string layer, ReadOnlySpan<int> axes, Span<bool> reduced)
    {
        foreach (int a0 in axes)
        {
            int a = NormalizeAxis(layer, a0, reduced.Length);
            if (reduced[a]) throw new InvalidModelArgumentException($"Layer '{layer}': axis {a0} is listed twice.");
            reduced[a] = true;
        }
    }

    /// <summary>Throws unless the dimension is at least 1.</summary>
    public static void RequirePositive(string layer, string name, int value)
    {
        if (value < 1)
            throw new InvalidModelArgumentException($"Layer '{layer}': {name} must be a positive integer, found {value}.");
    }

    /// <summary>Throws unless the dimension is at least 0.</summary>
    public static void RequireNonNegative(string layer, string name, int value)
    {
        if (value < 0)
            throw new ShapeMismatchException($"Layer '{layer}': {name} must not be negative, found {value}.");
    }

    /// <summary>Maps a Keras axis (negative counts from the end) into [0, rank).</summary>
    public static int NormalizeAxis(string layer, int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw new InvalidModelArgumentException($"Layer '{layer}': axis {axis} is out of range for a tensor of rank {rank}.");
        return a;
    }

    /// <summary>
    /// Splits <paramref name="shape"/> into the kept axes and the reduced axes (flags in <paramref name="reduced"/>), each
    /// with its row-major strides in the full tensor; returns the two counts of axes.
    /// </summary>
    public static (int Kept, int Reduced) SplitAxes(ReadOnlySpan<int> shape, ReadOnlySpan<bool> reduced,
        Span<int> keptShape, Span<int> keptStrides, Span<int> redShape, Span<int> redStrides)
    {
        Span<int> strides = stackalloc int[shape.Length];
        RowMajorStrides(shape, strides);
        int nk = 0, nr = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            if (reduced[d]) { redShape[nr] = shape[d]; redStrides[nr++] = strides[d]; }
            else { keptShape[nk] = shape[d]; keptStrides[nk++] = strides[d]; }
        }
        return (nk, nr);
    }

    /// <summary>Row-major strides of <paramref name="shape"/>, written to <paramref name="strides"/>.</summary>
    public static void RowMajorStrides(ReadOnlySpan<int> shape, Span<int> strides)
    {
        int s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= shape[d];
        }
    }
}

/// <summary>
/// Walks the flat offsets of a strided view in row-major order of <see cref="Shape"/>: each step advances the last
/// index and carries into earlier ones. A stride of 0 repeats (broadcasts) a dimension. The index buffer is provided by
/// the caller (stackalloc), so a cursor allocates nothing.
/// </summary>
internal ref struct StridedCursor
{
    private readonly ReadOnlySpan<int> _shape;
    private readonly ReadOnlySpan<int> _strides;
    private readonly Span<int> _index;
    private readonly int _start;

    /// <summary>Creates a cursor at offset <paramref name="start"/>; <paramref name="index"/> must have the shape's rank.</summary>
    public StridedCursor(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, Span<int> index, int start = 0)
    {
        _shape = shape;
        _strides = strides;
        _index = index;
        _start = start;
        Offset = start;
        _index.Clear();
    }

    /// <summary>The flat offset of the current position.</summary>
    public int Offset { get; private set; }

    /// <summary>The iterated shape.</summary>
    public readonly ReadOnlySpan<int> Shape => _shape;

    /// <summary>Moves to the next position (wrapping to the start after the last).</summary>
    public void MoveNext()
    {
        for (int d = _shape.Length - 1; d >= 0; d--)
        {
            _index[d]++;
            Offset += _strides[d];
            if (_index[d] < _shape[d]) return;
            Offset -= _strides[d] * _shape[d];
            _index[d] = 0;
        }
    }

    /// <summary>Returns to the first position, optionally at a new start offset.</summary>
    public void Reset(int start)
    {
        _index.Clear();
        Offset = start;
    }

    /// <summary>Returns to the first position at the original start offset.</summary>
    public void Reset() => Reset(_start);
}

/// <summary>An interpolated string that is only formatted when a length check fails.</summary>
[System.Runtime.CompilerServices.InterpolatedStringHandler]
internal ref struct FailureText
{
    private System.Runtime.CompilerServices.DefaultInterpolatedStringHandler _inner;
    private readonly bool _active;

    public FailureText(int literalLength, int formattedCount, int actual, long expected, out bool shouldAppend)
    {
        _active = shouldAppend = actual != expected;
        _inner = _active ? new System.Runtime.CompilerServices.DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    public void AppendLiteral(string value) => _inner.AppendLiteral(value);

    public void AppendFormatted<TValue>(TValue value) => _inner.AppendFormatted(value);

    public void AppendFormatted<TValue>(TValue value, string? format) => _inner.AppendFormatted(value, format);

    public string ToStringAndClear() => _active ? _inner.ToStringAndClear() : "";
}
