using KerasPort.Model.Config;

namespace KerasPort.Model.Layers;

/// <summary>
/// Layers that only act during training and pass their input through at inference: Dropout, SpatialDropout1D,
/// GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization.
/// </summary>
public sealed class InferenceIdentityLayer : Layer
{
    internal InferenceIdentityLayer(LayerConfig c) : base(c)
    {
        Rate = c.DoubleOrNull("rate");
        StdDev = c.DoubleOrNull("stddev");
        NoiseShape = c.Get("noise_shape")?.ToString(Newtonsoft.Json.Formatting.None);
        L1 = c.DoubleOrNull("l1");
        L2 = c.DoubleOrNull("l2");
    }

    /// <summary><c>rate</c> (dropout layers), or null.</summary>
    public double? Rate { get; }

    /// <summary><c>stddev</c> (GaussianNoise), or null.</summary>
    public double? StdDev { get; }

    /// <summary><c>noise_shape</c> as JSON, or null.</summary>
    public string? NoiseShape { get; }

    /// <summary><c>l1</c> (ActivityRegularization), or null.</summary>
    public double? L1 { get; }

    /// <summary><c>l2</c> (ActivityRegularization), or null.</summary>
    public double? L2 { get; }

    /// <inheritdoc />
    public override bool IsIdentityAtInference => true;

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        if (ClassName == "SpatialDropout1D") ExpectRank(inputs[0], 3, 3);
        return [inputs[0]];
    }
}
