using KerasPort.Model.Config;
using KerasPort.Model.Weights;

namespace KerasPort.Model.Layers;

/// <summary>
/// A recurrent layer: LSTM, GRU, SimpleRNN, CuDNNLSTM, CuDNNGRU, or RNN wrapping a built-in cell, a registered custom cell
/// (<see cref="CustomRecurrentCell"/>) or a StackedRNNCells of them.
/// </summary>
public sealed class RecurrentLayer : Layer
{
    internal RecurrentLayer(LayerConfig c, IReadOnlyList<RecurrentCell> cells, bool stacked) : base(c)
    {
        Cells = cells;
        IsStacked = stacked;
        ReturnSequences = c.Bool("return_sequences", false);
        ReturnState = c.Bool("return_state", false);
        GoBackwards = c.Bool("go_backwards", false);
        Stateful = c.Bool("stateful", false);
        Unroll = c.Bool("unroll", false);
        TimeMajor = c.Bool("time_major", false);
        ZeroOutputForMask = c.Bool("zero_output_for_mask", false);
    }

    /// <summary>The cells, first to last (one unless the layer wraps a StackedRNNCells).</summary>
    public IReadOnlyList<RecurrentCell> Cells { get; }

    /// <summary>The single cell, or null for a stack.</summary>
    public RecurrentCell? Cell => Cells.Count == 1 && !IsStacked ? Cells[0] : null;

    /// <summary>True for <c>RNN(StackedRNNCells([...]))</c>.</summary>
    public bool IsStacked { get; }

    /// <summary><c>return_sequences</c>: output every step (batch, time, units) instead of the last (batch, units).</summary>
    public bool ReturnSequences { get; }

    /// <summary><c>return_state</c>: also output the final states (LSTM: h, c).</summary>
    public bool ReturnState { get; }

    /// <summary><c>go_backwards</c>: process the sequence last step first (and return the output sequence reversed).</summary>
    public bool GoBackwards { get; }

    /// <summary><c>stateful</c>.</summary>
    public bool Stateful { get; }

    /// <summary><c>unroll</c> (no effect on results).</summary>
    public bool Unroll { get; }

    /// <summary><c>time_major</c> (tf.keras): inputs are (time, batch, features).</summary>
    public bool TimeMajor { get; }

    /// <summary><c>zero_output_for_mask</c>: masked steps output zeros instead of the previous output.</summary>
    public bool ZeroOutputForMask { get; }

    /// <summary>The size of the layer's output features (the last cell's units, or a custom cell's output size).</summary>
    public int OutputUnits => Cells[^1].Units;

    /// <summary>The state sizes of all cells in order (Keras's flattened state list).</summary>
    public IReadOnlyList<int> StateSizes => Cells.SelectMany(c => c.StateSizes).ToList();

    internal override int MaxInputs => 1;

    internal override void Build(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        ExpectRank(inputs[0], 3, 3);
        int? dim = inputs[0][2];
        foreach (var cell in Cells)
        {
            cell.InputDim = dim;
            // Keras: the RNN builds its cell with the step input shape; a custom cell then knows its sizes and weights
            if (cell is CustomRecurrentCell custom) custom.Build(this);
            dim = cell.Units;
        }
    }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        ExpectRank(inputs[0], 3, 3);
        if (Cells[0].InputDim is int d && inputs[0][2] is int got && d != got)
            throw InputMismatch($"expects {d} input features but a call gives {got}");
        CheckInitialState(initialState, StateSizes);
        var x = inputs[0];
        var outputs = new List<int?[]> { ReturnSequences ? [x[0], x[1], OutputUnits] : [x[0], OutputUnits] };
        if (ReturnState) outputs.AddRange(StateSizes.Select(s => new int?[] { x[0], s }));
        return outputs;
    }

    internal void CheckInitialState(IReadOnlyList<int?[]> initialState, IReadOnlyList<int> sizes)
    {
        if (initialState.Count == 0) return;
        if (initialState.Count != sizes.Count)
            throw InputMismatch($"expects {sizes.Count} initial state tensor(s) but gets {initialState.Count}");
        for (int i = 0; i < sizes.Count; i++)
            if (initialState[i].Length != 2 || (initialState[i][1] is int s && s != sizes[i]))
                throw InputMismatch($"initial state {i} should have shape (None, {sizes[i]}) but has {Shapes.Format(initialState[i])}");
    }

    internal override void Bind(WeightSource source)
    {
        if (!IsStacked)
        {
            Cells[0].Bind(this, source, source is V3WeightSource ? "cell" : null);
        }
        else if (source is V3WeightSource v3)
        {
            var names = KerasNaming.ContainerNames(Cells.Select(c => c.ClassName));
            for (int i = 0; i < Cells.Count; i++)
                Cells[i].Bind(this, v3.RequireChild(this, "cell/cells/" + names[i]), null);
        }
        else
        {
            // Legacy: Keras loads StackedRNNCells weights by position, cell after cell.
            var legacy = (LegacyWeightSource)source;
            int offset = 0;
            for (int i = 0; i < Cells.Count; i++)
            {
                int n = Cells[i].Slots(Cells[i].InputDim).Count;
                if (offset + n > legacy.Tensors.Count)
                    throw source.Missing(this, $"weights of cell {i} ({Cells[i].ClassName}); stored: {LegacyWeightSource.Describe(legacy.Tensors)}");
                Cells[i].Bind(this, legacy.Subset(legacy.Tensors.Skip(offset).Take(n).ToList(), $"cell {i}"), null);
                offset += n;
            }
            if (offset < legacy.Tensors.Count) throw source.Extra(this, legacy.Tensors.Skip(offset));
        }
        Weights = Cells.SelectMany(c => c.StoredWeights).ToList();
    }

    internal override void CheckSupport(LoadContext context)
    {
        base.CheckSupport(context);
        if (TimeMajor)
            context.Refuse(StoredClassName, Name, "time_major", "time-major inputs (time, batch, features) are not supported");
    }

    /// <summary>The per-gate views of every cell.</summary>
    public IReadOnlyList<RecurrentGates> Gates() =>
        Cells.Select((c, i) => c.Gates(Name, IsStacked ? $"cell_{i}" : null)).ToList();
}
