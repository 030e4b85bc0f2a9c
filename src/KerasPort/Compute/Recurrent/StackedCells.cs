using System.Numerics;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// Keras StackedRNNCells: the cells run in order within one step, each feeding its output to the next; the states are
/// every cell's states, concatenated in cell order; the output is the last cell's output.
/// </summary>
internal sealed class StackedCells<T> : IRecurrentCell<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IRecurrentCell<T>[] _cells;

    /// <summary>The cells, in stacking order.</summary>
    public IReadOnlyList<IRecurrentCell<T>> Cells => _cells;
    private readonly int[] _firstState;

    public StackedCells(IRecurrentCell<T>[] cells)
    {
        if (cells.Length == 0) throw new ArgumentException("StackedRNNCells needs at least one cell", nameof(cells));
        _cells = cells;
        _firstState = new int[cells.Length];
        var sizes = new List<int>();
        for (int i = 0; i < cells.Length; i++)
        {
            _firstState[i] = sizes.Count;
            sizes.AddRange(cells[i].StateSizes);
        }
        StateSizes = [.. sizes];
        // scratch: the cell's own scratch, plus per inner cell a projection row and an output row
        int perRow = 0;
        for (int i = 0; i < cells.Length; i++)
            perRow = Math.Max(perRow, cells[i].ScratchPerRow);
        for (int i = 0; i < cells.Length; i++)
            perRow += cells[i].ProjectionSize + cells[i].OutputSize;
        ScratchPerRow = perRow;
    }

    public int InputSize => _cells[0].InputSize;
    public int ProjectionSize => _cells[0].ProjectionSize;
    public int[] StateSizes { get; }
    public int OutputSize => _cells[^1].OutputSize;
    public int ScratchPerRow { get; }

    public void ProjectInputs(ReadOnlySpan<T> inputs, int rows, Span<T> projection) => _cells[0].ProjectInputs(inputs, rows, projection);

    public void Step(ReadOnlySpan<T> projection, int batch, StateBuffers<T> previous, StateBuffers<T> next, Span<T> output, Span<T> scratch)
    {
        int own = 0;
        foreach (var c in _cells) own = Math.Max(own, c.ScratchPerRow);
        var cellScratch = scratch[..(own * batch)];
        int offset = own * batch;
        ReadOnlySpan<T> stepProjection = projection;
        for (int i = 0; i < _cells.Length; i++)
        {
            var cell = _cells[i];
            if (i > 0)
            {
                var prevOut = scratch.Slice(offset - _cells[i - 1].OutputSize * batch, _cells[i - 1].OutputSize * batch);
                var proj = scratch.Slice(offset, cell.ProjectionSize * batch);
                cell.ProjectInputs(prevOut, batch, proj);
                stepProjection = proj;
                offset += cell.ProjectionSize * batch;
            }
            else
            {
                offset += cell.ProjectionSize * batch;
            }
            var outSpan = i == _cells.Length - 1 ? output : scratch.Slice(offset, cell.OutputSize * batch);
            var prev = previous.Range(_firstState[i], cell.StateSizes.Length, cell.StateSizes);
            var nxt = next.Range(_firstState[i], cell.StateSizes.Length, cell.StateSizes);
            cell.Step(stepProjection, batch, prev, nxt, outSpan, cellScratch);
            offset += cell.OutputSize * batch;
        }
    }
}
