using KerasPort.Model.Config;
using KerasPort.Model.Layers;
using Newtonsoft.Json.Linq;

namespace KerasPort.Model.Graph;

/// <summary>Parses a Sequential or Functional model config (any Keras generation) into a <see cref="ModelSpec"/>.</summary>
internal static class ModelParser
{
    public static ModelSpec Parse(JObject entry, LoadContext ctx)
    {
        var cls = (string?)entry["class_name"] ?? throw new CorruptModelFileException($"{ctx.File}: the model config has no class_name");
        var cfgToken = entry["config"];
        if (cls == "Sequential") return ParseSequential(entry, cfgToken, ctx);
        if (cls is "Model" or "Functional" || (cfgToken is JObject o && o.ContainsKey("input_layers")))
        {
            if (cfgToken is not JObject fcfg || fcfg["layers"] is not JArray)
                throw new UnsupportedModelException(ctx.File, [new UnsupportedFeature(cls, (string?)entry["name"] ?? "model", null,
                    "a subclassed model stores no layer graph; rebuild the architecture in C# (KerasModel.FromConfig) and load the weights")]);
            return ParseFunctional(cls, fcfg, ctx);
        }
        throw new UnsupportedModelException(ctx.File, [new UnsupportedFeature(cls, (string?)(cfgToken as JObject)?["name"] ?? cls, null,
            $"model class {cls} is not Sequential or Functional (a subclassed model stores no layer graph; rebuild the architecture in C# and load the weights)")]);
    }

