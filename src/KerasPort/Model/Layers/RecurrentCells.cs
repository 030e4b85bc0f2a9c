using KerasPort.Compute;
using KerasPort.Model.Config;
using KerasPort.Model.Weights;
using Newtonsoft.Json.Linq;

namespace KerasPort.Model.Layers;

/// <summary>The recurrent cell kinds.</summary>
public enum RecurrentKind
{
    /// <summary>SimpleRNN / SimpleRNNCell: one gate.</summary>
    SimpleRnn,
    /// <summary>LSTM / LSTMCell / CuDNNLSTM: gates i, f, c, o.</summary>
    Lstm,
    /// <summary>GRU / GRUCell / CuDNNGRU: gates z, r, h.</summary>
    Gru,
    /// <summary>A user-defined cell registered in a <see cref="Cells.CustomCellRegistry"/> (<see cref="CustomRecurrentCell"/>).</summary>
    Custom,
}

/// <summary>
/// A recurrent cell (the per-step computation of an RNN layer) with its options and its weights in canonical Keras 2
/// layout — whatever layout the file stored them in (Keras 1 split gates, CuDNN, Keras 3). User-defined cells are
/// <see cref="CustomRecurrentCell"/>s, whose sizes come from the cell itself once the layer is built.
/// </summary>
public abstract class RecurrentCell
{
    private protected RecurrentCell(LayerConfig config)
    {
        Name = config.Name;
        ClassName = config.ClassName;
        Units = config.RequiredInt("units");
        if (Units <= 0) throw new CorruptModelFileException($"{config.Context.File}: layer '{config.Name}' ({config.ClassName}): units must be positive, found {Units}");
        UseBias = config.Bool("use_bias", true);
        Dropout = config.Double("dropout", 0);
        RecurrentDropout = config.Double("recurrent_dropout", 0);
        Context = config.Context;
    }

    /// <summary>A cell whose sizes are not config entries (a custom cell: they are known once it is built).</summary>
    private protected RecurrentCell(LayerConfig config, bool sizesFromCell)
    {
        Name = config.Name;
        ClassName = config.ClassName;
        UseBias = !sizesFromCell && config.Bool("use_bias", true);
        Dropout = config.Double("dropout", 0);
        RecurrentDropout = config.Double("recurrent_dropout", 0);
        Context = config.Context;
    }

    /// <summary>The cell's (or owning layer's) name.</summary>
    public string Name { get; }

    /// <summary>The Keras class the cell was read from (<c>LSTM</c>, <c>LSTMCell</c>, <c>CuDNNLSTM</c>…).</summary>
    public string ClassName { get; }

    /// <summary>Which kind of cell this is.</summary>
    public abstract RecurrentKind Kind { get; }

    /// <summary><c>units</c>: the size of the output and of each state (a custom cell: its output size).</summary>
    public virtual int Units { get; }

    /// <summary><c>use_bias</c>.</summary>
    public bool UseBias { get; }

    /// <summary><c>dropout</c> (training only; no effect on inference).</summary>
    public double Dropout { get; }

    /// <summary><c>recurrent_dropout</c> (training only).</summary>
    public double RecurrentDropout { get; }

    /// <summary>The number of gates fused in the kernels (1, 4 or 3; 0 for a custom cell).</summary>
    public int GateCount => Kind switch { RecurrentKind.Lstm => 4, RecurrentKind.Gru => 3, RecurrentKind.Custom => 0, _ => 1 };

    /// <summary>The sizes of the states, in Keras's <c>state_size</c> order (LSTM: h and c; GRU and SimpleRNN: h).</summary>
    public virtual IReadOnlyList<int> StateSizes => Kind == RecurrentKind.Lstm ? [Units, Units] : [Units];

    /// <summary>The input feature size, known after the layer was built.</summary>
    public int? InputDim { get; internal set; }

    /// <summary>Canonical input kernel (input_dim, gates·units), gate order i,f,c,o (LSTM) or z,r,h (GRU).</summary>
    public WeightTensor? Kernel { get; private protected set; }

    /// <summary>Canonical recurrent kernel (units, gates·units).</summary>
    public WeightTensor? RecurrentKernel { get; private protected set; }

    /// <summary>Canonical bias: (gates·units), or (2, 3·units) for GRU with reset_after (row 0 input, row 1 recurrent); null without bias.</summary>
    public WeightTensor? Bias { get; private protected set; }

