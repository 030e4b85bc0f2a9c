using KerasPort.Compute;
using KerasPort.Model.Config;

namespace KerasPort.Model.Layers;

/// <summary>
/// The activation layers with parameters in their config: ReLU, LeakyReLU, ELU, Softmax, ThresholdedReLU (and ThresholdedReLU-free
/// forms). <see cref="Activation"/> is the function they compute.
/// </summary>
public sealed class ActivationFunctionLayer : Layer
{
    internal ActivationFunctionLayer(LayerConfig c) : base(c)
    {
        Activation = c.ClassName switch
        {
            // keras.layers.ReLU(max_value=None, negative_slope=0.0, threshold=0.0)
            "ReLU" => new Activation(ActivationKind.Relu, Alpha: c.Double("negative_slope", 0), MaxValue: c.DoubleOrNull("max_value"), Threshold: c.Double("threshold", 0)),
            // Keras 1/2: alpha=0.3; Keras 3: negative_slope=0.3 (alpha accepted as alias).
            "LeakyReLU" => new Activation(ActivationKind.LeakyRelu, Alpha: c.DoubleOrNull("negative_slope") ?? c.Double("alpha", 0.3)),
            "ELU" => new Activation(ActivationKind.Elu, Alpha: c.Double("alpha", 1.0)),
            // ThresholdedReLU(theta=1.0): x where x > theta, else 0 — relu with threshold=theta and no slope.
            "ThresholdedReLU" => new Activation(ActivationKind.Relu, Threshold: c.Double("theta", 1.0)),
            "Softmax" => new Activation(ActivationKind.Softmax, Axis: c.Int("axis", -1)),
            _ => throw new InvalidOperationException(c.ClassName),
        };
        if (c.ClassName == "Softmax" && c.Get("axis") is Newtonsoft.Json.Linq.JArray { Count: > 1 })
            MultiAxis = true;
    }

    /// <summary>The function computed.</summary>
    public Activation Activation { get; }

    private bool MultiAxis { get; }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        return [inputs[0]];
    }

    internal override void CheckSupport(LoadContext context)
    {
        base.CheckSupport(context);
        if (MultiAxis) context.Refuse(StoredClassName, Name, "axis", "softmax over several axes is not supported");
    }
}

/// <summary>PReLU: max(0, x) + alpha·min(0, x) with a learned alpha per element (shared on <see cref="SharedAxes"/>).</summary>
public sealed class PReLULayer : Layer
{
    internal PReLULayer(LayerConfig c) : base(c) => SharedAxes = c.IntList("shared_axes") ?? [];

    /// <summary><c>shared_axes</c> (1-based, batch excluded), whose alpha dimension is 1.</summary>
    public int[] SharedAxes { get; }

    private int?[] _alphaShape = [];

    /// <summary>The learned alpha (input shape without batch, 1 on shared axes).</summary>
    public WeightTensor? Alpha => Weights.Count > 0 ? Weights[0] : null;

    internal override IReadOnlyList<WeightSlot> WeightSlots => [new("alpha", _alphaShape, "alphas")];

    internal override void Build(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        var s = inputs[0][1..];
        foreach (var a in SharedAxes)
        {
            if (a < 1 || a > s.Length) throw InputMismatch($"shared_axes {a} is outside the input's axes 1..{s.Length}");
            s[a - 1] = 1;
        }
        _alphaShape = s;
    }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        return [inputs[0]];
    }
}
