using System.Numerics;
using KerasPort.Cells;
using KerasPort.Compute.Recurrent;

namespace KerasPort.Compute.Jacobians;

/// <summary>
/// One cell step with its exact Jacobians. The values come from the cell itself (the code the RNN driver runs); the
/// Jacobians come from the cell's own <see cref="CustomCell.TryJacobian{T}"/> when it supplies one, otherwise from forward
/// mode: the dual-number copy of the cell runs once over an expanded batch where row b·D + d carries a unit tangent on
/// direction d (state component d for d &lt; S, input component d − S after that), so a single batched step yields every
/// column. Buffers grow on demand and are reused: steady-state steps allocate nothing. Not thread-safe.
/// </summary>
/// <remarks>States are in row layout here: row b's state vector is its states concatenated in Keras order (size S).</remarks>
internal sealed class ForwardJacobianEngine<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IRecurrentCell<T> _cell;
    private readonly IRecurrentCell<Dual<T>> _dual;
    private readonly CustomCellAdapter<T>? _custom;
    private bool _customSupplies = true;
    private readonly int[] _sizes;
    private readonly int[] _rowOffset; // offset of state k within a row's state vector

    private T[] _prev = [], _next = [], _proj = [], _out = [], _scratch = [];
    private Dual<T>[] _dIn = [], _dProj = [], _dPrev = [], _dNext = [], _dOut = [], _dScratch = [];

    public ForwardJacobianEngine(IRecurrentCell<T> cell)
    {
        _cell = cell;
        _dual = DualLift.Lift(cell);
        _custom = cell as CustomCellAdapter<T>;
        _sizes = cell.StateSizes;
        _rowOffset = new int[_sizes.Length];
        int s = 0;
        for (int k = 0; k < _sizes.Length; k++)
        {
            _rowOffset[k] = s;
            s += _sizes[k];
        }
        StateSize = s;
    }

    public int StateSize { get; }
    public int InputSize => _cell.InputSize;
    public int OutputSize => _cell.OutputSize;
    public int[] StateSizes => _sizes;

    /// <summary>
    /// Steps <paramref name="batch"/> rows. Jacobian spans are batch × rows × columns, row-major per batch row; an empty
    /// <paramref name="inputJacobian"/> / <paramref name="outputStateJacobian"/> / <paramref name="outputInputJacobian"/> is skipped.
    /// </summary>
    public void Step(int batch, ReadOnlySpan<T> inputs, ReadOnlySpan<T> states, Span<T> newStates, Span<T> output,
        Span<T> stateJacobian, Span<T> inputJacobian, Span<T> outputStateJacobian, Span<T> outputInputJacobian)
    {
        int S = StateSize, I = InputSize, O = OutputSize;

        // values: the cell itself, block layout
        var prev = Grow(ref _prev, batch * S);
        var next = Grow(ref _next, batch * S);
        RowsToBlocks(states, prev, batch);
        var proj = Grow(ref _proj, batch * _cell.ProjectionSize);
        _cell.ProjectInputs(inputs, batch, proj);
        var outBuf = Grow(ref _out, batch * O);
        _cell.Step(proj, batch, new StateBuffers<T>(prev, _sizes, batch), new StateBuffers<T>(next, _sizes, batch), outBuf,
            Grow(ref _scratch, batch * _cell.ScratchPerRow));
        BlocksToRows(next, newStates, batch);
        outBuf.CopyTo(output);

        if (_custom is not null && _customSupplies)
        {
            if (_custom.Cell.TryJacobian(batch, inputs, new ReadOnlyCellStates<T>(prev, _sizes, batch), stateJacobian, inputJacobian,
                    outputStateJacobian, outputInputJacobian))
                return;
            _customSupplies = false;
        }

        bool wantInput = !inputJacobian.IsEmpty || !outputInputJacobian.IsEmpty;
        int D = S + (wantInput ? I : 0);
        int R = batch * D;

        // seeded inputs: row b·D + d is x_b, with a unit tangent on input component d − S
        var dIn = Grow(ref _dIn, R * I);
        for (int b = 0; b < batch; b++)
        {
            var x = inputs.Slice(b * I, I);
            for (int d = 0; d < D; d++)
            {
                var row = dIn.Slice((b * D + d) * I, I);
                for (int m = 0; m < I; m++) row[m] = new Dual<T>(x[m], d - S == m ? T.One : T.Zero);
            }
        }
        // seeded states (block layout over R rows): unit tangent on state component d
        var dPrev = Grow(ref _dPrev, R * S);
        int block = 0, primalBlock = 0;
        for (int k = 0; k < _sizes.Length; k++)
        {
            int size = _sizes[k], off = _rowOffset[k];
            for (int b = 0; b < batch; b++)
            {
                var value = prev.Slice(primalBlock + b * size, size); // previous state k of row b
                for (int d = 0; d < D; d++)
                {
                    var dst = dPrev.Slice(block + (b * D + d) * size, size);
                    for (int i = 0; i < size; i++) dst[i] = new Dual<T>(value[i], d == off + i ? T.One : T.Zero);
                }
            }
            block += R * size;
            primalBlock += batch * size;
        }

        var dProj = Grow(ref _dProj, R * _dual.ProjectionSize);
        _dual.ProjectInputs(dIn, R, dProj);
        var dNext = Grow(ref _dNext, R * S);
        var dOut = Grow(ref _dOut, R * O);
        _dual.Step(dProj, R, new StateBuffers<Dual<T>>(dPrev, _sizes, R), new StateBuffers<Dual<T>>(dNext, _sizes, R), dOut,
            Grow(ref _dScratch, R * _dual.ScratchPerRow));

        // columns back into the Jacobians
        block = 0;
        for (int k = 0; k < _sizes.Length; k++)
        {
            int size = _sizes[k], off = _rowOffset[k];
            for (int b = 0; b < batch; b++)
                for (int d = 0; d < D; d++)
                {
                    var src = dNext.Slice(block + (b * D + d) * size, size);
                    if (d < S)
                        for (int i = 0; i < size; i++) stateJacobian[b * S * S + (off + i) * S + d] = src[i].Tangent;
                    else if (!inputJacobian.IsEmpty)
                        for (int i = 0; i < size; i++) inputJacobian[b * S * I + (off + i) * I + (d - S)] = src[i].Tangent;
                }
            block += R * size;
        }
        if (!outputStateJacobian.IsEmpty || !outputInputJacobian.IsEmpty)
            for (int b = 0; b < batch; b++)
                for (int d = 0; d < D; d++)
                {
                    var src = dOut.Slice((b * D + d) * O, O);
                    if (d < S)
                    {
                        if (!outputStateJacobian.IsEmpty)
                            for (int i = 0; i < O; i++) outputStateJacobian[b * O * S + i * S + d] = src[i].Tangent;
                    }
                    else if (!outputInputJacobian.IsEmpty)
                        for (int i = 0; i < O; i++) outputInputJacobian[b * O * I + i * I + (d - S)] = src[i].Tangent;
                }
    }

    /// <summary>Row layout (b·S + offset_k + i) to block layout (state k: batch × size_k, one after another).</summary>
    internal void RowsToBlocks(ReadOnlySpan<T> rows, Span<T> blocks, int batch)
    {
        int S = StateSize, block = 0;
        for (int k = 0; k < _sizes.Length; k++)
        {
            int size = _sizes[k];
            for (int b = 0; b < batch; b++) rows.Slice(b * S + _rowOffset[k], size).CopyTo(blocks.Slice(block + b * size, size));
            block += batch * size;
        }
    }

    /// <summary>Block layout to row layout.</summary>
    internal void BlocksToRows(ReadOnlySpan<T> blocks, Span<T> rows, int batch)
    {
        int S = StateSize, block = 0;
        for (int k = 0; k < _sizes.Length; k++)
        {
            int size = _sizes[k];
            for (int b = 0; b < batch; b++) blocks.Slice(block + b * size, size).CopyTo(rows.Slice(b * S + _rowOffset[k], size));
            block += batch * size;
        }
    }

    private static Span<TE> Grow<TE>(ref TE[] buffer, int n)
    {
        if (buffer.Length < n) buffer = new TE[n];
        return buffer.AsSpan(0, n);
    }
}
