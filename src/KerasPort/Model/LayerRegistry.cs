using KerasPort.Model.Config;
using KerasPort.Model.Graph;
using KerasPort.Model.Layers;
using Newtonsoft.Json.Linq;

namespace KerasPort.Model;

/// <summary>
/// Turns layer entries of a model config into typed <see cref="Layer"/> specs, and recurrent cell entries into
/// <see cref="RecurrentCell"/>s. Unknown classes become <see cref="UnsupportedLayer"/>s so the pre-flight check can
/// report all of them at once. Cells are looked up in a table of their own; a cell class that is not built in is looked
/// up in the load's <see cref="Cells.CustomCellRegistry"/>, then the global one, and becomes a <see cref="CustomRecurrentCell"/>.
/// </summary>
internal sealed class LayerRegistry
{
    private readonly Dictionary<string, Func<LayerConfig, LayerRegistry, Layer>> _layers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<LayerConfig, RecurrentCell>> _cells = new(StringComparer.Ordinal);

    /// <summary>The registry of built-in Keras layers and cells.</summary>
    public static LayerRegistry CreateDefault()
    {
        var r = new LayerRegistry();
        r._layers["InputLayer"] = (c, _) => new InputLayerSpec(c, null);
        r._layers["Dense"] = (c, _) => new DenseLayer(c);
        r._layers["TimeDistributedDense"] = (c, _) => new TimeDistributedLayer(c, new DenseLayer(c));
        r._layers["Embedding"] = (c, _) => new EmbeddingLayer(c);
        r._layers["Masking"] = (c, _) => new MaskingLayer(c);
        r._layers["Activation"] = (c, _) => new ActivationLayer(c);
        foreach (var n in new[] { "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization" })
            r._layers[n] = (c, _) => new InferenceIdentityLayer(c);
        foreach (var n in new[] { "ReLU", "LeakyReLU", "ELU", "Softmax", "ThresholdedReLU" })
            r._layers[n] = (c, _) => new ActivationFunctionLayer(c);
        r._layers["PReLU"] = (c, _) => new PReLULayer(c);
        r._layers["Flatten"] = (c, _) => new FlattenLayer(c);
        r._layers["Reshape"] = (c, _) => new ReshapeLayer(c);
        r._layers["Permute"] = (c, _) => new PermuteLayer(c);
        r._layers["RepeatVector"] = (c, _) => new RepeatVectorLayer(c);
        r._layers["Concatenate"] = (c, _) => new ConcatenateLayer(c, c.Int("axis", -1));
        r._layers["Add"] = (c, _) => new ElementwiseMergeLayer(c, MergeOperation.Add);
        r._layers["Subtract"] = (c, _) => new ElementwiseMergeLayer(c, MergeOperation.Subtract);
        r._layers["Multiply"] = (c, _) => new ElementwiseMergeLayer(c, MergeOperation.Multiply);
        r._layers["Average"] = (c, _) => new ElementwiseMergeLayer(c, MergeOperation.Average);
        r._layers["Maximum"] = (c, _) => new ElementwiseMergeLayer(c, MergeOperation.Maximum);
        r._layers["Minimum"] = (c, _) => new ElementwiseMergeLayer(c, MergeOperation.Minimum);
        r._layers["Merge"] = (c, _) => CreateKeras1Merge(c);
        r._layers["Conv1D"] = (c, _) => new Conv1DLayer(c);
        foreach (var n in new[] { "MaxPooling1D", "MaxPool1D" }) r._layers[n] = (c, _) => new Pooling1DLayer(c, isMax: true);
        foreach (var n in new[] { "AveragePooling1D", "AvgPool1D" }) r._layers[n] = (c, _) => new Pooling1DLayer(c, isMax: false);
        foreach (var n in new[] { "GlobalMaxPooling1D", "GlobalMaxPool1D" }) r._layers[n] = (c, _) => new GlobalPooling1DLayer(c, isMax: true);
        foreach (var n in new[] { "GlobalAveragePooling1D", "GlobalAvgPool1D" }) r._layers[n] = (c, _) => new GlobalPooling1DLayer(c, isMax: false);
        r._layers["BatchNormalization"] = (c, _) => new BatchNormalizationLayer(c);
        r._layers["LayerNormalization"] = (c, _) => new LayerNormalizationLayer(c);
        r._layers["LSTM"] = (c, _) => new RecurrentLayer(c, [new LstmCell(c)], stacked: false);
        r._layers["GRU"] = (c, _) => new RecurrentLayer(c, [new GruCell(c)], stacked: false);
        r._layers["SimpleRNN"] = (c, _) => new RecurrentLayer(c, [new SimpleRnnCell(c)], stacked: false);
        r._layers["CuDNNLSTM"] = (c, _) => new RecurrentLayer(c, [new LstmCell(c, cudnn: true)], stacked: false);
        r._layers["CuDNNGRU"] = (c, _) => new RecurrentLayer(c, [new GruCell(c, cudnn: true)], stacked: false);
        r._layers["RNN"] = (c, reg) => reg.CreateRnn(c);
        r._layers["Bidirectional"] = (c, reg) => reg.CreateBidirectional(c);
        r._layers["TimeDistributed"] = (c, reg) => new TimeDistributedLayer(c, reg.Create(c.Object("layer"), c.Context, null));
        r._layers["Lambda"] = (c, _) => new UnsupportedLayer(c,
            "a Lambda layer carries Python code (a marshalled function or expression); KerasPort never executes anything from a model file. " +
            "Replace it with built-in layers, or rebuild the model in C# and load the weights only");

        r._cells["LSTMCell"] = c => new LstmCell(c);
        r._cells["GRUCell"] = c => new GruCell(c);
        r._cells["SimpleRNNCell"] = c => new SimpleRnnCell(c);
        return r;
    }

