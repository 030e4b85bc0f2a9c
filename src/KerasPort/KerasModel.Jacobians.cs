using System.Numerics;
using KerasPort.Compute.Jacobians;
using KerasPort.Model;
using KerasPort.Model.Layers;
using KerasPort.Runtime;

namespace KerasPort;

public sealed partial class KerasModel
{
    /// <summary>
    /// Exact Jacobians of a recurrent layer's cell, built from the loaded weights: per step ∂s′/∂s (new state by previous
    /// state), ∂s′/∂x (by the step's input) and ∂y/∂s, ∂y/∂x; over a sequence, a <see cref="JacobianTrajectory{T}"/> with
    /// ∂y_t/∂s₀ and ∂y_t/∂x_k. Works for LSTM, GRU (either reset_after), SimpleRNN, their CuDNN and Keras 1 forms,
    /// StackedRNNCells and registered custom cells; computed in forward mode over dual numbers through the very cell
    /// code predictions run (or a custom cell's own <see cref="Cells.CustomCell.TryJacobian{T}"/>), never by finite differences.
    /// </summary>
    /// <remarks>
    /// The state vector is the layer's states concatenated in Keras order (LSTM: [h, c]; stacked cells: every cell's states
    /// in cell order). Inputs are the features reaching the layer (the output of the layer before it). The element type is
    /// independent of <see cref="ComputeType"/>: a float32 model's weights convert exactly to double, the recommended type.
    /// Each call returns a new instance; an instance must not be used from two threads at once.
    /// </remarks>
    /// <typeparam name="T">double (recommended) or float.</typeparam>
    /// <param name="layerName">A recurrent layer (<c>LSTM</c>, <c>GRU</c>, <c>SimpleRNN</c>, <c>RNN</c>…) or a Bidirectional one.</param>
    /// <param name="backward">For a Bidirectional layer: the backward direction's cell instead of the forward one's.</param>
    /// <exception cref="InvalidModelArgumentException">No such layer, not a recurrent layer, no weights loaded, or
    /// <paramref name="backward"/> given for a layer that is not Bidirectional.</exception>
    public CellJacobian<T> GetCellJacobian<T>(string layerName, bool backward = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layer = RecurrentLayerFor(layerName, backward, out _);
        return new CellJacobian<T>(PlanCompiler.CreateLayerCell<T>(layer));
    }

    /// <summary>
    /// Runs a recurrent layer's cell over a sequence given at the layer's input, with the layer's own semantics
    /// (go_backwards; masked steps keep the state and repeat the previous output, or emit zeros where the layer has
    /// zero_output_for_mask — as Bidirectional layers with return_sequences do), and records every state, output and
    /// per-step Jacobian. Steps are in processed order, which is the order of the layer's output sequence.
    /// </summary>
    /// <typeparam name="T">double (recommended) or float.</typeparam>
    /// <param name="layerName">A recurrent or Bidirectional layer.</param>
    /// <param name="batch">Number of sequences.</param>
    /// <param name="time">Number of time steps.</param>
    /// <param name="inputs">batch × time × features, batch-first as Keras takes them.</param>
    /// <param name="initialStates">batch × S in row layout (each row's states concatenated in Keras order), or empty for zeros.</param>
    /// <param name="mask">batch × time, true = keep (what Masking or Embedding(mask_zero=True) would give the layer), or empty.</param>
    /// <param name="backward">For a Bidirectional layer: its backward direction.</param>
    /// <exception cref="InvalidModelArgumentException">The layer is not recurrent, has no weights, or a span has the wrong length.</exception>
    public JacobianTrajectory<T> GetJacobianTrajectory<T>(string layerName, int batch, int time, ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> initialStates = default, ReadOnlySpan<bool> mask = default, bool backward = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layer = RecurrentLayerFor(layerName, backward, out bool zeroOutputForMask);
        var jacobian = new CellJacobian<T>(PlanCompiler.CreateLayerCell<T>(layer));
        ReadOnlySpan<T> states = initialStates.IsEmpty && batch > 0 ? new T[batch * jacobian.StateSize] : initialStates;
        return jacobian.Trajectory(batch, time, inputs, states, mask, layer.GoBackwards, zeroOutputForMask);
    }

    private RecurrentLayer RecurrentLayerFor(string layerName, bool backward, out bool zeroOutputForMask)
    {
        ArgumentNullException.ThrowIfNull(layerName);
        var layer = GetLayer(layerName);
        if (!HasWeights)
            throw new InvalidModelArgumentException($"{SourcePath}: the model has an architecture but no weights; Jacobians need the trained weights");
        switch (layer)
        {
            case RecurrentLayer r when !backward:
                zeroOutputForMask = r.ZeroOutputForMask;
                return r;
            case RecurrentLayer:
                throw new InvalidModelArgumentException($"{SourcePath}: layer '{layerName}' ({layer.StoredClassName}) is not Bidirectional; it has no backward direction");
            case BidirectionalLayer b:
                zeroOutputForMask = b.ReturnSequences; // Keras forces zero_output_for_mask = return_sequences on both directions
                return backward ? b.Backward : b.Forward;
            default:
                throw new InvalidModelArgumentException($"{SourcePath}: layer '{layerName}' ({layer.StoredClassName}) is not a recurrent layer");
        }
    }
}
