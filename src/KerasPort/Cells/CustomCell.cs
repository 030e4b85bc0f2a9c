using System.Numerics;

namespace KerasPort.Cells;

/// <summary>
/// Base class of a user-defined Keras RNN cell (the C# counterpart of a Python cell passed to <c>keras.layers.RNN</c>).
/// Implement <see cref="StateSizes"/> (Keras <c>state_size</c>), <see cref="OutputSize"/> (<c>output_size</c>) and
/// <see cref="Step{T}"/> (<c>call(inputs, states)</c>) as one generic method over the number type: KerasPort runs it in
/// float32 or float64 for predictions and over dual numbers for exact forward-mode Jacobians, so write it with
/// <c>T</c>'s operators and functions (<c>T.Tanh</c>, <c>T.Exp</c>, <see cref="CellActivations"/>) only.
/// Register a factory for the Keras class name in a <see cref="CustomCellRegistry"/> so model files whose config holds
/// <c>RNN(cell=YourCell)</c> (also inside StackedRNNCells or Bidirectional) load; the RNN layer around the cell then gives it
/// return_sequences, go_backwards, masking, initial_state and stateful exactly as for the built-in cells.
/// Loading follows Keras's order: the factory constructs the cell from its config and builds it for the layer's input
/// width (Keras <c>build()</c>), declaring each weight with <see cref="CustomCellContext.AddWeight"/> in the order the Python
/// cell's <c>add_weight</c> calls create them; <see cref="StateSizes"/> and <see cref="OutputSize"/> must be known from then
/// on (the model's shapes are inferred from them); the stored weights are loaded into the declared handles afterwards.
/// </summary>
/// <remarks>A cell instance may be stepped from several threads at once: keep <see cref="Step{T}"/> free of mutable instance state.</remarks>
public abstract class CustomCell
{
    /// <summary>Width of each state for one batch row, in Keras order (e.g. [units, units] for states [h, c]).</summary>
    public abstract IReadOnlyList<int> StateSizes { get; }

    /// <summary>Width of the cell's output for one batch row.</summary>
    public abstract int OutputSize { get; }

    /// <summary>Scratch elements per batch row that <see cref="Step{T}"/> receives in its <c>scratch</c> span (default 0).</summary>
    public virtual int ScratchPerRow => 0;

    /// <summary>
    /// Advances a batch by one time step. Read the inputs (batch × input_dim, row-major) and the previous states; write
    /// every new state and the output (batch × <see cref="OutputSize"/>). The new-state spans never alias the previous ones.
    /// </summary>
    /// <typeparam name="T">float, double, or KerasPort's dual number type (when a Jacobian is requested).</typeparam>
    /// <param name="batch">Number of batch rows.</param>
    /// <param name="inputs">The step's inputs, batch × input_dim.</param>
    /// <param name="states">The previous states.</param>
    /// <param name="newStates">Where to write the new states.</param>
    /// <param name="output">Where to write the output, batch × <see cref="OutputSize"/>.</param>
    /// <param name="scratch">batch × <see cref="ScratchPerRow"/> elements of scratch memory, contents undefined.</param>
    public abstract void Step<T>(int batch, ReadOnlySpan<T> inputs, ReadOnlyCellStates<T> states, CellStates<T> newStates, Span<T> output, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Optionally supplies the step's Jacobians analytically. Return false (the default) to let KerasPort compute them
    /// exactly in forward mode by running <see cref="Step{T}"/> over dual numbers. The state vector of a row is the
    /// concatenation of its states in <see cref="StateSizes"/> order (size S); all matrices are row-major per batch row.
    /// </summary>
    /// <param name="batch">Number of batch rows.</param>
    /// <param name="inputs">The step's inputs, batch × input_dim (I).</param>
    /// <param name="states">The previous states.</param>
    /// <param name="stateJacobian">batch × S × S: ∂s′ᵢ/∂sⱼ at [b·S·S + i·S + j].</param>
    /// <param name="inputJacobian">batch × S × I: ∂s′ᵢ/∂xₘ, or empty when not requested.</param>
    /// <param name="outputStateJacobian">batch × O × S: ∂yᵢ/∂sⱼ, or empty when not requested.</param>
    /// <param name="outputInputJacobian">batch × O × I: ∂yᵢ/∂xₘ, or empty when not requested.</param>
    /// <returns>True when the Jacobians were written.</returns>
    public virtual bool TryJacobian<T>(int batch, ReadOnlySpan<T> inputs, ReadOnlyCellStates<T> states, Span<T> stateJacobian,
        Span<T> inputJacobian, Span<T> outputStateJacobian, Span<T> outputInputJacobian)
        where T : unmanaged, IFloatingPointIeee754<T> => false;
}
