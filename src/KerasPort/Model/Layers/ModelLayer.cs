using KerasPort.Model.Config;
using KerasPort.Model.Graph;
using KerasPort.Model.Weights;
using Newtonsoft.Json.Linq;

namespace KerasPort.Model.Layers;

/// <summary>
/// A Sequential or Functional model used as a layer of another model. The summary shows it as one layer; the
/// executable graph (<see cref="ModelGraph"/>) holds its layers' calls.
/// </summary>
public sealed class ModelLayer : Layer
{
    internal ModelLayer(ModelSpec spec, LoadContext ctx, JObject entry) : base(MakeConfig(spec, ctx, entry)) => Spec = spec;

    private static LayerConfig MakeConfig(ModelSpec spec, LoadContext ctx, JObject entry) =>
        new((string)entry["class_name"]!, spec.Name,
            entry["config"] as JObject ?? new JObject { ["name"] = spec.Name, ["layers"] = entry["config"]?.DeepClone() },
            entry["inbound_nodes"], entry, ctx);

    internal ModelSpec Spec { get; }

    /// <summary>The nested model's layers (Keras's <c>model.layers</c>).</summary>
    public IReadOnlyList<Layer> Layers => Spec.Layers;

    /// <summary>True for a nested Sequential.</summary>
    public bool IsSequential => Spec.IsSequential;

    /// <inheritdoc />
    public override long ParameterCount => Spec.Layers.Sum(l => l.ParameterCount);

    internal override int MaxInputs => int.MaxValue;

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState) =>
        throw new InvalidOperationException("nested models are expanded by the graph builder");

    internal override void CheckSupport(LoadContext context)
    {
        foreach (var l in Spec.Layers) l.CheckSupport(context);
        Spec.SequentialInput?.CheckSupport(context);
    }

    internal override void Bind(WeightSource source)
    {
        if (source is V3WeightSource v3) WeightBinder.BindV3Layers(Spec.Layers, v3.RequireChild(this, "layers"), this);
        else WeightBinder.BindNestedLegacy(this, (LegacyWeightSource)source);
        Weights = Spec.Layers.SelectMany(l => l.Weights).ToList();
    }
}
