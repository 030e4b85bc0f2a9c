using System.Globalization;
using System.Text;
using KerasPort.Formats;
using KerasPort.Model;
using KerasPort.Model.Config;
using KerasPort.Model.Graph;
using KerasPort.Model.Layers;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace KerasPort;

/// <summary>
/// A Keras model read from a file: its layers with typed options and weights, the executable graph, parameter counts
/// and a Keras-like summary.
/// </summary>
public sealed partial class KerasModel
{
    private readonly ModelSpec _spec;

    internal KerasModel(KerasFileContent content, KerasGeneration generation, ModelSpec spec, ModelGraph graph)
    {
        _spec = spec;
        SourcePath = content.Path;
        Format = content.Format;
        KerasVersion = content.KerasVersion;
        Backend = content.Backend;
        Generation = generation;
        Graph = graph;
        HasWeights = content.Weights is not null;
    }

    /// <summary>
    /// Loads a model file: a legacy HDF5 full model (<c>.h5</c>), a <c>.keras</c> archive, or an architecture JSON
    /// (architecture only, no weights). The format is detected from the file's bytes.
    /// </summary>
    /// <exception cref="KerasPortException">The file is unreadable, not Keras, corrupt, unsupported (every problem listed), or its weights do not fit.</exception>
    public static KerasModel Load(string path, KerasModelLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ModelLoader.Build(ModelFileReader.Read(path), options);
    }

