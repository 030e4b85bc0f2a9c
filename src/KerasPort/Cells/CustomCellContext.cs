using KerasPort.Compute;
using KerasPort.Model;
using Newtonsoft.Json.Linq;

namespace KerasPort.Cells;

/// <summary>
/// What a <see cref="CustomCellRegistry"/> factory receives to build a <see cref="CustomCell"/>: the cell's Keras config,
/// the layer's input width and the cell's stored weights in Keras's <c>cell.weights</c> order, names as stored.
/// The accessors throw KerasPort's typed errors naming the layer and the weight, so a factory can stay short.
/// </summary>
public sealed class CustomCellContext
{
    private readonly CellWeight[] _weights;

    /// <summary>Creates a context (the model loader does this; tests and hand-built cells may too).</summary>
    /// <param name="className">The cell's Keras class name (e.g. <c>SLSTMCell</c>).</param>
    /// <param name="config">The cell's own <c>config</c> object (e.g. <c>{"units": 8, ...}</c>).</param>
    /// <param name="inputSize">Features per time step reaching the cell.</param>
    /// <param name="weights">The cell's weights in <c>cell.weights</c> order.</param>
    /// <param name="layerName">The RNN layer's name, for error messages.</param>
    /// <param name="kerasVersion">The <c>keras_version</c> of the file, when known (decides e.g. which hard_sigmoid applies).</param>
    public CustomCellContext(string className, JObject config, int inputSize, IReadOnlyList<WeightTensor> weights, string? layerName = null, string? kerasVersion = null)
    {
        ClassName = className ?? throw new ArgumentNullException(nameof(className));
        Config = config ?? throw new ArgumentNullException(nameof(config));
        ArgumentNullException.ThrowIfNull(weights);
        if (inputSize < 0) throw new InvalidModelArgumentException($"{className}: input size must be ≥ 0, got {inputSize}");
        InputSize = inputSize;
        LayerName = layerName ?? config.Value<string>("name") ?? className;
        KerasVersion = kerasVersion;
        _weights = new CellWeight[weights.Count];
        for (int i = 0; i < weights.Count; i++) _weights[i] = new CellWeight(weights[i]);
    }

    /// <summary>The cell's Keras class name.</summary>
    public string ClassName { get; }

    /// <summary>The cell's config object as stored in the model file.</summary>
    public JObject Config { get; }

    /// <summary>Features per time step reaching the cell (the last axis of the RNN layer's input).</summary>
    public int InputSize { get; }

    /// <summary>The RNN layer's name.</summary>
    public string LayerName { get; }

    /// <summary>The file's <c>keras_version</c>, or null when unknown.</summary>
    public string? KerasVersion { get; }

    /// <summary>The stored weights in <c>cell.weights</c> order.</summary>
    public IReadOnlyList<CellWeight> Weights => _weights;

    private string Where => $"layer '{LayerName}' ({ClassName})";

    /// <summary>
    /// The weight named <paramref name="name"/>: its short name (<c>kernel</c>), or a trailing part of its stored path
    /// (<c>dense_1/kernel</c>) when short names repeat. When <paramref name="expectedShape"/> is given, the shape must match.
    /// </summary>
    /// <exception cref="MissingWeightsException">No weight has that name.</exception>
    /// <exception cref="ShapeMismatchException">The stored shape differs from <paramref name="expectedShape"/>.</exception>
    public CellWeight Weight(string name, params int[] expectedShape)
    {
        if (!TryGetWeight(name, out var weight))
            throw new MissingWeightsException($"{Where}: no weight named '{name}'; the cell's weights are [{string.Join(", ", _weights.Select(w => w.Tensor.Name))}]");
        CheckShape(weight, expectedShape);
        return weight;
    }

    /// <summary>The weight at <paramref name="index"/> in <c>cell.weights</c> order (for files whose weights carry no names).</summary>
    /// <exception cref="MissingWeightsException">The cell has fewer weights.</exception>
    /// <exception cref="ShapeMismatchException">The stored shape differs from <paramref name="expectedShape"/>.</exception>
    public CellWeight Weight(int index, params int[] expectedShape)
    {
        if ((uint)index >= (uint)_weights.Length)
            throw new MissingWeightsException($"{Where}: weight #{index} requested but the cell has {_weights.Length} weight(s)");
        var weight = _weights[index];
        CheckShape(weight, expectedShape);
        return weight;
    }

