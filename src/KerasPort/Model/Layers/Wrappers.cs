using KerasPort.Model.Config;
using KerasPort.Model.Weights;

namespace KerasPort.Model.Layers;

/// <summary>How Bidirectional combines the forward and backward outputs (<c>merge_mode</c>).</summary>
public enum BidirectionalMergeMode
{
    /// <summary><c>concat</c> (default): concatenated on the last axis, forward first.</summary>
    Concat,
    /// <summary><c>sum</c>.</summary>
    Sum,
    /// <summary><c>mul</c>.</summary>
    Mul,
    /// <summary><c>ave</c>: the mean of the two.</summary>
    Ave,
    /// <summary><c>None</c>: both outputs returned separately, forward first.</summary>
    None,
}

/// <summary>Bidirectional: a forward and a backward recurrent layer over the same input.</summary>
public sealed class BidirectionalLayer : Layer
{
    internal BidirectionalLayer(LayerConfig c, RecurrentLayer forward, RecurrentLayer backward) : base(c)
    {
        Forward = forward;
        Backward = backward;
        // An explicit null means merge_mode=None; an absent key means Keras's default 'concat'.
        bool explicitNone = c.Config.TryGetValue("merge_mode", out var mode) && mode.Type == Newtonsoft.Json.Linq.JTokenType.Null;
        MergeMode = explicitNone ? BidirectionalMergeMode.None : c.String("merge_mode", "concat") switch
        {
            "concat" => BidirectionalMergeMode.Concat,
            "sum" => BidirectionalMergeMode.Sum,
            "mul" => BidirectionalMergeMode.Mul,
            "ave" => BidirectionalMergeMode.Ave,
            var other => throw new CorruptModelFileException($"{c.Context.File}: layer '{c.Name}' (Bidirectional): unknown merge_mode '{other}'"),
        };
    }

    /// <summary>The forward layer (first in outputs, states and weights).</summary>
    public RecurrentLayer Forward { get; }

    /// <summary>The backward layer (its <c>go_backwards</c> is the opposite of the forward one's).</summary>
    public RecurrentLayer Backward { get; }

    /// <summary><c>merge_mode</c>.</summary>
    public BidirectionalMergeMode MergeMode { get; }

    /// <summary>The forward layer's <c>return_sequences</c>.</summary>
    public bool ReturnSequences => Forward.ReturnSequences;

    /// <summary>The forward layer's <c>return_state</c>.</summary>
    public bool ReturnState => Forward.ReturnState;

    internal override void Build(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        var (fs, bs) = SplitStates(initialState);
        Forward.Build(inputs, fs);
        Backward.Build(inputs, bs);
        Forward.IsBuilt = Backward.IsBuilt = true;
    }

