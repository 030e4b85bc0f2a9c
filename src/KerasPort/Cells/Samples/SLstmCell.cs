using System.Numerics;
using KerasPort.Compute;
using KerasPort.Model;

namespace KerasPort.Cells.Samples;

/// <summary>
/// The S-LSTM cell of Wu (2016), a sample user-defined cell. States [h, c]; output h′:
/// f = rec_act(x·W_f + h·R_f + b_f); c′ = f ⊙ c + (1 − f) ⊙ act(x·W_c + h·R_c + b_c); h′ = act(c′).
/// Weights (Keras names): <c>kernel</c> (input_dim, 2·units), <c>recurrent_kernel</c> (units, 2·units), <c>bias</c> (2·units),
/// columns [f, c]. Config: <c>units</c>, <c>activation</c> (default tanh), <c>recurrent_activation</c> (default sigmoid),
/// <c>use_bias</c> (default true).
/// </summary>
public sealed class SLstmCell : CustomCell
{
    /// <summary>The Keras class name this sample registers under.</summary>
    public const string KerasClassName = "SLSTMCell";

    private readonly CellWeight _kernel;
    private readonly CellWeight _recurrentKernel;
    private readonly CellWeight? _bias;
    private readonly int[] _stateSizes;

    /// <summary>Constructs the cell from its Keras config and builds it for <see cref="CustomCellContext.InputSize"/> features (declaring its weights).</summary>
    /// <exception cref="KerasPortException">A config entry is missing or invalid.</exception>
    public SLstmCell(CustomCellContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Units = context.GetInt("units");
        if (Units <= 0) throw new CorruptModelFileException($"layer '{context.LayerName}' ({context.ClassName}): units must be positive, got {Units}");
        InputSize = context.InputSize;
        Activation = context.GetActivation("activation", "tanh");
        RecurrentActivation = context.GetActivation("recurrent_activation", "sigmoid");
        // build(): the weights in the order the Python cell adds them; values arrive when the model's weights are loaded
        _kernel = context.AddWeight("kernel", [InputSize, 2 * Units]);
        _recurrentKernel = context.AddWeight("recurrent_kernel", [Units, 2 * Units]);
        _bias = context.GetBool("use_bias", true) ? context.AddWeight("bias", [2 * Units]) : null;
        _stateSizes = [Units, Units];
    }

    /// <summary>Registers <see cref="KerasClassName"/> in <paramref name="registry"/> (the global one when null).</summary>
    public static void Register(CustomCellRegistry? registry = null) =>
        (registry ?? CustomCellRegistry.Global).Register(KerasClassName, context => new SLstmCell(context));

    /// <summary>units.</summary>
    public int Units { get; }

    /// <summary>Features per input step.</summary>
    public int InputSize { get; }

    /// <summary>activation (candidate and output).</summary>
    public Activation Activation { get; }

    /// <summary>recurrent_activation (forget gate).</summary>
    public Activation RecurrentActivation { get; }

    /// <inheritdoc />
    public override IReadOnlyList<int> StateSizes => _stateSizes;

    /// <inheritdoc />
    public override int OutputSize => Units;

    /// <inheritdoc />
    public override int ScratchPerRow => 2 * Units;

    /// <inheritdoc />
    public override void Step<T>(int batch, ReadOnlySpan<T> inputs, ReadOnlyCellStates<T> states, CellStates<T> newStates, Span<T> output, Span<T> scratch)
    {
        int u = Units, n = InputSize;
        var W = _kernel.As<T>();
        var R = _recurrentKernel.As<T>();
        var bias = _bias is null ? default : _bias.As<T>();
        for (int b = 0; b < batch; b++)
        {
            var x = inputs.Slice(b * n, n);
            var h = states.Row(0, b);
            var c = states.Row(1, b);
            var z = scratch.Slice(b * 2 * u, 2 * u);
            if (bias.IsEmpty) z.Clear(); else bias.CopyTo(z);
            for (int m = 0; m < n; m++)
            {
                T xm = x[m];
                var wRow = W.Slice(m * 2 * u, 2 * u);
                for (int j = 0; j < 2 * u; j++) z[j] += xm * wRow[j];
            }
            for (int k = 0; k < u; k++)
            {
                T hk = h[k];
                var rRow = R.Slice(k * 2 * u, 2 * u);
                for (int j = 0; j < 2 * u; j++) z[j] += hk * rRow[j];
            }
            var hNew = newStates.Row(0, b);
            var cNew = newStates.Row(1, b);
            for (int j = 0; j < u; j++)
            {
                T f = CellActivations.Apply(RecurrentActivation, z[j]);
                T candidate = CellActivations.Apply(Activation, z[u + j]);
                T cj = f * c[j] + (T.One - f) * candidate;
                cNew[j] = cj;
                hNew[j] = CellActivations.Apply(Activation, cj);
            }
            hNew.CopyTo(output.Slice(b * u, u));
        }
    }
}
