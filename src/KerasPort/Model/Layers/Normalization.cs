using KerasPort.Model.Config;
using Newtonsoft.Json.Linq;

namespace KerasPort.Model.Layers;

/// <summary>BatchNormalization at inference: gamma·(x − moving_mean)/sqrt(moving_variance + epsilon) + beta on the last axis.</summary>
public sealed class BatchNormalizationLayer : Layer
{
    internal BatchNormalizationLayer(LayerConfig c) : base(c)
    {
        Axis = c.Get("axis") switch { JArray { Count: 1 } a => (int)a[0], JArray => int.MinValue, _ => c.Int("axis", -1) };
        Momentum = c.Double("momentum", 0.99);
        Epsilon = c.Double("epsilon", 1e-3);
        Center = c.Bool("center", true);
        Scale = c.Bool("scale", true);
        Renorm = c.Bool("renorm", false);
        Keras1Mode = c.Int("mode", 0);
    }

    /// <summary><c>axis</c> (the normalized feature axis; -1 default).</summary>
    public int Axis { get; }
    /// <summary><c>momentum</c> (training only).</summary>
    public double Momentum { get; }
    /// <summary><c>epsilon</c> (default 1e-3).</summary>
    public double Epsilon { get; }
    /// <summary><c>center</c>: has beta.</summary>
    public bool Center { get; }
    /// <summary><c>scale</c>: has gamma.</summary>
    public bool Scale { get; }
    /// <summary><c>renorm</c> (tf.keras; refused).</summary>
    public bool Renorm { get; }
    /// <summary>Keras 1 <c>mode</c> (only 0, feature-wise with moving statistics, is supported).</summary>
    public int Keras1Mode { get; }

    private int? _features;

    /// <summary>gamma, or null when scale=False.</summary>
    public WeightTensor? Gamma => Scale ? Weights[0] : null;
    /// <summary>beta, or null when center=False.</summary>
    public WeightTensor? Beta => Center ? Weights[Scale ? 1 : 0] : null;
    /// <summary>moving_mean.</summary>
    public WeightTensor? MovingMean => Weights.Count >= 2 ? Weights[^2] : null;
    /// <summary>moving_variance (Keras 1 stored it as <c>running_std</c>).</summary>
    public WeightTensor? MovingVariance => Weights.Count >= 2 ? Weights[^1] : null;

    internal override IReadOnlyList<WeightSlot> WeightSlots
    {
        get
        {
            var list = new List<WeightSlot>();
            if (Scale) list.Add(new("gamma", [_features], "gamma"));
            if (Center) list.Add(new("beta", [_features], "beta"));
            list.Add(new("moving_mean", [_features], "running_mean", Trainable: false));
            list.Add(new("moving_variance", [_features], "running_std", Trainable: false));
            return list;
        }
    }

    internal override void Build(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        _features = inputs[0][^1];
    }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        return [inputs[0]];
    }

    internal override void CheckSupport(LoadContext context)
    {
        base.CheckSupport(context);
        if (Renorm) context.Refuse(StoredClassName, Name, "renorm", "batch renormalization is not supported");
        if (Keras1Mode != 0) context.Refuse(StoredClassName, Name, "mode", $"Keras 1 BatchNormalization mode={Keras1Mode} normalizes with batch statistics; not supported");
        if (Axis == int.MinValue) context.Refuse(StoredClassName, Name, "axis", "normalization over several axes is not supported");
    }

    /// <summary>Refuses a feature axis other than the last one, once the input rank is known.</summary>
    internal void CheckAxis(int rank, LoadContext context)
    {
        if (Axis != int.MinValue && (Axis < -rank || Axis >= rank || Axis == 0 || Axis == -rank))
            context.Refuse(StoredClassName, Name, "axis", $"axis {Axis} is not a feature axis of a rank-{rank} input");
    }
}

/// <summary>LayerNormalization over the last axis: gamma·(x − mean)/sqrt(var + epsilon) + beta.</summary>
public sealed class LayerNormalizationLayer : Layer
{
    internal LayerNormalizationLayer(LayerConfig c) : base(c)
    {
        Axes = c.IntList("axis") ?? [-1];
        Epsilon = c.Double("epsilon", 1e-3);
        Center = c.Bool("center", true);
        Scale = c.Bool("scale", true);
        RmsScaling = c.Bool("rms_scaling", false);
    }

    /// <summary><c>axis</c> (normalized axes).</summary>
    public int[] Axes { get; }
    /// <summary><c>epsilon</c> (default 1e-3).</summary>
    public double Epsilon { get; }
    /// <summary><c>center</c>: has beta.</summary>
    public bool Center { get; }
    /// <summary><c>scale</c>: has gamma.</summary>
    public bool Scale { get; }
    /// <summary>Keras 3 <c>rms_scaling</c> (refused).</summary>
    public bool RmsScaling { get; }

    private int? _features;

    /// <summary>gamma, or null.</summary>
    public WeightTensor? Gamma => Scale ? Weights[0] : null;
    /// <summary>beta, or null.</summary>
    public WeightTensor? Beta => Center ? Weights[^1] : null;

    internal override IReadOnlyList<WeightSlot> WeightSlots
    {
        get
        {
            var list = new List<WeightSlot>();
            if (Scale) list.Add(new("gamma", [_features]));
            if (Center) list.Add(new("beta", [_features]));
            return list;
        }
    }

    internal override void Build(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        _features = inputs[0][^1];
    }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        return [inputs[0]];
    }

    /// <summary>Refuses normalization over axes other than the last one.</summary>
    internal void CheckAxis(int rank, LoadContext context)
    {
        if (Axes.Length != 1 || (Axes[0] != -1 && Axes[0] != rank - 1))
            context.Refuse(StoredClassName, Name, "axis", $"axis [{string.Join(", ", Axes)}] is not the last axis of a rank-{rank} input; only the last axis is supported");
    }

    internal override void CheckSupport(LoadContext context)
    {
        base.CheckSupport(context);
        if (RmsScaling) context.Refuse(StoredClassName, Name, "rms_scaling", "RMS scaling is not supported");
    }
}
