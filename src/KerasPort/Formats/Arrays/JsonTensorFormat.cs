using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace KerasPort.Formats.Arrays;

/// <summary>
/// The JSON tensor format: <c>{"inputs": [{"shape": [2, 3], "data": [...]}, …]}</c> (or <c>"outputs"</c>). Each tensor may also carry
/// <c>name</c> and <c>dtype</c>; <c>data</c> is row-major, flat or nested. Without <c>dtype</c> values are float64, as written.
/// </summary>
internal static class JsonTensorFormat
{
    /// <summary>Reads every section of the document (e.g. <c>inputs</c> and <c>outputs</c>), by key.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<NamedArray>> Read(string path)
    {
        var text = ArrayFiles.ReadAllText(path);
        JObject root;
        try
        {
            root = ModelJson.ParseObject(text);
        }
        catch (JsonException e)
        {
            throw new CorruptModelFileException($"{path}: not valid JSON: {e.Message}", e);
        }

        var sections = new Dictionary<string, IReadOnlyList<NamedArray>>(StringComparer.Ordinal);
        foreach (var property in root.Properties())
        {
            if (property.Value is not JArray list)
                throw new InvalidModelArgumentException($"{path}: '{property.Name}' should be a list of tensors ({{\"shape\": [...], \"data\": [...]}}), found {property.Value.Type}");
            sections[property.Name] = list.Select((t, i) => ReadTensor(path, property.Name, i, t)).ToList();
        }
        return sections;
    }

    /// <summary>Reads the section <paramref name="key"/> (e.g. <c>inputs</c>); a document without it is an argument error.</summary>
    public static IReadOnlyList<NamedArray> ReadSection(string path, string key)
    {
        var sections = Read(path);
        return sections.TryGetValue(key, out var arrays)
            ? arrays
            : throw new InvalidModelArgumentException($"{path}: the JSON has no '{key}' list (found [{string.Join(", ", sections.Keys)}])");
    }

    private static NamedArray ReadTensor(string path, string key, int index, JToken token)
    {
        string where = $"{path}: {key}[{index}]";
        if (token is not JObject obj)
            throw new InvalidModelArgumentException($"{where} should be an object with 'shape' and 'data', found {token.Type}");
        string name = obj["name"] is JValue { Type: JTokenType.String } n ? (string)n! : $"{key}[{index}]";
        string dtype = obj["dtype"] is JValue { Type: JTokenType.String } d ? (string)d! : "float64";
        if (dtype is not ("float32" or "float64"))
            throw new InvalidModelArgumentException($"{where}: dtype '{dtype}' is not supported; expected float32 or float64");

        if (obj["data"] is not JToken dataToken)
            throw new InvalidModelArgumentException($"{where} has no 'data'");
        var values = new List<double>();
        var nestedShape = new List<int>();
        Flatten(where, dataToken, 0, nestedShape, values);
        bool nested = dataToken is JArray arr && arr.Count > 0 && arr[0] is JArray;

        int[] shape;
        if (obj["shape"] is JArray shapeArray)
        {
            shape = new int[shapeArray.Count];
            for (int i = 0; i < shape.Length; i++)
            {
                if (shapeArray[i].Type != JTokenType.Integer || (long)shapeArray[i] < 0 || (long)shapeArray[i] > int.MaxValue)
                    throw new InvalidModelArgumentException($"{where}: shape {shapeArray.ToString(Formatting.None)} is not a list of non-negative integers");
                shape[i] = (int)shapeArray[i];
            }
            if (nested && !shape.SequenceEqual(nestedShape))
                throw new ShapeMismatchException($"{where}: 'shape' [{string.Join(", ", shape)}] differs from the nesting of 'data' [{string.Join(", ", nestedShape)}]");
        }
        else if (obj["shape"] is null)
        {
            shape = nestedShape.ToArray();
        }
        else
        {
            throw new InvalidModelArgumentException($"{where}: 'shape' should be a list of integers");
        }

        long count = 1;
        foreach (var dim in shape) count *= dim;
        if (count != values.Count)
            throw new ShapeMismatchException($"{where}: shape [{string.Join(", ", shape)}] holds {count} values but 'data' has {values.Count}");
        var data = values.ToArray();
        if (dtype == "float32")
            for (int i = 0; i < data.Length; i++) data[i] = (float)data[i];
        return new NamedArray(name, shape, data, dtype);
    }