    /// <summary>Loads a weights-only file (<c>save_weights</c> HDF5 or Keras 3 <c>.weights.h5</c>) with the architecture JSON at <paramref name="configPath"/>.</summary>
    /// <exception cref="KerasPortException">As for <see cref="Load(string, KerasModelLoadOptions?)"/>.</exception>
    public static KerasModel Load(string weightsPath, string configPath, KerasModelLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weightsPath);
        ArgumentNullException.ThrowIfNull(configPath);
        return ModelLoader.Build(ModelFileReader.Read(weightsPath, configPath), options);
    }

    /// <summary>
    /// Builds a model from an architecture given in code — a Keras model config as JSON (<c>{"class_name": …, "config": …}</c>,
    /// what <c>model.to_json()</c> writes) — and optionally loads the weights of <paramref name="weightsPath"/> into it.
    /// This is the way to load weights-only files of subclassed models: describe the same layers as a Sequential or Functional config.
    /// </summary>
    /// <exception cref="KerasPortException">The config is malformed or unsupported, or the weights do not fit.</exception>
    public static KerasModel FromConfig(string configJson, string? weightsPath = null, KerasModelLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configJson);
        JObject config;
        try
        {
            config = JObject.Parse(configJson);
        }
        catch (JsonException e)
        {
            throw new InvalidModelArgumentException($"the model config is not valid JSON: {e.Message}", e);
        }
        return FromConfig(config, weightsPath, options);
    }

    /// <summary>As <see cref="FromConfig(string, string?, KerasModelLoadOptions?)"/>, from a parsed config object.</summary>
    /// <exception cref="KerasPortException">The config is malformed or unsupported, or the weights do not fit.</exception>
    public static KerasModel FromConfig(JObject config, string? weightsPath = null, KerasModelLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config["class_name"] is not JValue { Type: JTokenType.String } || config["config"] is null)
            throw new InvalidModelArgumentException("the model config needs a 'class_name' and a 'config' (the output of model.to_json())");
        var weights = weightsPath is null ? null : ModelFileReader.Read(weightsPath);
        var content = new KerasFileContent
        {
            Path = weightsPath ?? "(config)",
            Format = weights?.Format ?? ModelFileFormat.JsonConfig,
            KerasVersion = weights?.KerasVersion ?? (string?)config["keras_version"],
            Backend = weights?.Backend ?? (string?)config["backend"],
            ModelConfig = config,
            Weights = weights?.Weights,
        };
        return ModelLoader.Build(content, options);
    }

    /// <summary>The file the model (or its weights) was read from.</summary>
    public string SourcePath { get; }

    /// <summary>The on-disk layout the model was read from.</summary>
    public ModelFileFormat Format { get; }

    /// <summary><c>keras_version</c> as stored, or null.</summary>
    public string? KerasVersion { get; }

    /// <summary><c>backend</c> as stored (<c>tensorflow</c>, <c>theano</c>, <c>jax</c>…), or null.</summary>
    public string? Backend { get; }

    /// <summary>The Keras generation whose conventions the file follows.</summary>
    public KerasGeneration Generation { get; }

    /// <summary>True when weights were loaded (false for an architecture JSON alone).</summary>
    public bool HasWeights { get; }

    /// <summary>The model's name.</summary>
    public string Name => _spec.Name;

    /// <summary>True for a Sequential model.</summary>
    public bool IsSequential => _spec.IsSequential;

    /// <summary>The model's layers, as Keras's <c>model.layers</c> lists them (nested models appear as one <see cref="ModelLayer"/>).</summary>
    public IReadOnlyList<Layer> Layers => _spec.Layers;

    /// <summary>The executable graph: inputs, outputs and the topologically sorted layer calls.</summary>
    public ModelGraph Graph { get; }

    /// <summary>The dtype of the model's first input (<c>float32</c> for most models).</summary>
    public string DType => Graph.Inputs.Count > 0 ? Graph.Inputs[0].DType : "float32";

    /// <summary>The total number of parameters, as Keras's <c>model.summary()</c> counts them (non-trainable statistics included).</summary>
    public long TotalParameters => Layers.Sum(l => l.ParameterCount);

    /// <summary>The non-trainable parameters (BatchNormalization moving statistics, layers with trainable=False).</summary>
    public long NonTrainableParameters => Layers.Sum(NonTrainable);

    /// <summary>The trainable parameters.</summary>
    public long TrainableParameters => TotalParameters - NonTrainableParameters;

    private static long NonTrainable(Layer l)
    {
        if (!l.Trainable) return l.ParameterCount;
        return l switch
        {
            ModelLayer m => m.Layers.Sum(NonTrainable),
            TimeDistributedLayer td => NonTrainable(td.Inner),
            BatchNormalizationLayer bn => bn.Weights.Count >= 2 ? bn.Weights[^1].Data.Length + bn.Weights[^2].Data.Length : 0,
            _ => 0,
        };
    }

    /// <summary>Finds a layer by name, at the top level or inside nested models (<c>outer/inner</c> paths also accepted).</summary>
    /// <exception cref="InvalidModelArgumentException">No layer has that name.</exception>
    public Layer GetLayer(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var found = Find(Layers, name.Split('/'), 0) ?? FindDeep(Layers, name);
        return found ?? throw new InvalidModelArgumentException(
            $"{SourcePath}: the model has no layer '{name}' (layers: {string.Join(", ", Layers.Select(l => l.Name))})");
    }

    private static Layer? Find(IReadOnlyList<Layer> layers, string[] path, int i)
    {
        var l = layers.FirstOrDefault(x => x.Name == path[i]);
        if (l is null || i == path.Length - 1) return l;
        return l is ModelLayer m ? Find(m.Layers, path, i + 1) : null;
    }

    private static Layer? FindDeep(IReadOnlyList<Layer> layers, string name)
    {
        foreach (var l in layers)
        {
            if (l.Name == name) return l;
            if (l is ModelLayer m && FindDeep(m.Layers, name) is { } inner) return inner;
        }
        return null;
    }

    /// <summary>
    /// The per-gate split of a recurrent layer's weights: LSTM W_i, W_f, W_c, W_o / U_… / b_…; GRU z, r, h (with both
    /// biases when reset_after=True); SimpleRNN W, U, b. Bidirectional gives the forward direction, then the backward one.
    /// </summary>
    /// <exception cref="InvalidModelArgumentException">The layer does not exist, is not recurrent, or has no weights loaded.</exception>
    public IReadOnlyList<RecurrentGates> GetGates(string layerName)
    {
        var layer = GetLayer(layerName);
        return layer switch
        {
            RecurrentLayer r => r.Gates(),
            BidirectionalLayer b => b.Gates(),
            _ => throw new InvalidModelArgumentException($"{SourcePath}: layer '{layerName}' ({layer.StoredClassName}) is not a recurrent layer"),
        };
    }

    /// <summary>A Keras-like summary: layer name and class, output shape, parameters, and the totals.</summary>
    public string Summary()
    {
        var sb = new StringBuilder();
        var rule = new string('_', 78);
        sb.Append("Model: \"").Append(Name).Append("\" (").Append(IsSequential ? "Sequential" : _spec.ClassName).AppendLine(")");
        sb.AppendLine(rule);
        sb.AppendLine(Row("Layer (type)", "Output Shape", "Param #"));
        sb.AppendLine(new string('=', 78));
        for (int i = 0; i < Layers.Count; i++)
        {
            var l = Layers[i];
            sb.AppendLine(Row($"{l.Name} ({l.StoredClassName})", Shapes.Format(l.OutputShapes), Count(l.ParameterCount)));
            if (i < Layers.Count - 1) sb.AppendLine(rule);
        }
        sb.AppendLine(new string('=', 78));
        sb.Append("Total params: ").AppendLine(Count(TotalParameters));
        sb.Append("Trainable params: ").AppendLine(Count(TrainableParameters));
        sb.Append("Non-trainable params: ").AppendLine(Count(NonTrainableParameters));
        sb.AppendLine(rule);
        return sb.ToString();
    }

    private static string Row(string a, string b, string c) => $"{Pad(a, 40)} {Pad(b, 26)} {c}";

    private static string Pad(string s, int w) => s.Length >= w ? s : s.PadRight(w);

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