    /// <summary>The weights as stored for this cell, in Keras's order.</summary>
    public IReadOnlyList<WeightTensor> StoredWeights { get; private protected set; } = [];

    internal LoadContext Context { get; }

    /// <summary>The weights Keras 2/3 stores for this cell.</summary>
    internal virtual IReadOnlyList<WeightSlot> Slots(int? inputDim)
    {
        int g = GateCount, u = Units;
        var list = new List<WeightSlot>
        {
            new("kernel", [inputDim, g * u], "W"),
            new("recurrent_kernel", [u, g * u], "U"),
        };
        if (UseBias) list.Add(new("bias", BiasShape(), "b"));
        return list;
    }

    private protected virtual int?[] BiasShape() => [GateCount * Units];

    /// <summary>Binds the stored weights of this cell (and converts them to canonical layout).</summary>
    internal virtual void Bind(Layer owner, WeightSource source, string? v3Subgroup)
    {
        var slots = Slots(InputDim);
        var stored = source.Take(owner, slots, v3Subgroup);
        StoredWeights = stored;
        Kernel = stored[0];
        RecurrentKernel = stored[1];
        Bias = UseBias ? stored[2] : null;
    }

    /// <summary>Per-gate view of the canonical weights (an empty gate list for a custom cell, whose weights are its own).</summary>
    public RecurrentGates Gates(string layerName, string? direction)
    {
        if (Kind == RecurrentKind.Custom) return new RecurrentGates(layerName, direction, Kind, Units, []);
        if (Kernel is null || RecurrentKernel is null)
            throw new InvalidModelArgumentException($"layer '{layerName}' has no weights bound (architecture-only model)");
        string[] names = Kind switch
        {
            RecurrentKind.Lstm => ["i", "f", "c", "o"],
            RecurrentKind.Gru => ["z", "r", "h"],
            _ => [""],
        };
        bool twoBiases = Bias is { Shape.Length: 2 };
        var gates = new List<GateWeights>();
        for (int k = 0; k < names.Length; k++)
        {
            string suffix = names[k].Length == 0 ? "" : "_" + names[k];
            var w = TensorOps.ColumnBlock(Kernel, k, Units, "W" + suffix);
            var uu = TensorOps.ColumnBlock(RecurrentKernel, k, Units, "U" + suffix);
            WeightTensor? b = null, rb = null;
            if (Bias is not null)
            {
                if (twoBiases)
                {
                    b = TensorOps.ColumnBlock(TensorOps.Row(Bias, 0, "b"), k, Units, "b" + suffix);
                    rb = TensorOps.ColumnBlock(TensorOps.Row(Bias, 1, "b"), k, Units, "b_recurrent" + suffix);
                }
                else b = TensorOps.ColumnBlock(Bias, k, Units, "b" + suffix);
            }
            gates.Add(new GateWeights(names[k], w, uu, b, rb));
        }
        return new RecurrentGates(layerName, direction, Kind, Units, gates);
    }

    /// <summary>Adds unsupported options to the pre-flight report.</summary>
    internal virtual void CheckSupport(LoadContext context, string layerClass, string layerName)
    {
    }
}

/// <summary>SimpleRNN's cell: h = activation(x·W + h·U + b).</summary>
public sealed class SimpleRnnCell : RecurrentCell
{
    internal SimpleRnnCell(LayerConfig c) : base(c) => Activation = c.Activation("activation", "tanh");

    /// <inheritdoc />
    public override RecurrentKind Kind => RecurrentKind.SimpleRnn;

    /// <summary><c>activation</c> (default tanh).</summary>
    public Activation Activation { get; }
}

/// <summary>LSTM's cell (also LSTMCell, CuDNNLSTM and Keras 1 LSTM).</summary>
public sealed class LstmCell : RecurrentCell
{
    internal LstmCell(LayerConfig c, bool cudnn = false) : base(c)
    {
        IsCudnn = cudnn;
        Activation = cudnn ? new Activation(ActivationKind.Tanh) : c.Activation("activation", "tanh");
        RecurrentActivation = cudnn ? new Activation(ActivationKind.Sigmoid)
            : c.Activation("recurrent_activation", c.Context.Generation == KerasGeneration.Keras1 ? "hard_sigmoid" : "sigmoid");
        UnitForgetBias = c.Bool("unit_forget_bias", true);
        Implementation = c.Int("implementation", c.Context.Generation == KerasGeneration.Keras3 ? 2 : 1);
    }

