using KerasPort.Model.Config;
using KerasPort.Model.Layers;

namespace KerasPort.Model.Graph;

/// <summary>
/// Expands a parsed model into the executable <see cref="ModelGraph"/>: creates one <see cref="LayerCall"/> per node,
/// flattening nested models, and infers every tensor's shape (building each layer on its first call).
/// </summary>
internal sealed class GraphExpander
{
    private readonly List<LayerCall> _calls = [];
    private readonly LoadContext _ctx;

    private GraphExpander(LoadContext ctx) => _ctx = ctx;

    public static ModelGraph Expand(ModelSpec model, LoadContext ctx) => new GraphExpander(ctx).ExpandTop(model);

    private ModelGraph ExpandTop(ModelSpec model)
    {
        if (model.IsSequential)
        {
            var input = model.SequentialInput
                ?? throw new CorruptModelFileException($"{_ctx.File}: Sequential model '{model.Name}' has no input shape (no InputLayer, batch_input_shape or build_input_shape): it was never built");
            var inRef = AddInputCall(input, "");
            var outs = ExpandSequential(model, [inRef], "");
            var last = model.Layers.Count > 0 ? model.Layers[^1].Name : input.Name;
            return new ModelGraph(
                [new ModelInput(input.Name, input.BatchShape, input.DType, inRef)],
                [new ModelOutput(last, 0, 0, outs[0], ShapeOf(outs[0]))],
                _calls);
        }
        var produced = new Dictionary<(string, int), IReadOnlyList<TensorRef>>();
        var inputs = new List<ModelInput>();
        foreach (var key in model.Inputs)
        {
            var layer = model.Find(key.Layer) as InputLayerSpec
                ?? throw new CorruptModelFileException($"{_ctx.File}: model '{model.Name}': input_layers names '{key.Layer}', which is not an InputLayer of the model");
            if (!produced.ContainsKey((layer.Name, 0))) produced[(layer.Name, 0)] = [AddInputCall(layer, "")];
            var r = produced[(layer.Name, 0)][0];
            inputs.Add(new ModelInput(layer.Name, layer.BatchShape, layer.DType, r));
        }
        var outputs = ExpandFunctional(model, produced, "");
        var modelOutputs = model.Outputs.Select((k, i) => new ModelOutput(k.Layer, k.Node, k.Tensor, outputs[i], ShapeOf(outputs[i]))).ToList();
        return new ModelGraph(inputs, modelOutputs, _calls);
    }

    private int?[] ShapeOf(TensorRef t) => _calls[t.CallIndex].OutputShapes[t.TensorIndex];

    private TensorRef AddInputCall(InputLayerSpec input, string prefix)
    {
        var shapes = input.ComputeOutputShapes([], []);
        input.OutputShapes = shapes;
        input.IsBuilt = true;
        _calls.Add(new LayerCall(_calls.Count, input, prefix + input.Name, 0, [], [], null, [], shapes));
        return new TensorRef(_calls.Count - 1, 0);
    }

    private IReadOnlyList<TensorRef> ExpandSequential(ModelSpec model, IReadOnlyList<TensorRef> inputs, string prefix)
    {
        if (inputs.Count != 1)
            throw new ShapeMismatchException($"{_ctx.File}: Sequential '{model.Name}' takes one input but is called with {inputs.Count}");
        var x = inputs[0];
        foreach (var layer in model.Layers)
        {
            var outs = Call(layer, 0, [x], [], null, prefix);
            x = outs[0];
        }
        return [x];
    }

    /// <summary>Runs the nodes of a functional model in dependency order; <paramref name="produced"/> holds the input tensors.</summary>
    private IReadOnlyList<TensorRef> ExpandFunctional(ModelSpec model, Dictionary<(string, int), IReadOnlyList<TensorRef>> produced, string prefix)
    {
        var pending = new List<(Layer Layer, int Node, NodeSpec Spec)>();
        foreach (var layer in model.Layers)
        {
            if (layer is InputLayerSpec input)
            {
                if (!produced.ContainsKey((input.Name, 0))) produced[(input.Name, 0)] = [AddInputCall(input, prefix)];
                continue;
            }
            var nodes = model.Nodes.GetValueOrDefault(layer.Name) ?? [];
            for (int i = 0; i < nodes.Count; i++) pending.Add((layer, i, nodes[i]));
        }
        while (pending.Count > 0)
        {
            bool progress = false;
            for (int i = 0; i < pending.Count; i++)
            {
                var (layer, node, spec) = pending[i];
                var keys = spec.Args.Concat(spec.InitialState).Concat(spec.Mask ?? []);
                if (!keys.All(k => produced.ContainsKey((k.Layer, k.Node)))) continue;
                var ins = spec.Args.Select(k => Resolve(produced, k, model, layer)).ToList();
                var states = spec.InitialState.Select(k => Resolve(produced, k, model, layer)).ToList();
                var mask = spec.Mask?.Select(k => Resolve(produced, k, model, layer)).ToList();
                produced[(layer.Name, node)] = Call(layer, node, ins, states, mask, prefix);
                pending.RemoveAt(i);
                i--;
                progress = true;
            }
            if (!progress)
            {
                var (layer, node, spec) = pending[0];
                var missing = spec.Args.Concat(spec.InitialState).Concat(spec.Mask ?? []).First(k => !produced.ContainsKey((k.Layer, k.Node)));
                throw new CorruptModelFileException(
                    $"{_ctx.File}: model '{model.Name}': layer '{layer.Name}' node {node} consumes {missing}, which no layer of the model produces (unknown layer or node, or a cycle)");
            }
        }
        return model.Outputs.Select(k =>
        {
            if (!produced.ContainsKey((k.Layer, k.Node)))
                throw new CorruptModelFileException($"{_ctx.File}: model '{model.Name}': output {k} is not produced by any layer");
            return Resolve(produced, k, model, null);
        }).ToList();
    }