    /// <summary>Creates the spec of one layer entry (<c>{class_name, config[, name, inbound_nodes, module…]}</c>).</summary>
    public Layer Create(JObject entry, LoadContext ctx, string? fallbackName)
    {
        var storedClass = (string?)entry["class_name"]
            ?? throw new CorruptModelFileException($"{ctx.File}: a layer entry has no class_name: {Short(entry)}");
        if (storedClass is "Sequential" or "Model" or "Functional")
            return new ModelLayer(ModelParser.Parse(entry, ctx), ctx, entry);
        var lc = Normalize(entry, ctx, fallbackName);
        if (IsCustom(entry))
            return new UnsupportedLayer(lc, $"custom (user-registered) layer '{(string?)entry["registered_name"] ?? storedClass}' from module '{(string?)entry["module"]}' has no built-in implementation");
        if (_layers.TryGetValue(lc.ClassName, out var factory)) return factory(lc, this);
        return new UnsupportedLayer(lc, $"layer class {storedClass} is not supported");
    }

    /// <summary>Keras 3 marks user classes with a registered_name of their own (e.g. <c>my_package&gt;MyLayer</c>).</summary>
    private static bool IsCustom(JObject entry)
    {
        var reg = (string?)entry["registered_name"];
        var cls = (string?)entry["class_name"];
        if (reg is not null && reg != cls) return true;
        var module = (string?)entry["module"];
        return module is not null && !module.StartsWith("keras", StringComparison.Ordinal) && !module.StartsWith("tf_keras", StringComparison.Ordinal);
    }

    /// <summary>Normalizes an entry's class name and config keys to Keras 2/3 names.</summary>
    public static LayerConfig Normalize(JObject entry, LoadContext ctx, string? fallbackName)
    {
        var cls = (string)entry["class_name"]!;
        var config = entry["config"] as JObject
            ?? throw new CorruptModelFileException($"{ctx.File}: layer entry of class {cls} has no config object: {Short(entry)}");
        if (ctx.Generation == KerasGeneration.Keras1) (cls, config) = Keras1Normalizer.Normalize(cls, config);
        var name = (string?)config["name"] ?? (string?)entry["name"] ?? fallbackName
            ?? throw new CorruptModelFileException($"{ctx.File}: layer of class {cls} has no name");
        return new LayerConfig(cls, name, config, entry["inbound_nodes"], entry, ctx);
    }

    private static string Short(JToken t)
    {
        var s = t.ToString(Newtonsoft.Json.Formatting.None);
        return s.Length > 200 ? s[..200] + "…" : s;
    }