    /// <inheritdoc />
    public override RecurrentKind Kind => RecurrentKind.Lstm;

    /// <summary><c>activation</c> (default tanh), applied to the candidate and the cell state.</summary>
    public Activation Activation { get; }

    /// <summary><c>recurrent_activation</c> of the i, f, o gates.</summary>
    public Activation RecurrentActivation { get; }

    /// <summary><c>unit_forget_bias</c> (initializer only).</summary>
    public bool UnitForgetBias { get; }

    /// <summary><c>implementation</c> (1 or 2; same results).</summary>
    public int Implementation { get; }

    /// <summary>True when read from a CuDNNLSTM layer (weights converted from CuDNN layout, biases summed).</summary>
    public bool IsCudnn { get; }

    private protected override int?[] BiasShape() => [(IsCudnn ? 8 : 4) * Units];

    internal override void Bind(Layer owner, WeightSource source, string? v3Subgroup)
    {
        if (source is LegacyWeightSource legacy && legacy.Tensors.Any(t => t.ShortName.EndsWith("_W_i", StringComparison.Ordinal)))
        {
            BindKeras1Split(owner, legacy);
            return;
        }
        base.Bind(owner, source, v3Subgroup);
        if (IsCudnn) ConvertFromCudnn();
    }

    private void ConvertFromCudnn()
    {
        int u = Units, inDim = Kernel!.Shape[0];
        Kernel = TensorOps.MapGateBlocks(Kernel, 4, b => TensorOps.FromCudnnInputBlock(b, inDim, u), "kernel");
        RecurrentKernel = TensorOps.MapGateBlocks(RecurrentKernel!, 4, b => TensorOps.Transpose(b, u, u), "recurrent_kernel");
        if (Bias is not null)
        {
            var d = new double[4 * u];
            for (int i = 0; i < 4 * u; i++) d[i] = Bias.Data[i] + Bias.Data[4 * u + i];
            Bias = new WeightTensor("bias", [4 * u], d, Bias.DType);
        }
    }

    /// <summary>Keras 1: twelve arrays W_i, U_i, b_i, W_c…, matched by name suffix and fused in the order i, f, c, o.</summary>
    private void BindKeras1Split(Layer owner, LegacyWeightSource source)
    {
        var slots = new List<WeightSlot>();
        foreach (var g in new[] { "i", "f", "c", "o" })
        {
            slots.Add(new WeightSlot("W_" + g, [InputDim, Units], "W_" + g));
            slots.Add(new WeightSlot("U_" + g, [Units, Units], "U_" + g));
            slots.Add(new WeightSlot("b_" + g, [Units], "b_" + g));
        }
        var byName = source.Take(owner, slots, null);
        StoredWeights = byName;
        WeightTensor Pick(string n) => byName.First(t => LegacyWeightSource.Matches(t, slots.First(s => s.Name == n)));
        Kernel = TensorOps.ConcatLast([Pick("W_i"), Pick("W_f"), Pick("W_c"), Pick("W_o")], "kernel");
        RecurrentKernel = TensorOps.ConcatLast([Pick("U_i"), Pick("U_f"), Pick("U_c"), Pick("U_o")], "recurrent_kernel");
        Bias = TensorOps.ConcatLast([Pick("b_i"), Pick("b_f"), Pick("b_c"), Pick("b_o")], "bias");
    }
}

/// <summary>GRU's cell (also GRUCell, CuDNNGRU and Keras 1 GRU).</summary>
public sealed class GruCell : RecurrentCell
{
    internal GruCell(LayerConfig c, bool cudnn = false) : base(c)
    {
        IsCudnn = cudnn;
        Activation = cudnn ? new Activation(ActivationKind.Tanh) : c.Activation("activation", "tanh");
        RecurrentActivation = cudnn ? new Activation(ActivationKind.Sigmoid)
            : c.Activation("recurrent_activation", c.Context.Generation == KerasGeneration.Keras1 ? "hard_sigmoid" : "sigmoid");
        // Keras 3 and tf.keras default reset_after=True; configs from before Keras 2.1.3 lack the key and mean False.
        ResetAfter = cudnn || c.Bool("reset_after", c.Context.Generation == KerasGeneration.Keras3);
        Implementation = c.Int("implementation", c.Context.Generation == KerasGeneration.Keras3 ? 2 : 1);
    }

