using System.Numerics;
using KerasPort.Compute.Recurrent;

namespace KerasPort.Cells;

/// <summary>
/// Runs a <see cref="CustomCell"/> as an <see cref="IRecurrentCell{T}"/>, so the RNN driver gives it the same
/// return_sequences, go_backwards, masking, initial-state and stateful behaviour as the built-in cells. The cell sees raw
/// inputs: the "projection" is the inputs themselves.
/// </summary>
internal sealed class CustomCellAdapter<T> : IRecurrentCell<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public CustomCellAdapter(CustomCell cell, int inputSize, string? description = null)
    {
        Cell = cell ?? throw new ArgumentNullException(nameof(cell));
        Description = description ?? cell.GetType().Name;
        if (inputSize < 0) throw new InvalidModelArgumentException($"{Description}: input size must be ≥ 0, got {inputSize}");
        StateSizes = Validate(cell, Description);
        InputSize = inputSize;
        OutputSize = cell.OutputSize;
        ScratchPerRow = cell.ScratchPerRow;
    }

    /// <summary>Checks what a cell declares (at least one state, positive sizes, scratch ≥ 0); returns its state sizes.</summary>
    /// <exception cref="InvalidModelArgumentException">A declaration is invalid; the message starts with <paramref name="description"/>.</exception>
    internal static int[] Validate(CustomCell cell, string description)
    {
        var sizes = cell.StateSizes ?? throw new InvalidModelArgumentException($"{description}: StateSizes is null");
        if (sizes.Count == 0) throw new InvalidModelArgumentException($"{description}: a recurrent cell needs at least one state");
        int[] result = [.. sizes];
        for (int k = 0; k < result.Length; k++)
            if (result[k] <= 0) throw new InvalidModelArgumentException($"{description}: state {k} has size {result[k]}; sizes must be positive");
        if (cell.OutputSize <= 0) throw new InvalidModelArgumentException($"{description}: OutputSize must be positive, got {cell.OutputSize}");
        if (cell.ScratchPerRow < 0) throw new InvalidModelArgumentException($"{description}: ScratchPerRow must be ≥ 0, got {cell.ScratchPerRow}");
        return result;
    }

    public CustomCell Cell { get; }
    public string Description { get; }
    public int InputSize { get; }
    public int ProjectionSize => InputSize;
    public int[] StateSizes { get; }
    public int OutputSize { get; }
    public int ScratchPerRow { get; }

    public void ProjectInputs(ReadOnlySpan<T> inputs, int rows, Span<T> projection) =>
        inputs[..(rows * InputSize)].CopyTo(projection);

    public void Step(ReadOnlySpan<T> projection, int batch, StateBuffers<T> previous, StateBuffers<T> next, Span<T> output, Span<T> scratch) =>
        Cell.Step(batch, projection[..(batch * InputSize)], new ReadOnlyCellStates<T>(previous.All, StateSizes, batch),
            new CellStates<T>(next.All, StateSizes, batch), output[..(batch * OutputSize)], scratch[..(batch * ScratchPerRow)]);

    /// <summary>The same cell over another number type (dual numbers for Jacobians).</summary>
    public CustomCellAdapter<TOther> As<TOther>() where TOther : unmanaged, IFloatingPointIeee754<TOther> => new(Cell, InputSize, Description);
}