    private (IReadOnlyList<int?[]>, IReadOnlyList<int?[]>) SplitStates(IReadOnlyList<int?[]> states)
    {
        if (states.Count == 0) return ([], []);
        if (states.Count % 2 != 0)
            throw InputMismatch($"expects an even number of initial states (forward then backward) but gets {states.Count}");
        int h = states.Count / 2;
        return (states.Take(h).ToList(), states.Skip(h).ToList());
    }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        var (fs, bs) = SplitStates(initialState);
        var f = Forward.ComputeOutputShapes(inputs, fs);
        var b = Backward.ComputeOutputShapes(inputs, bs);
        Forward.InputShapes = Backward.InputShapes = inputs;
        Forward.OutputShapes = f;
        Backward.OutputShapes = b;
        var outputs = new List<int?[]>();
        if (MergeMode == BidirectionalMergeMode.None)
        {
            outputs.Add(f[0]);
            outputs.Add(b[0]);
        }
        else if (MergeMode == BidirectionalMergeMode.Concat)
            outputs.Add(f[0].With(-1, f[0][^1] + b[0][^1]));
        else
            outputs.Add(f[0]);
        outputs.AddRange(f.Skip(1));
        outputs.AddRange(b.Skip(1));
        return outputs;
    }

    internal override void Bind(WeightSource source)
    {
        if (source is V3WeightSource v3)
        {
            // Keras 3 also saves the unused template layer under 'layer'; Keras never loads it.
            if (v3.Child("layer") is { } template) MarkIgnored(template);
            Forward.Bind(v3.RequireChild(this, "forward_layer"));
            Backward.Bind(v3.RequireChild(this, "backward_layer"));
        }
        else
        {
            var legacy = (LegacyWeightSource)source;
            var (fw, bw) = SplitLegacy(legacy.Tensors);
            Forward.Bind(legacy.Subset(fw, "forward"));
            Backward.Bind(legacy.Subset(bw, "backward"));
        }
        Weights = Forward.Weights.Concat(Backward.Weights).ToList();
    }

    private static void MarkIgnored(V3WeightSource s)
    {
        s.Ledger.Ignore(s.Group);
        foreach (var child in s.Group.Children.Values) MarkIgnored(new V3WeightSource(s.File, s.Location, child, s.Ledger));
    }

    /// <summary>Splits by the <c>forward_…</c>/<c>backward_…</c> name segment; when names do not tell, the first half is forward (Keras's own rule).</summary>
    private static (List<WeightTensor>, List<WeightTensor>) SplitLegacy(IReadOnlyList<WeightTensor> tensors)
    {
        static bool Has(WeightTensor t, string prefix) => t.Name.Split('/').Any(s => s.StartsWith(prefix, StringComparison.Ordinal));
        var fw = tensors.Where(t => Has(t, "forward_") && !Has(t, "backward_")).ToList();
        var bw = tensors.Where(t => Has(t, "backward_") && !Has(t, "forward_")).ToList();
        if (fw.Count + bw.Count == tensors.Count && fw.Count == bw.Count) return (fw, bw);
        int h = tensors.Count / 2;
        return (tensors.Take(h).ToList(), tensors.Skip(h).ToList());
    }

    internal override void CheckSupport(LoadContext context)
    {
        base.CheckSupport(context);
        Forward.CheckSupport(context);
        Backward.CheckSupport(context);
        if (Forward.StoredClassName != Backward.StoredClassName || Forward.Cells.Count != Backward.Cells.Count ||
            Forward.Cells.Zip(Backward.Cells).Any(p => p.First.Kind != p.Second.Kind))
            context.Refuse(StoredClassName, Name, "backward_layer",
                $"the backward layer ({Backward.StoredClassName}) is not of the forward layer's class ({Forward.StoredClassName})");
        if (Forward.GoBackwards == Backward.GoBackwards)
            context.Refuse(StoredClassName, Name, "backward_layer", "forward and backward layers have the same go_backwards");
        if (Forward.ReturnSequences != Backward.ReturnSequences || Forward.ReturnState != Backward.ReturnState)
            context.Refuse(StoredClassName, Name, "backward_layer", "forward and backward layers differ in return_sequences/return_state");
    }

    /// <summary>Per-gate views: forward first, then backward.</summary>
    public IReadOnlyList<RecurrentGates> Gates() =>
        Forward.Gates().Select(g => g with { LayerName = Name, Direction = "forward" + (g.Direction is null ? "" : "/" + g.Direction) })
            .Concat(Backward.Gates().Select(g => g with { LayerName = Name, Direction = "backward" + (g.Direction is null ? "" : "/" + g.Direction) }))
            .ToList();
}

/// <summary>TimeDistributed: applies the wrapped layer to every time step (axis 1).</summary>
public sealed class TimeDistributedLayer : Layer
{
    internal TimeDistributedLayer(LayerConfig c, Layer inner) : base(c) => Inner = inner;

    /// <summary>The wrapped layer.</summary>
    public Layer Inner { get; }

    /// <inheritdoc />
    public override long ParameterCount => Inner.ParameterCount;

    private static int?[] StepShape(int?[] x) => [x[0], .. x[2..]];

    internal override void Build(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        ExpectRank(inputs[0], 3);
        Inner.Build([StepShape(inputs[0])], []);
        Inner.IsBuilt = true;
    }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        ExpectRank(inputs[0], 3);
        var inner = Inner.ComputeOutputShapes([StepShape(inputs[0])], []);
        Inner.InputShapes = [StepShape(inputs[0])];
        Inner.OutputShapes = inner;
        return inner.Select(o => (int?[])[o[0], inputs[0][1], .. o[1..]]).ToList();
    }

    internal override void Bind(WeightSource source)
    {
        Inner.Bind(source is V3WeightSource v3 ? v3.Child("layer") ?? v3 : source);
        Weights = Inner.Weights;
    }

    internal override void CheckSupport(LoadContext context)
    {
        base.CheckSupport(context);
        Inner.CheckSupport(context);
        if (Inner is RecurrentLayer or BidirectionalLayer or ModelLayer)
            context.Refuse(StoredClassName, Name, "layer", $"TimeDistributed over {Inner.StoredClassName} is not supported");
    }
}