    /// <inheritdoc />
    public override RecurrentKind Kind => RecurrentKind.Gru;

    /// <summary><c>activation</c> of the candidate (default tanh).</summary>
    public Activation Activation { get; }

    /// <summary><c>recurrent_activation</c> of the z and r gates.</summary>
    public Activation RecurrentActivation { get; }

    /// <summary><c>reset_after</c>: apply the reset gate after the recurrent matmul (bias (2, 3u)).</summary>
    public bool ResetAfter { get; }

    /// <summary><c>implementation</c> (1 or 2; same results).</summary>
    public int Implementation { get; }

    /// <summary>True when read from a CuDNNGRU layer (handled as GRU with reset_after=True and sigmoid).</summary>
    public bool IsCudnn { get; }

    private protected override int?[] BiasShape() => IsCudnn ? [6 * Units] : ResetAfter ? [2, 3 * Units] : [3 * Units];

    internal override void Bind(Layer owner, WeightSource source, string? v3Subgroup)
    {
        if (source is LegacyWeightSource legacy && legacy.Tensors.Any(t => t.ShortName.EndsWith("_W_z", StringComparison.Ordinal)))
        {
            BindKeras1Split(owner, legacy);
            return;
        }
        base.Bind(owner, source, v3Subgroup);
        if (IsCudnn)
        {
            int u = Units, inDim = Kernel!.Shape[0];
            Kernel = TensorOps.MapGateBlocks(Kernel, 3, b => TensorOps.FromCudnnInputBlock(b, inDim, u), "kernel");
            RecurrentKernel = TensorOps.MapGateBlocks(RecurrentKernel!, 3, b => TensorOps.Transpose(b, u, u), "recurrent_kernel");
            if (Bias is not null) Bias = new WeightTensor("bias", [2, 3 * u], (double[])Bias.Data.Clone(), Bias.DType);
        }
    }

    /// <summary>Keras 1: nine arrays W_z, U_z, b_z, W_r…, matched by name suffix and fused in the order z, r, h.</summary>
    private void BindKeras1Split(Layer owner, LegacyWeightSource source)
    {
        var slots = new List<WeightSlot>();
        foreach (var g in new[] { "z", "r", "h" })
        {
            slots.Add(new WeightSlot("W_" + g, [InputDim, Units], "W_" + g));
            slots.Add(new WeightSlot("U_" + g, [Units, Units], "U_" + g));
            slots.Add(new WeightSlot("b_" + g, [Units], "b_" + g));
        }
        var stored = source.Take(owner, slots, null);
        StoredWeights = stored;
        WeightTensor Pick(string n) => stored.First(t => LegacyWeightSource.Matches(t, slots.First(s => s.Name == n)));
        Kernel = TensorOps.ConcatLast([Pick("W_z"), Pick("W_r"), Pick("W_h")], "kernel");
        RecurrentKernel = TensorOps.ConcatLast([Pick("U_z"), Pick("U_r"), Pick("U_h")], "recurrent_kernel");
        Bias = TensorOps.ConcatLast([Pick("b_z"), Pick("b_r"), Pick("b_h")], "bias");
    }
}

/// <summary>One gate's slice of a recurrent cell's canonical weights.</summary>
/// <param name="Gate">The gate letter: i, f, c, o (LSTM); z, r, h (GRU); empty for SimpleRNN.</param>
/// <param name="Kernel">W_gate: (input_dim, units).</param>
/// <param name="RecurrentKernel">U_gate: (units, units).</param>
/// <param name="Bias">b_gate (units), the input bias for GRU with reset_after; null without bias.</param>
/// <param name="RecurrentBias">GRU with reset_after only: the recurrent bias of the gate (units).</param>
public sealed record GateWeights(string Gate, WeightTensor Kernel, WeightTensor RecurrentKernel, WeightTensor? Bias, WeightTensor? RecurrentBias);

/// <summary>The per-gate split of one recurrent cell (one direction of a layer).</summary>
/// <param name="LayerName">The layer's name.</param>
/// <param name="Direction"><c>forward</c> / <c>backward</c> for Bidirectional, <c>cell_k</c> for stacked cells, else null.</param>
/// <param name="Kind">The cell kind.</param>
/// <param name="Units">units.</param>
/// <param name="Gates">The gates in Keras order.</param>
public sealed record RecurrentGates(string LayerName, string? Direction, RecurrentKind Kind, int Units, IReadOnlyList<GateWeights> Gates);