    private static Layer CreateKeras1Merge(LayerConfig c)
    {
        if (c.Get("layers") is JArray { Count: > 0 })
            return new UnsupportedLayer(c, "a Keras 1 Merge of Sequential branches is not supported; use a functional model");
        var mode = c.Get("mode") is JValue { Type: JTokenType.String } m ? (string)m! : null;
        return mode switch
        {
            "concat" => new ConcatenateLayer(c, c.Int("concat_axis", -1)),
            "sum" => new ElementwiseMergeLayer(c, MergeOperation.Add),
            "mul" => new ElementwiseMergeLayer(c, MergeOperation.Multiply),
            "ave" => new ElementwiseMergeLayer(c, MergeOperation.Average),
            "max" => new ElementwiseMergeLayer(c, MergeOperation.Maximum),
            _ => new UnsupportedLayer(c, $"Keras 1 Merge mode '{mode ?? "(a Python function)"}' is not supported"),
        };
    }

    private Layer CreateRnn(LayerConfig c)
    {
        var cellEntry = c.Object("cell");
        if ((string?)cellEntry["class_name"] == "StackedRNNCells")
        {
            var cellsCfg = (cellEntry["config"] as JObject)?["cells"] as JArray
                ?? throw new CorruptModelFileException($"{c.Context.File}: layer '{c.Name}' (RNN): StackedRNNCells has no cells list");
            var cells = new List<RecurrentCell>();
            foreach (var ce in cellsCfg.OfType<JObject>())
            {
                var cell = CreateCell(ce, c);
                if (cell is null) return Refused(c, ce);
                cells.Add(cell);
            }
            if (cells.Count == 0) throw new CorruptModelFileException($"{c.Context.File}: layer '{c.Name}' (RNN): StackedRNNCells has no cells");
            return new RecurrentLayer(c, cells, stacked: true);
        }
        var single = CreateCell(cellEntry, c);
        return single is null ? Refused(c, cellEntry) : new RecurrentLayer(c, [single], stacked: false);
    }

    private static UnsupportedLayer Refused(LayerConfig c, JObject cellEntry)
    {
        var name = (string?)cellEntry["registered_name"] ?? (string?)cellEntry["class_name"] ?? "(no class_name)";
        var bare = name[(name.LastIndexOf('>') + 1)..];
        return new(c, $"RNN with cell class '{name}' is not supported: it is neither a built-in cell (LSTMCell, GRUCell, SimpleRNNCell, " +
            "StackedRNNCells of cells) nor a registered custom cell. Implement it as a KerasPort.Cells.CustomCell and register it before loading: " +
            $"CustomCellRegistry.Global.Register(\"{bare}\", ctx => new MyCell(ctx)), or pass a registry in KerasModelLoadOptions.CustomCells");
    }

    /// <summary>A built-in or registered custom cell, or null when the class is neither.</summary>
    private RecurrentCell? CreateCell(JObject cellEntry, LayerConfig owner)
    {
        if (cellEntry["class_name"] is not JValue { Type: JTokenType.String } cls) return null;
        if (!IsCustom(cellEntry) && _cells.TryGetValue((string)cls!, out var make))
            return make(Normalize(cellEntry, owner.Context, owner.Name + "_cell"));
        var factory = Cells.CustomCellRegistry.Resolve(cellEntry, owner.Context.CustomCells);
        if (factory is null) return null;
        if (cellEntry["config"] is not JObject)
            throw new CorruptModelFileException($"{owner.Context.File}: layer '{owner.Name}' (RNN): cell {cls} has no config object");
        return new CustomRecurrentCell(Normalize(cellEntry, owner.Context, owner.Name + "_cell"), cellEntry, factory);
    }

    private Layer CreateBidirectional(LayerConfig c)
    {
        var inner = c.Object("layer");
        var forward = Create(inner, c.Context, null);
        if (forward is not RecurrentLayer fw)
            return new UnsupportedLayer(c, $"Bidirectional over {forward.StoredClassName} is not supported (only recurrent layers)");
        Layer backward;
        if (c.Get("backward_layer") is JObject bwEntry)
            backward = Create(bwEntry, c.Context, null);
        else
        {
            // Keras recreates the wrapped layer with go_backwards flipped.
            var copy = (JObject)inner.DeepClone();
            var cfg = (JObject)copy["config"]!;
            bool gb = cfg.Value<bool?>("go_backwards") ?? false;
            cfg["go_backwards"] = !gb;
            cfg["name"] = "backward_" + ((string?)cfg["name"] ?? fw.Name);
            backward = Create(copy, c.Context, null);
        }
        if (backward is not RecurrentLayer bw)
            return new UnsupportedLayer(c, $"Bidirectional with a backward {backward.StoredClassName} is not supported");
        return new BidirectionalLayer(c, fw, bw);
    }
}