    /// <summary>Flattens (possibly nested) <paramref name="token"/>, recording the nesting in <paramref name="shape"/> and checking it is rectangular.</summary>
    private static void Flatten(string where, JToken token, int depth, List<int> shape, List<double> values)
    {
        if (token is JArray array)
        {
            if (shape.Count == depth) shape.Add(array.Count);
            else if (shape[depth] != array.Count)
                throw new ShapeMismatchException($"{where}: 'data' is ragged: a list at depth {depth} has {array.Count} items where another has {shape[depth]}");
            foreach (var item in array) Flatten(where, item, depth + 1, shape, values);
            return;
        }
        if (shape.Count > depth)
            throw new ShapeMismatchException($"{where}: 'data' is ragged: a number sits where a list of {shape[depth]} was expected");
        values.Add(token.Type switch
        {
            JTokenType.Float or JTokenType.Integer => (double)token,
            JTokenType.String when double.TryParse((string)token!, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
            JTokenType.String when (string)token! is "NaN" or "Infinity" or "-Infinity" => double.Parse((string)token!, CultureInfo.InvariantCulture),
            _ => throw new InvalidModelArgumentException($"{where}: 'data' holds {token.Type} ({token.ToString(Formatting.None)}) where a number was expected"),
        });
    }

    /// <summary>Writes <paramref name="arrays"/> as the section <paramref name="key"/> (e.g. <c>outputs</c>).</summary>
    public static void Write(string path, string key, IReadOnlyList<NamedArray> arrays) =>
        ArrayFiles.WriteAllText(path, Serialize(new Dictionary<string, IReadOnlyList<NamedArray>> { [key] = arrays }));

    /// <summary>
    /// Serializes sections to JSON. Each tensor carries <c>name</c>, <c>dtype</c>, <c>shape</c> and flat <c>data</c>; float32 values are written
    /// in their shortest float32 round-trip form, float64 in the shortest float64 form. NaN and infinities are written as Python's json does.
    /// </summary>
    public static string Serialize(IReadOnlyDictionary<string, IReadOnlyList<NamedArray>> sections)
    {
        using var sw = new StringWriter(CultureInfo.InvariantCulture);
        using (var w = new JsonTextWriter(sw) { Formatting = Formatting.None, FloatFormatHandling = FloatFormatHandling.Symbol })
        {
            w.WriteStartObject();
            foreach (var (key, arrays) in sections)
            {
                w.WritePropertyName(key);
                w.WriteStartArray();
                foreach (var a in arrays)
                {
                    bool single = a.DType == "float32";
                    if (!single && a.DType != "float64")
                        throw new InvalidModelArgumentException($"array '{a.Name}': dtype '{a.DType}' cannot be written as JSON tensor; expected float32 or float64");
                    w.WriteStartObject();
                    w.WritePropertyName("name");
                    w.WriteValue(a.Name);
                    w.WritePropertyName("dtype");
                    w.WriteValue(a.DType);
                    w.WritePropertyName("shape");
                    w.WriteStartArray();
                    foreach (var d in a.Shape) w.WriteValue(d);
                    w.WriteEndArray();
                    w.WritePropertyName("data");
                    w.WriteStartArray();
                    foreach (var v in a.Data)
                    {
                        if (single) w.WriteValue((float)v);
                        else w.WriteValue(v);
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return sw.ToString();
    }
}
