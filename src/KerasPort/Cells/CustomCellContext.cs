using KerasPort.Compute;
using KerasPort.Model;
using Newtonsoft.Json.Linq;

namespace KerasPort.Cells;

/// <summary>
/// What a <see cref="CustomCellRegistry"/> factory receives to build a <see cref="CustomCell"/>, following Keras's own order:
/// the cell is constructed from its config and built for the layer's input width — declaring its weights with
/// <see cref="AddWeight"/> as Keras's <c>build()</c> calls <c>add_weight</c> — and only then are the stored weights loaded
/// into the declared ones (<see cref="LoadWeights(IReadOnlyList{WeightTensor})"/>, which the model loader calls).
/// The config accessors throw KerasPort's typed errors naming the layer and the entry, so a factory can stay short.
/// </summary>
/// <example><code>
/// public MyCell(CustomCellContext ctx)
/// {
///     Units = ctx.GetInt("units");
///     _kernel = ctx.AddWeight("kernel", [ctx.InputSize, Units]);        // values arrive when the weights are loaded
///     _recurrentKernel = ctx.AddWeight("recurrent_kernel", [Units, Units]);
/// }
/// </code></example>
public sealed class CustomCellContext
{
    private readonly List<CellWeight> _declared = [];
    private bool _loaded;

    /// <summary>Creates a context (the model loader does this; tests and hand-built cells may too).</summary>
    /// <param name="className">The cell's Keras class name (e.g. <c>SLSTMCell</c>).</param>
    /// <param name="config">The cell's own <c>config</c> object (e.g. <c>{"units": 8, ...}</c>).</param>
    /// <param name="inputSize">Features per time step reaching the cell (the input shape the cell is built with).</param>
    /// <param name="layerName">The RNN layer's name, for error messages.</param>
    /// <param name="kerasVersion">The <c>keras_version</c> of the file, when known (decides e.g. which hard_sigmoid applies).</param>
    /// <exception cref="InvalidModelArgumentException"><paramref name="inputSize"/> is negative.</exception>
    public CustomCellContext(string className, JObject config, int inputSize, string? layerName = null, string? kerasVersion = null)
    {
        ClassName = className ?? throw new ArgumentNullException(nameof(className));
        Config = config ?? throw new ArgumentNullException(nameof(config));
        if (inputSize < 0) throw new InvalidModelArgumentException($"{className}: input size must be ≥ 0, got {inputSize}");
        InputSize = inputSize;
        LayerName = layerName ?? config.Value<string>("name") ?? className;
        KerasVersion = kerasVersion;
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

    /// <summary>
    /// The declared weights in Keras's <c>cell.weights</c> order — the order files store them in: trainable weights in
    /// declaration order, then non-trainable ones.
    /// </summary>
    public IReadOnlyList<CellWeight> Weights => [.. _declared.Where(w => w.Trainable), .. _declared.Where(w => !w.Trainable)];

    /// <summary>Whether <see cref="LoadWeights(IReadOnlyList{WeightTensor})"/> has filled every declared weight.</summary>
    public bool WeightsLoaded => _loaded;

    private string Where => $"layer '{LayerName}' ({ClassName})";

    /// <summary>
    /// Declares a weight, as Keras's <c>add_weight(name=..., shape=...)</c> in the cell's <c>build()</c>: the returned
    /// handle receives its values when the model's weights are loaded. Declare weights in the order the Python cell
    /// creates them; the loader matches stored weights by name when the file's names identify every declared weight,
    /// by position otherwise (Keras's own rule), and checks each shape.
    /// </summary>
    /// <param name="name">The Keras name (<c>kernel</c>); a stored weight matches it by its short name or a trailing part of its path.</param>
    /// <param name="shape">The shape the weight must have, e.g. [input_dim, 4·units].</param>
    /// <param name="trainable">False for non-trainable weights (Keras stores them after the trainable ones).</param>
    /// <exception cref="InvalidModelArgumentException">The shape has a negative dimension, or weights were already loaded.</exception>
    public CellWeight AddWeight(string name, int[] shape, bool trainable = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (_loaded) throw new InvalidModelArgumentException($"{Where}: weight '{name}' declared after the weights were loaded; declare every weight while the cell is built");
        if (shape.Any(d => d < 0))
            throw new InvalidModelArgumentException($"{Where}: weight '{name}' declared with shape {CellWeight.ShapeText(shape)}; dimensions must be ≥ 0");
        var weight = new CellWeight(name, [.. shape], trainable, Where);
        _declared.Add(weight);
        return weight;
    }

    /// <summary>
    /// Loads stored values into the declared weights (Keras <c>set_weights</c> / loading a file): <paramref name="stored"/>
    /// is in the file's order (legacy <c>weight_names</c>, Keras 3 <c>vars/0, 1, …</c>). Matched by name when every declared
    /// weight has exactly one stored weight of that name, by position otherwise; every shape must equal the declared one.
    /// </summary>
    /// <exception cref="MissingWeightsException">Fewer weights are stored than declared.</exception>
    /// <exception cref="CorruptModelFileException">More weights are stored than declared.</exception>
    /// <exception cref="ShapeMismatchException">A stored shape differs from the declared one.</exception>
    public void LoadWeights(IReadOnlyList<WeightTensor> stored) => LoadWeights(stored, Where);

    /// <summary>As <see cref="LoadWeights(IReadOnlyList{WeightTensor})"/>, with <paramref name="where"/> opening every message (file, layer, group).</summary>
    internal IReadOnlyList<WeightTensor> LoadWeights(IReadOnlyList<WeightTensor> stored, string where)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var declared = Weights;
        var byName = MatchByName(declared, stored);
        if (stored.Count != declared.Count)
        {
            string expected = Describe(declared);
            string found = stored.Count == 0 ? "none" : string.Join(", ", stored.Select(t => $"'{t.Name}' {t.ShapeText}"));
            if (stored.Count < declared.Count)
            {
                var missing = byName is null ? declared.Skip(stored.Count) : declared.Where((_, i) => byName[i] is null);
                throw new MissingWeightsException(
                    $"{where}: the cell declares {declared.Count} weight(s) [{expected}] but {stored.Count} are stored ({found}); missing: {string.Join(", ", missing.Select(w => $"'{w.Name}'"))}");
            }
            throw new CorruptModelFileException(
                $"{where}: {stored.Count} weights are stored ({found}) but the cell declares {declared.Count} [{expected}]");
        }
        var bound = new WeightTensor[declared.Count];
        bool positional = byName is null || byName.Any(t => t is null);
        for (int i = 0; i < declared.Count; i++)
        {
            var tensor = positional ? stored[i] : byName![i]!;
            if (!tensor.Shape.SequenceEqual(declared[i].Shape))
                throw new ShapeMismatchException(
                    $"{where}: weight '{tensor.Name}' has shape {tensor.ShapeText}, expected {CellWeight.ShapeText(declared[i].Shape)} for '{declared[i].Name}'" +
                    (positional ? $" (stored weight #{i}; matched by position)" : ""));
            bound[i] = tensor;
        }
        for (int i = 0; i < declared.Count; i++) declared[i].Load(bound[i]);
        _loaded = true;
        return bound;
    }