    private static ModelSpec ParseSequential(JObject entry, JToken? cfgToken, LoadContext ctx)
    {
        JArray layersJson;
        string name;
        JToken? buildShape = null;
        switch (cfgToken)
        {
            case JArray a: // Keras 1 and Keras 2 ≤ 2.2.2: the config is the list of layers.
                layersJson = a;
                name = (string?)entry["name"] ?? "sequential";
                break;
            case JObject o when o["layers"] is JArray la:
                layersJson = la;
                name = (string?)o["name"] ?? "sequential";
                buildShape = o["build_input_shape"];
                break;
            default:
                throw new CorruptModelFileException($"{ctx.File}: Sequential config is neither a list of layers nor an object with 'layers'");
        }
        var layers = new List<Layer>();
        InputLayerSpec? input = null;
        for (int i = 0; i < layersJson.Count; i++)
        {
            if (layersJson[i] is not JObject le) throw new CorruptModelFileException($"{ctx.File}: Sequential '{name}' layer {i} is not an object");
            var layer = ctx.Registry.Create(le, ctx, null);
            if (i == 0 && layer is InputLayerSpec il) input = il;
            else if (layer is InputLayerSpec) throw new CorruptModelFileException($"{ctx.File}: Sequential '{name}' has an InputLayer at position {i}");
            else layers.Add(layer);
        }
        if (layers.Count == 0 && input is null) throw new CorruptModelFileException($"{ctx.File}: Sequential '{name}' has no layers");
        var dup = layers.GroupBy(l => l.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new CorruptModelFileException($"{ctx.File}: Sequential '{name}' has two layers named '{dup.Key}'");
        input ??= SynthesizeInput(layersJson.Count > 0 ? (JObject)layersJson[0] : null, layers.FirstOrDefault(), buildShape, ctx);
        return new ModelSpec { Name = name, ClassName = "Sequential", IsSequential = true, Layers = layers, SequentialInput = input };
    }

    /// <summary>
    /// A Sequential without InputLayer: Keras built its input from the first layer's <c>batch_input_shape</c>
    /// (or the model's <c>build_input_shape</c>) and named it <c>&lt;first layer&gt;_input</c>.
    /// </summary>
    private static InputLayerSpec? SynthesizeInput(JObject? firstEntry, Layer? first, JToken? buildShape, LoadContext ctx)
    {
        if (first is null || firstEntry is null) return null;
        var fc = first.Config;
        JToken? shape = fc["batch_input_shape"] is JArray bis ? bis : fc["batch_shape"] is JArray bs ? bs : null;
        if (shape is null && buildShape is JArray b && b.All(x => x.Type is JTokenType.Integer or JTokenType.Null)) shape = b;
        if (shape is null) return null;
        string dtype = (string?)(fc["input_dtype"] as JValue) ?? (fc["dtype"] as JValue is { Type: JTokenType.String } d ? (string)d! : "float32");
        var cfg = new JObject { ["batch_input_shape"] = shape.DeepClone(), ["dtype"] = dtype, ["name"] = first.Name + "_input" };
        var entry = new JObject { ["class_name"] = "InputLayer", ["config"] = cfg };
        return new InputLayerSpec(new LayerConfig("InputLayer", first.Name + "_input", cfg, null, entry, ctx), null);
    }

    private static ModelSpec ParseFunctional(string cls, JObject cfg, LoadContext ctx)
    {
        var name = (string?)cfg["name"] ?? "model";
        var layers = new List<Layer>();
        var nodes = new Dictionary<string, List<NodeSpec>>();
        foreach (var token in (JArray)cfg["layers"]!)
        {
            if (token is not JObject le) throw new CorruptModelFileException($"{ctx.File}: model '{name}' has a layer entry that is not an object");
            var layer = ctx.Registry.Create(le, ctx, (string?)le["name"]);
            var entryName = (string?)le["name"] ?? layer.Name;
            if (nodes.ContainsKey(entryName)) throw new CorruptModelFileException($"{ctx.File}: model '{name}' has two layers named '{entryName}'");
            layers.Add(layer);
            nodes[entryName] = ParseNodes(le["inbound_nodes"], layer, ctx);
        }
        return new ModelSpec
        {
            Name = name,
            ClassName = cls,
            IsSequential = false,
            Layers = layers,
            Nodes = nodes,
            Inputs = ParseKeyList(cfg["input_layers"], ctx, name, "input_layers"),
            Outputs = ParseKeyList(cfg["output_layers"], ctx, name, "output_layers"),
        };
    }

    /// <summary><c>input_layers</c>/<c>output_layers</c>: <c>[[name, node, tensor], …]</c>, or a single triple.</summary>
    private static List<TensorKey> ParseKeyList(JToken? t, LoadContext ctx, string model, string what)
    {
        if (t is not JArray a) throw new CorruptModelFileException($"{ctx.File}: model '{model}' has no {what}");
        if (a.Count == 3 && a[0].Type == JTokenType.String) return [ParseKey(a, ctx, model)];
        return a.Select(x => ParseKey(x, ctx, model)).ToList();
    }

    private static TensorKey ParseKey(JToken t, LoadContext ctx, string where)
    {
        if (t is JArray { Count: >= 3 } a && a[0].Type == JTokenType.String && a[1].Type == JTokenType.Integer && a[2].Type == JTokenType.Integer)
            return new TensorKey((string)a[0]!, (int)a[1], (int)a[2]);
        throw new CorruptModelFileException($"{ctx.File}: '{where}': malformed tensor reference {t.ToString(Newtonsoft.Json.Formatting.None)}");
    }

    private static List<NodeSpec> ParseNodes(JToken? inbound, Layer layer, LoadContext ctx)
    {
        var result = new List<NodeSpec>();
        if (inbound is null or { Type: JTokenType.Null }) return result;
        if (inbound is not JArray nodes) throw new CorruptModelFileException($"{ctx.File}: layer '{layer.Name}': inbound_nodes is not a list");
        bool recurrent = layer is RecurrentLayer or BidirectionalLayer;
        foreach (var node in nodes)
        {
            NodeSpec spec = node switch
            {
                JObject k3 => ParseKeras3Node(k3, layer, ctx),
                JArray k2 => ParseKeras2Node(k2, layer, ctx),
                _ => throw new CorruptModelFileException($"{ctx.File}: layer '{layer.Name}': malformed inbound node {node.ToString(Newtonsoft.Json.Formatting.None)}"),
            };
            if (recurrent && spec.Args.Count > 1 && spec.InitialState.Count == 0)
                spec = new NodeSpec { Args = [spec.Args[0]], InitialState = spec.Args.Skip(1).ToList(), Mask = spec.Mask };
            result.Add(spec);
        }
        return result;
    }

    /// <summary>Keras 1/2 and tf.keras (also 2.15 .keras): <c>[[name, node, tensor(, kwargs)], …]</c>; the kwargs ride on the first entry.</summary>
    private static NodeSpec ParseKeras2Node(JArray node, Layer layer, LoadContext ctx)
    {
        var args = new List<TensorKey>();
        JObject? kwargs = null;
        foreach (var e in node)
        {
            if (e is JArray { Count: >= 3 } a && a[0].Type == JTokenType.String && (string)a[0]! == "_CONSTANT_VALUE")
            {
                ctx.Refuse(layer.StoredClassName, layer.Name, "inbound_nodes", "a call with a constant (non-tensor) input is not supported");
                continue;
            }
            args.Add(ParseKey(e, ctx, layer.Name));
            if (e is JArray { Count: >= 4 } withKw && withKw[3] is JObject kw && kw.Count > 0) kwargs ??= kw;
        }
        var (state, mask) = ParseKwargs(kwargs, layer, ctx, KerasKwargTensors);
        return new NodeSpec { Args = args, InitialState = state, Mask = mask };
    }

    /// <summary>Keras 3: <c>{"args": [...], "kwargs": {...}}</c> with <c>__keras_tensor__</c> objects holding <c>keras_history</c>.</summary>
    private static NodeSpec ParseKeras3Node(JObject node, Layer layer, LoadContext ctx)
    {
        var args = new List<TensorKey>();
        CollectKeras3Tensors(node["args"], args, ctx, layer);
        var (state, mask) = ParseKwargs(node["kwargs"] as JObject, layer, ctx, t =>
        {
            var list = new List<TensorKey>();
            CollectKeras3Tensors(t, list, ctx, layer);
            return list;
        });
        return new NodeSpec { Args = args, InitialState = state, Mask = mask };
    }

    private static void CollectKeras3Tensors(JToken? t, List<TensorKey> into, LoadContext ctx, Layer layer)
    {
        switch (t)
        {
            case JObject o when (string?)o["class_name"] == "__keras_tensor__":
                var hist = o["config"]?["keras_history"]
                    ?? throw new CorruptModelFileException($"{ctx.File}: layer '{layer.Name}': a __keras_tensor__ has no keras_history");
                into.Add(ParseKey(hist, ctx, layer.Name));
                break;
            case JArray a:
                foreach (var x in a) CollectKeras3Tensors(x, into, ctx, layer);
                break;
            case JObject o2:
                foreach (var p in o2.Properties()) CollectKeras3Tensors(p.Value, into, ctx, layer);
                break;
            case null or { Type: JTokenType.Null }:
                break;
            default:
                ctx.Refuse(layer.StoredClassName, layer.Name, "inbound_nodes", $"a call with a constant argument ({t.ToString(Newtonsoft.Json.Formatting.None)}) is not supported");
                break;
        }
    }

    /// <summary>Keras 2 kwargs hold tensors as <c>[name, node, tensor]</c> triples (possibly in lists).</summary>
    private static List<TensorKey> KerasKwargTensors(JToken t)
    {
        var list = new List<TensorKey>();
        void Walk(JToken x)
        {
            if (x is JArray { Count: 3 } a && a[0].Type == JTokenType.String && a[1].Type == JTokenType.Integer && a[2].Type == JTokenType.Integer)
                list.Add(new TensorKey((string)a[0]!, (int)a[1], (int)a[2]));
            else if (x is JArray arr) foreach (var y in arr) Walk(y);
        }
        Walk(t);
        return list;
    }

    private static (List<TensorKey> State, List<TensorKey>? Mask) ParseKwargs(JObject? kwargs, Layer layer, LoadContext ctx, Func<JToken, List<TensorKey>> tensors)
    {
        var state = new List<TensorKey>();
        List<TensorKey>? mask = null;
        if (kwargs is null) return (state, mask);
        foreach (var p in kwargs.Properties())
        {
            if (p.Value.Type == JTokenType.Null) continue;
            switch (p.Name)
            {
                case "training":
                    break; // inference always runs in inference mode
                case "initial_state":
                    state = tensors(p.Value);
                    break;
                case "mask":
                    mask = tensors(p.Value);
                    if (mask.Count == 0) mask = null;
                    break;
                case "constants":
                    ctx.Refuse(layer.StoredClassName, layer.Name, "constants", "RNN calls with constants are not supported");
                    break;
                default:
                    ctx.Refuse(layer.StoredClassName, layer.Name, p.Name, $"call argument '{p.Name}' is not supported");
                    break;
            }
        }
        return (state, mask);
    }
}