    private TensorRef Resolve(Dictionary<(string, int), IReadOnlyList<TensorRef>> produced, TensorKey k, ModelSpec model, Layer? consumer)
    {
        var outs = produced[(k.Layer, k.Node)];
        if (k.Tensor < 0 || k.Tensor >= outs.Count)
            throw new CorruptModelFileException(
                $"{_ctx.File}: model '{model.Name}'{(consumer is null ? "" : $", layer '{consumer.Name}'")}: reference {k} asks for output {k.Tensor} but '{k.Layer}' has {outs.Count} output(s)");
        return outs[k.Tensor];
    }

    private IReadOnlyList<TensorRef> Call(Layer layer, int node, List<TensorRef> inputs, List<TensorRef> states, List<TensorRef>? mask, string prefix)
    {
        if (layer is ModelLayer nested)
        {
            var inner = prefix + nested.Name + "/";
            IReadOnlyList<TensorRef> outs;
            if (nested.IsSequential) outs = ExpandSequential(nested.Spec, inputs, inner);
            else
            {
                if (inputs.Count != nested.Spec.Inputs.Count)
                    throw new ShapeMismatchException($"{_ctx.File}: nested model '{nested.Name}' takes {nested.Spec.Inputs.Count} input(s) but is called with {inputs.Count}");
                var produced = new Dictionary<(string, int), IReadOnlyList<TensorRef>>();
                for (int i = 0; i < inputs.Count; i++)
                {
                    var key = nested.Spec.Inputs[i];
                    if (nested.Spec.Find(key.Layer) is InputLayerSpec il)
                    {
                        CheckCompatible(il.BatchShape, ShapeOf(inputs[i]), nested, il.Name);
                        il.OutputShapes = [il.BatchShape];
                    }
                    produced[(key.Layer, key.Node)] = [inputs[i]];
                }
                outs = ExpandFunctional(nested.Spec, produced, inner);
            }
            if (!nested.IsBuilt)
            {
                nested.IsBuilt = true;
                nested.InputShapes = inputs.Select(ShapeOf).ToList();
                nested.OutputShapes = outs.Select(ShapeOf).ToList();
            }
            return outs;
        }
        var inShapes = inputs.Select(ShapeOf).ToList();
        var stateShapes = states.Select(ShapeOf).ToList();
        if (inputs.Count > layer.MaxInputs)
            throw new ShapeMismatchException($"{_ctx.File}: layer '{layer.Name}' ({layer.StoredClassName}) takes at most {layer.MaxInputs} input(s) but node {node} gives it {inputs.Count}");
        if (!layer.IsBuilt)
        {
            layer.Build(inShapes, stateShapes);
            layer.IsBuilt = true;
        }
        var outShapes = layer.ComputeOutputShapes(inShapes, stateShapes);
        if (layer.OutputShapes.Count == 0)
        {
            layer.InputShapes = inShapes;
            layer.OutputShapes = outShapes;
        }
        if (layer is BatchNormalizationLayer bn) bn.CheckAxis(inShapes[0].Length, _ctx);
        if (layer is LayerNormalizationLayer ln) ln.CheckAxis(inShapes[0].Length, _ctx);
        if (layer is TimeDistributedLayer { Inner: BatchNormalizationLayer tbn }) tbn.CheckAxis(inShapes[0].Length - 1, _ctx);
        _calls.Add(new LayerCall(_calls.Count, layer, prefix + layer.Name, node, inputs, states, mask, inShapes, outShapes));
        int idx = _calls.Count - 1;
        return outShapes.Select((_, i) => new TensorRef(idx, i)).ToList();
    }

    private void CheckCompatible(int?[] expected, int?[] got, Layer where, string input)
    {
        bool ok = expected.Length == got.Length;
        for (int i = 1; ok && i < expected.Length; i++)
            if (expected[i] is int a && got[i] is int b && a != b) ok = false;
        if (!ok)
            throw new ShapeMismatchException($"{_ctx.File}: nested model '{where.Name}' input '{input}' expects {Shapes.Format(expected)} but is given {Shapes.Format(got)}");
    }
}