    /// <summary>Finds a weight by name (see <see cref="Weight(string, int[])"/>); false when absent.</summary>
    /// <exception cref="InvalidModelArgumentException">Several weights match the name.</exception>
    public bool TryGetWeight(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CellWeight? weight)
    {
        weight = null;
        foreach (var w in _weights)
        {
            if (!Matches(w.Tensor, name)) continue;
            if (weight is not null)
                throw new InvalidModelArgumentException($"{Where}: weight name '{name}' matches both '{weight.Tensor.Name}' and '{w.Tensor.Name}'; use a longer path or the index");
            weight = w;
        }
        return weight is not null;
    }

    private static bool Matches(WeightTensor tensor, string name)
    {
        if (tensor.ShortName == name) return true;
        var full = tensor.Name;
        int colon = full.LastIndexOf(':');
        if (colon >= 0) full = full[..colon];
        return full == name || full.EndsWith("/" + name, StringComparison.Ordinal);
    }

    private void CheckShape(CellWeight weight, int[] expected)
    {
        if (expected.Length == 0) return;
        var shape = weight.Tensor.Shape;
        if (shape.SequenceEqual(expected)) return;
        throw new ShapeMismatchException($"{Where}: weight '{weight.Tensor.Name}' has shape {weight.Tensor.ShapeText}, expected ({string.Join(", ", expected)}{(expected.Length == 1 ? "," : "")})");
    }

    /// <summary>An integer config entry.</summary>
    /// <exception cref="CorruptModelFileException">The entry is absent or not an integer.</exception>
    public int GetInt(string key)
    {
        var token = Config[key];
        if (token is { Type: JTokenType.Integer }) return token.Value<int>();
        if (token is { Type: JTokenType.Float } && token.Value<double>() is var d && d == Math.Floor(d)) return (int)d;
        throw new CorruptModelFileException($"{Where}: config entry '{key}' must be an integer, found {Describe(token)}");
    }

    /// <summary>An integer config entry, or <paramref name="fallback"/> when absent or null.</summary>
    public int GetInt(string key, int fallback) => Config[key] is null or { Type: JTokenType.Null } ? fallback : GetInt(key);

    /// <summary>A numeric config entry.</summary>
    /// <exception cref="CorruptModelFileException">The entry is absent or not a number.</exception>
    public double GetDouble(string key)
    {
        var token = Config[key];
        if (token is { Type: JTokenType.Integer or JTokenType.Float }) return token.Value<double>();
        throw new CorruptModelFileException($"{Where}: config entry '{key}' must be a number, found {Describe(token)}");
    }

    /// <summary>A numeric config entry, or <paramref name="fallback"/> when absent or null.</summary>
    public double GetDouble(string key, double fallback) => Config[key] is null or { Type: JTokenType.Null } ? fallback : GetDouble(key);

    /// <summary>A boolean config entry, or <paramref name="fallback"/> when absent or null.</summary>
    /// <exception cref="CorruptModelFileException">The entry is not a boolean.</exception>
    public bool GetBool(string key, bool fallback)
    {
        var token = Config[key];
        if (token is null || token.Type == JTokenType.Null) return fallback;
        if (token.Type == JTokenType.Boolean) return token.Value<bool>();
        throw new CorruptModelFileException($"{Where}: config entry '{key}' must be true or false, found {Describe(token)}");
    }

    /// <summary>
    /// An activation config entry (a name such as <c>"tanh"</c>, or a Keras 3 serialized function), or
    /// <paramref name="fallback"/> when absent. <c>hard_sigmoid</c> follows the file's Keras generation.
    /// </summary>
    /// <exception cref="UnsupportedModelException">The activation is unknown or cannot run in a cell.</exception>
    public Activation GetActivation(string key, string fallback)
    {
        var token = Config[key];
        string? name = token switch
        {
            null => fallback,
            { Type: JTokenType.Null } => "linear",
            { Type: JTokenType.String } => token.Value<string>(),
            JObject o when o["config"] is { Type: JTokenType.String } c => c.Value<string>(),
            JObject o when o["class_name"] is { Type: JTokenType.String } c => c.Value<string>(),
            _ => null,
        };
        bool keras3 = KerasVersion is { Length: > 0 } v && v[0] >= '3' && v[0] <= '9' && (v.Length == 1 || v[1] == '.');
        var parsed = name is null ? null : CellActivations.FromName(name, keras3);
        if (parsed is Activation a) return a;
        throw new UnsupportedModelException(LayerName, [new UnsupportedFeature(ClassName, LayerName, key, $"activation {Describe(token)} is not supported in custom cells")]);
    }

    private static string Describe(JToken? token) => token is null ? "nothing" : token.Type == JTokenType.String ? $"'{token}'" : token.ToString(Newtonsoft.Json.Formatting.None);
}