    /// <summary>The stored tensor for each declared weight when names identify them one to one; entries are null where not.</summary>
    private static WeightTensor?[]? MatchByName(IReadOnlyList<CellWeight> declared, IReadOnlyList<WeightTensor> stored)
    {
        var result = new WeightTensor?[declared.Count];
        var used = new HashSet<WeightTensor>(ReferenceEqualityComparer.Instance);
        bool any = false;
        for (int i = 0; i < declared.Count; i++)
        {
            var candidates = stored.Where(t => Matches(t, declared[i].Name)).ToList();
            if (candidates.Count == 1 && used.Add(candidates[0]))
            {
                result[i] = candidates[0];
                any = true;
            }
        }
        return any ? result : null;
    }

    private static bool Matches(WeightTensor tensor, string name)
    {
        if (tensor.ShortName == name) return true;
        var full = tensor.Name;
        int colon = full.LastIndexOf(':');
        if (colon >= 0) full = full[..colon];
        return full == name || full.EndsWith("/" + name, StringComparison.Ordinal);
    }

    private static string Describe(IEnumerable<CellWeight> weights) =>
        string.Join(", ", weights.Select(w => $"'{w.Name}' {CellWeight.ShapeText(w.Shape)}"));

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

    /// <summary>A list of integers (e.g. hidden layer widths), or <paramref name="fallback"/> when absent or null.</summary>
    /// <exception cref="CorruptModelFileException">The entry is not a list of integers.</exception>
    public int[] GetIntList(string key, int[] fallback)
    {
        var token = Config[key];
        if (token is null || token.Type == JTokenType.Null) return fallback;
        if (token is JArray a && a.All(t => t.Type == JTokenType.Integer)) return [.. a.Select(t => t.Value<int>())];
        throw new CorruptModelFileException($"{Where}: config entry '{key}' must be a list of integers, found {Describe(token)}");
    }

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

    /// <summary>Whether the file follows Keras 3 conventions (by its keras_version).</summary>
    internal bool IsKeras3 => KerasVersion is { Length: > 0 } v && v[0] >= '3' && v[0] <= '9' && (v.Length == 1 || v[1] == '.');

    /// <summary>
    /// An activation config entry (a name such as <c>"tanh"</c>, or a Keras 3 serialized function), or
    /// <paramref name="fallback"/> when absent. <c>hard_sigmoid</c> follows the file's Keras generation.
    /// </summary>
    /// <exception cref="UnsupportedModelException">The activation is unknown or cannot run in a cell.</exception>
    public Activation GetActivation(string key, string fallback) => ParseActivation(Config[key], fallback, key);

    /// <summary>Parses one activation token (see <see cref="GetActivation"/>); <paramref name="what"/> names it in errors.</summary>
    internal Activation ParseActivation(JToken? token, string fallback, string what)
    {
        string? name = token switch
        {
            null => fallback,
            { Type: JTokenType.Null } => "linear",
            { Type: JTokenType.String } => token.Value<string>(),
            JObject o when o["config"] is { Type: JTokenType.String } c => c.Value<string>(),
            JObject o when o["class_name"] is { Type: JTokenType.String } c => c.Value<string>(),
            _ => null,
        };
        var parsed = name is null ? null : CellActivations.FromName(name, IsKeras3);
        if (parsed is Activation a) return a;
        throw new UnsupportedModelException(LayerName, [new UnsupportedFeature(ClassName, LayerName, what, $"activation {Describe(token)} is not supported in custom cells")]);
    }

    private static string Describe(JToken? token) => token is null ? "nothing" : token.Type == JTokenType.String ? $"'{token}'" : token.ToString(Newtonsoft.Json.Formatting.None);
}
