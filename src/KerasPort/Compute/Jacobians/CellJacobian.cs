using System.Numerics;
using KerasPort.Cells;
using KerasPort.Compute.Recurrent;

namespace KerasPort.Compute.Jacobians;

/// <summary>
/// Exact Jacobians of a recurrent cell (built-in LSTM/GRU/SimpleRNN/stacked, or a <see cref="CustomCell"/>): per step,
/// ∂s′/∂s (new state by previous state), ∂s′/∂x (by input) and ∂y/∂s (output by previous state), for a whole batch; and,
/// over a trajectory, the Jacobian of any output with respect to the initial state. Jacobians are exact, never finite
/// differences: forward-mode dual numbers through the cell's own step, or the custom cell's <see cref="CustomCell.TryJacobian{T}"/>.
/// </summary>
/// <remarks>
/// The state vector of a batch row is the concatenation of the cell's states in Keras order (LSTM: [h, c], size 2·units;
/// stacked cells: every cell's states in cell order). State arrays here are batch × <see cref="StateSize"/> in that layout.
/// All matrices are row-major per batch row (entry (i, j) of row b at b·rows·cols + i·cols + j).
/// An instance reuses internal buffers: per-step calls allocate nothing, and it must not be used from two threads at once.
/// </remarks>
/// <typeparam name="T">double (recommended) or float.</typeparam>
public sealed class CellJacobian<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ForwardJacobianEngine<T> _engine;
    private readonly int[] _sizes;
    private T[] _x = [];

    internal CellJacobian(IRecurrentCell<T> cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        _engine = new ForwardJacobianEngine<T>(cell);
        _sizes = [.. cell.StateSizes];
    }

    /// <summary>Jacobians of a user-defined cell that receives <paramref name="inputSize"/> features per step.</summary>
    /// <exception cref="InvalidModelArgumentException">The cell declares no state, a non-positive size, or a negative input size was given.</exception>
    public static CellJacobian<T> ForCustomCell(CustomCell cell, int inputSize) => new(new CustomCellAdapter<T>(cell, inputSize));

    /// <summary>Features per input step (I).</summary>
    public int InputSize => _engine.InputSize;

    /// <summary>Width of each state, in Keras order.</summary>
    public IReadOnlyList<int> StateSizes => _sizes;

    /// <summary>Width of a row's state vector (S, the sum of <see cref="StateSizes"/>).</summary>
    public int StateSize => _engine.StateSize;

    /// <summary>Width of the cell's output (O).</summary>
    public int OutputSize => _engine.OutputSize;

    /// <summary>
    /// Advances <paramref name="batch"/> rows by one step and writes the step's Jacobians.
    /// </summary>
    /// <param name="batch">Number of rows (≥ 1).</param>
    /// <param name="inputs">batch × I.</param>
    /// <param name="states">Previous states, batch × S (row layout).</param>
    /// <param name="newStates">New states, batch × S.</param>
    /// <param name="output">Outputs, batch × O.</param>
    /// <param name="stateJacobian">batch × S × S: ∂s′ᵢ/∂sⱼ.</param>
    /// <param name="inputJacobian">batch × S × I: ∂s′ᵢ/∂xₘ, or empty to skip.</param>
    /// <param name="outputJacobian">batch × O × S: ∂yᵢ/∂sⱼ, or empty to skip.</param>
    /// <param name="outputInputJacobian">batch × O × I: ∂yᵢ/∂xₘ, or empty to skip.</param>
    /// <exception cref="InvalidModelArgumentException">A span has the wrong length.</exception>
    public void Step(int batch, ReadOnlySpan<T> inputs, ReadOnlySpan<T> states, Span<T> newStates, Span<T> output,
        Span<T> stateJacobian, Span<T> inputJacobian = default, Span<T> outputJacobian = default, Span<T> outputInputJacobian = default)
    {
        int S = StateSize, I = InputSize, O = OutputSize;
        if (batch < 1) throw new InvalidModelArgumentException($"batch must be ≥ 1, got {batch}");
        Check(nameof(inputs), inputs.Length, batch * I, "batch × input size");
        Check(nameof(states), states.Length, batch * S, "batch × state size");
        Check(nameof(newStates), newStates.Length, batch * S, "batch × state size");
        Check(nameof(output), output.Length, batch * O, "batch × output size");
        Check(nameof(stateJacobian), stateJacobian.Length, batch * S * S, "batch × S × S");
        if (!inputJacobian.IsEmpty) Check(nameof(inputJacobian), inputJacobian.Length, batch * S * I, "batch × S × I");
        if (!outputJacobian.IsEmpty) Check(nameof(outputJacobian), outputJacobian.Length, batch * O * S, "batch × O × S");
        if (!outputInputJacobian.IsEmpty) Check(nameof(outputInputJacobian), outputInputJacobian.Length, batch * O * I, "batch × O × I");
        _engine.Step(batch, inputs, states, newStates, output, stateJacobian, inputJacobian, outputJacobian, outputInputJacobian);
    }

    /// <summary>
    /// Runs the cell over a sequence with the RNN layer's semantics (go_backwards, mask, zero_output_for_mask) and records
    /// every state, output and Jacobian. Masked steps keep the state (∂s′/∂s = identity, ∂s′/∂x = 0) and emit the previous
    /// output (or zeros), exactly as the RNN driver does.
    /// </summary>
    /// <param name="batch">Number of sequences.</param>
    /// <param name="time">Number of steps.</param>
    /// <param name="inputs">batch × time × I, batch-first as Keras takes them.</param>
    /// <param name="initialStates">batch × S (row layout).</param>
    /// <param name="mask">batch × time, true = keep; empty for none.</param>
    /// <param name="goBackwards">Process the steps from last to first (step s reads time index time − 1 − s).</param>
    /// <param name="zeroOutputForMask">Masked steps output zeros instead of the previous output.</param>
    /// <param name="inputJacobians">Also record ∂s′/∂x and ∂y/∂x per step (needed for <see cref="JacobianTrajectory{T}.OutputWrtInputs"/>).</param>
    /// <exception cref="InvalidModelArgumentException">A span has the wrong length or a size is not positive.</exception>
    public JacobianTrajectory<T> Trajectory(int batch, int time, ReadOnlySpan<T> inputs, ReadOnlySpan<T> initialStates,
        ReadOnlySpan<bool> mask = default, bool goBackwards = false, bool zeroOutputForMask = false, bool inputJacobians = true)
    {
        int S = StateSize, I = InputSize, O = OutputSize;
        if (batch < 1) throw new InvalidModelArgumentException($"batch must be ≥ 1, got {batch}");
        if (time < 1) throw new InvalidModelArgumentException($"time must be ≥ 1, got {time}");
        Check(nameof(inputs), inputs.Length, batch * time * I, "batch × time × input size");
        Check(nameof(initialStates), initialStates.Length, batch * S, "batch × state size");
        if (!mask.IsEmpty) Check(nameof(mask), mask.Length, batch * time, "batch × time");

        var result = new JacobianTrajectory<T>(batch, time, S, I, O, inputJacobians, goBackwards, zeroOutputForMask);
        initialStates.CopyTo(result.StatesArray.AsSpan(0, batch * S));
        var x = _x.Length >= batch * I ? _x.AsSpan(0, batch * I) : (_x = new T[batch * I]).AsSpan();
        for (int s = 0; s < time; s++)
        {
            int t = goBackwards ? time - 1 - s : s;
            for (int b = 0; b < batch; b++) inputs.Slice((b * time + t) * I, I).CopyTo(x.Slice(b * I, I));
            var prev = result.StatesArray.AsSpan(s * batch * S, batch * S);
            var next = result.StatesArray.AsSpan((s + 1) * batch * S, batch * S);
            var output = result.OutputsArray.AsSpan(s * batch * O, batch * O);
            var js = result.StateJacobians.AsSpan(s * batch * S * S, batch * S * S);
            var jx = inputJacobians ? result.InputJacobians.AsSpan(s * batch * S * I, batch * S * I) : default;
            var jy = result.OutputJacobians.AsSpan(s * batch * O * S, batch * O * S);
            var jyx = inputJacobians ? result.OutputInputJacobians.AsSpan(s * batch * O * I, batch * O * I) : default;
            _engine.Step(batch, x, prev, next, output, js, jx, jy, jyx);
            if (mask.IsEmpty) continue;
            for (int b = 0; b < batch; b++)
            {
                if (mask[b * time + t]) continue;
                result.MaskedArray[s * batch + b] = true;
                prev.Slice(b * S, S).CopyTo(next.Slice(b * S, S));
                var row = output.Slice(b * O, O);
                if (zeroOutputForMask || s == 0) row.Clear();
                else result.OutputsArray.AsSpan(((s - 1) * batch + b) * O, O).CopyTo(row);
                var jsRow = js.Slice(b * S * S, S * S);
                jsRow.Clear();
                for (int i = 0; i < S; i++) jsRow[i * S + i] = T.One;
                if (inputJacobians)
                {
                    jx.Slice(b * S * I, S * I).Clear();
                    jyx.Slice(b * O * I, O * I).Clear();
                }
                jy.Slice(b * O * S, O * S).Clear();
            }
        }
        return result;
    }

    private static void Check(string name, int actual, int expected, string what)
    {
        if (actual != expected)
            throw new InvalidModelArgumentException($"{name} has {actual} values; expected {expected} ({what})");
    }
}
