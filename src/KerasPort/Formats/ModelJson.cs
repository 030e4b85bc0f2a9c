using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace KerasPort.Formats;

/// <summary>Parses the JSON documents Keras writes (model configs, metadata) without reinterpreting their values.</summary>
internal static class ModelJson
{
    private static readonly JsonLoadSettings LoadSettings = new()
    {
        CommentHandling = CommentHandling.Ignore,
        DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Replace,
        LineInfoHandling = LineInfoHandling.Load,
    };

    /// <summary>Parses <paramref name="text"/> as a JSON object. Strings that look like dates stay strings; numbers are parsed as double or integer as written.</summary>
    /// <exception cref="JsonException">The text is not a JSON object.</exception>
    public static JObject ParseObject(string text)
    {
        using var reader = new JsonTextReader(new StringReader(text))
        {
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Double,
            MaxDepth = 256,
        };
        var token = JToken.ReadFrom(reader, LoadSettings);
        while (reader.Read())
        {
            if (reader.TokenType != JsonToken.Comment)
                throw new JsonReaderException($"unexpected content after the JSON value at line {reader.LineNumber}, position {reader.LinePosition}");
        }
        return token as JObject ?? throw new JsonReaderException($"expected a JSON object, found {token.Type}");
    }

    /// <summary>Parses a model config stored in <paramref name="source"/>, reporting failures as <see cref="CorruptModelFileException"/> naming <paramref name="file"/>.</summary>
    public static JObject ParseConfig(string file, string source, string text)
    {
        try
        {
            return ParseObject(text);
        }
        catch (JsonException e)
        {
            throw new CorruptModelFileException($"{file}: {source} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Whether <paramref name="obj"/> looks like a serialized Keras model or layer (<c>class_name</c> and <c>config</c>).</summary>
    public static bool IsModelConfig(JObject obj) =>
        obj["class_name"]?.Type == JTokenType.String && obj["config"] is JObject or JArray;

    /// <summary>A string member, or null when absent or not a string.</summary>
    public static string? OptionalString(JObject obj, string name) =>
        obj[name] is JValue { Type: JTokenType.String } v ? (string?)v : null;
}
