using System.Numerics;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// One recurrent cell computing a whole batch per step, over spans. The driver (<see cref="RnnDriver"/>) projects all
/// time steps' inputs at once with <see cref="ProjectInputs"/>, then calls <see cref="Step"/> once per time step.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal interface IRecurrentCell<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Features of one input step.</summary>
    int InputSize { get; }

    /// <summary>Width of one row of the input projection (e.g. 4·units for LSTM).</summary>
    int ProjectionSize { get; }

    /// <summary>Sizes of the states, in Keras order (LSTM: [units, units] for h, c).</summary>
    int[] StateSizes { get; }

    /// <summary>Width of the output of one step.</summary>
    int OutputSize { get; }

    /// <summary>Scratch elements <see cref="Step"/> needs per batch row.</summary>
    int ScratchPerRow { get; }

    /// <summary>Computes the input projection (x·kernel + input bias) of <paramref name="rows"/> input rows.</summary>
    void ProjectInputs(ReadOnlySpan<T> inputs, int rows, Span<T> projection);

    /// <summary>
    /// Advances the whole batch by one step: reads the step's projection (batch × <see cref="ProjectionSize"/>) and the
    /// previous states (one span per state, batch × size), writes the new states and the output (batch × <see cref="OutputSize"/>).
    /// New-state spans never alias previous-state spans.
    /// </summary>
    void Step(ReadOnlySpan<T> projection, int batch, StateBuffers<T> previous, StateBuffers<T> next, Span<T> output, Span<T> scratch);
}

/// <summary>A fixed set of state slices over one backing array: state k is batch × size_k, stored one after another.</summary>
internal readonly ref struct StateBuffers<T>
{
    private readonly Span<T> _all;
    private readonly int[] _sizes;
    private readonly int _batch;

    public StateBuffers(Span<T> all, int[] sizes, int batch)
    {
        _all = all;
        _sizes = sizes;
        _batch = batch;
    }

    public int Count => _sizes.Length;

    public Span<T> All => _all;

    public Span<T> this[int k]
    {
        get
        {
            int offset = 0;
            for (int i = 0; i < k; i++) offset += _sizes[i] * _batch;
            return _all.Slice(offset, _sizes[k] * _batch);
        }
    }

    /// <summary>A sub-range of states [first, first + count) as its own buffer set.</summary>
    public StateBuffers<T> Range(int first, int count, int[] sizes)
    {
        int offset = 0;
        for (int i = 0; i < first; i++) offset += _sizes[i] * _batch;
        int length = 0;
        for (int i = first; i < first + count; i++) length += _sizes[i] * _batch;
        return new StateBuffers<T>(_all.Slice(offset, length), sizes, _batch);
    }
}
