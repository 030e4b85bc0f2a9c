using System.Globalization;
using Newtonsoft.Json.Linq;

namespace KerasPort.Model.Config;

/// <summary>
/// One layer's entry of a model config after normalization to Keras 2/3 key names: the class name, the layer name,
/// the <c>config</c> object and the raw inbound nodes. Typed accessors throw <see cref="CorruptModelFileException"/>
/// naming the file, layer and key when a value has the wrong type.
/// </summary>
internal sealed class LayerConfig
{
    public LayerConfig(string className, string name, JObject config, JToken? inboundNodes, JObject raw, LoadContext context)
    {
        ClassName = className;
        Name = name;
        Config = config;
        InboundNodes = inboundNodes;
        Raw = raw;
        Context = context;
    }

    /// <summary>The normalized class name (Keras 1 names mapped onto Keras 2 ones).</summary>
    public string ClassName { get; }
    /// <summary>The layer name.</summary>
    public string Name { get; }
    /// <summary>The normalized <c>config</c> object.</summary>
    public JObject Config { get; }
    /// <summary>The layer's <c>inbound_nodes</c> (functional models), or null.</summary>
    public JToken? InboundNodes { get; }
    /// <summary>The layer entry as stored (before normalization).</summary>
    public JObject Raw { get; }
    /// <summary>File-wide facts: path, generation.</summary>
    public LoadContext Context { get; }

    public bool Has(string key) => Config[key] is { Type: not JTokenType.Null };

    public JToken? Get(string key) => Config[key] is { Type: not JTokenType.Null } t ? t : null;

    private CorruptModelFileException Bad(string key, string expected, JToken? found) =>
        new($"{Context.File}: layer '{Name}' ({ClassName}): config key '{key}' should be {expected} but is {found?.ToString(Newtonsoft.Json.Formatting.None) ?? "absent"}");

    public int Int(string key, int fallback) => IntOrNull(key) ?? fallback;

    public int RequiredInt(string key) => IntOrNull(key) ?? throw Bad(key, "an integer", Get(key));

    public int? IntOrNull(string key)
    {
        var t = Get(key);
        if (t is null) return null;
        if (t.Type == JTokenType.Integer) return (int)t;
        if (t.Type == JTokenType.Float && Math.Abs((double)t - Math.Round((double)t)) < 1e-9) return (int)Math.Round((double)t);
        // Keras stores some sizes as one-element lists, e.g. kernel_size [3].
        if (t is JArray { Count: 1 } a && a[0].Type == JTokenType.Integer) return (int)a[0];
        throw Bad(key, "an integer", t);
    }

    public double Double(string key, double fallback)
    {
        var t = Get(key);
        if (t is null) return fallback;
        if (t.Type is JTokenType.Integer or JTokenType.Float) return (double)t;
        if (t.Type == JTokenType.String && double.TryParse((string)t!, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
        throw Bad(key, "a number", t);
    }

    public double? DoubleOrNull(string key) => Get(key) is null ? null : Double(key, 0);

    public bool Bool(string key, bool fallback)
    {
        var t = Get(key);
        if (t is null) return fallback;
        if (t.Type == JTokenType.Boolean) return (bool)t;
        if (t.Type == JTokenType.Integer) return (long)t != 0;
        throw Bad(key, "a boolean", t);
    }

    public string String(string key, string fallback) => StringOrNull(key) ?? fallback;

    public string? StringOrNull(string key)
    {
        var t = Get(key);
        if (t is null) return null;
        if (t.Type == JTokenType.String) return (string)t!;
        throw Bad(key, "a string", t);
    }

    /// <summary>An integer list; a single integer becomes a one-element list.</summary>
    public int[]? IntList(string key)
    {
        var t = Get(key);
        if (t is null) return null;
        if (t.Type == JTokenType.Integer) return [(int)t];
        if (t is JArray a && a.All(x => x.Type == JTokenType.Integer)) return a.Select(x => (int)x).ToArray();
        throw Bad(key, "a list of integers", t);
    }

    /// <summary>A shape list whose entries may be null (unknown dimension).</summary>
    public int?[]? Shape(string key)
    {
        var t = Get(key);
        if (t is null) return null;
        if (t is JArray a && a.All(x => x.Type is JTokenType.Integer or JTokenType.Null))
            return a.Select(x => x.Type == JTokenType.Null ? (int?)null : (int)x).ToArray();
        throw Bad(key, "a shape (list of integers or nulls)", t);
    }

    /// <summary>A nested layer config (<c>layer</c> of wrappers, <c>cell</c> of RNN).</summary>
    public JObject Object(string key) => Get(key) as JObject ?? throw Bad(key, "an object", Get(key));

    /// <summary>The activation stored under <paramref name="key"/> (Keras name, Keras 3 serialized function, or layer dict).</summary>
    public Compute.Activation Activation(string key, string fallback) =>
        ActivationParser.Parse(Get(key), fallback, Context.Generation, () => Bad(key, "a known activation", Get(key)));

    /// <summary>The dtype: a string (Keras 2), a DTypePolicy dict (Keras 3) or absent.</summary>
    public string DType()
    {
        var t = Get("dtype");
        return t switch
        {
            null => "float32",
            JValue { Type: JTokenType.String } v => (string)v!,
            JObject o when o["config"] is JObject c && c["name"] is JValue n => (string)n!,
            JObject o when o["class_name"] is JValue cn => (string)cn!,
            _ => throw Bad("dtype", "a dtype name or DTypePolicy", t),
        };
    }
}

/// <summary>File-wide facts carried through config parsing and weight binding.</summary>
internal sealed class LoadContext
{
    public LoadContext(string file, KerasGeneration generation, string? backend, LayerRegistry registry)
    {
        File = file;
        Generation = generation;
        Backend = backend;
        Registry = registry;
    }

    /// <summary>The file name, for messages.</summary>
    public string File { get; }
    /// <summary>The Keras generation.</summary>
    public KerasGeneration Generation { get; }
    /// <summary>The stored backend (theano kernels need flipping).</summary>
    public string? Backend { get; }
    /// <summary>The layer / cell factory.</summary>
    public LayerRegistry Registry { get; }
    /// <summary>The registry of user-defined RNN cells passed with this load (searched before the global one), or null.</summary>
    public Cells.CustomCellRegistry? CustomCells { get; init; }
    /// <summary>The Keras version whose conventions apply (as stored or overridden), for custom cells' activations.</summary>
    public string? KerasVersion { get; init; }
    /// <summary>Unsupported features collected during parsing (reported together by the pre-flight check).</summary>
    public List<UnsupportedFeature> Unsupported { get; } = [];

    public void Refuse(string className, string layerName, string? option, string reason) =>
        Unsupported.Add(new UnsupportedFeature(className, layerName, option, reason));
}
