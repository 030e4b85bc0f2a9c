using KerasPort.Formats.Hdf5;
using Newtonsoft.Json.Linq;

namespace KerasPort.Formats;

/// <summary>
/// Entry point of the format layer: turns a model file (and optionally a separate architecture JSON) into a
/// <see cref="KerasFileContent"/>. The format is chosen from the file's leading bytes, never from its extension.
/// </summary>
internal static class ModelFileReader
{
    /// <summary>
    /// Reads <paramref name="path"/>: an HDF5 model or weights file, a <c>.keras</c> zip archive, or an architecture JSON.
    /// When <paramref name="configPath"/> is given it supplies the model config (replacing any the file holds); the Keras
    /// version and backend come from the model file when it records them, otherwise from that JSON.
    /// </summary>
    /// <exception cref="ModelIOException">A file is missing or unreadable.</exception>
    /// <exception cref="NotKerasFileException">A file is not in any Keras format.</exception>
    /// <exception cref="CorruptModelFileException">A file is truncated or structurally broken.</exception>
    /// <exception cref="MissingWeightsException">A listed weight tensor is absent.</exception>
    public static KerasFileContent Read(string path, string? configPath = null)
    {
        var content = FileSignature.Sniff(path) switch
        {
            FileKind.Hdf5 => ReadHdf5(path),
            FileKind.Zip => KerasArchiveReader.Read(path),
            FileKind.Json when configPath is not null =>
                throw new InvalidModelArgumentException($"{path} is an architecture JSON; a separate config '{configPath}' cannot be combined with it (pass a weights file first)"),
            FileKind.Json => ReadJsonConfig(path),
            FileKind.Empty => throw new NotKerasFileException($"{path}: the file is empty"),
            _ => throw new NotKerasFileException(
                $"{path}: not a Keras file: it starts with {FileSignature.DescribeHead(path)}, which is neither HDF5 (89 48 44 46 0D 0A 1A 0A), a zip archive (50 4B 03 04) nor a JSON object"),
        };
        return configPath is null ? content : WithConfig(content, configPath);
    }

    /// <summary>Reads an architecture JSON (<c>model.to_json()</c> output or a Keras 3 <c>config.json</c>) as a config-only content.</summary>
    public static KerasFileContent ReadJsonConfig(string path)
    {
        var kind = FileSignature.Sniff(path);
        if (kind != FileKind.Json)
            throw new NotKerasFileException($"{path}: expected an architecture JSON object, but the file starts with {FileSignature.DescribeHead(path)}");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelIOException($"{path}: cannot read the file: {e.Message}", e);
        }

        JObject json = ModelJson.ParseConfig(path, "the JSON document", text);
        if (!ModelJson.IsModelConfig(json))
            throw new NotKerasFileException($"{path}: this JSON is not a Keras model config: expected top-level 'class_name' (string) and 'config'; found keys [{string.Join(", ", json.Properties().Select(p => p.Name).Take(10))}]");
        return new KerasFileContent
        {
            Path = path,
            Format = ModelFileFormat.JsonConfig,
            KerasVersion = ModelJson.OptionalString(json, "keras_version"),
            Backend = ModelJson.OptionalString(json, "backend"),
            ModelConfig = json,
            Weights = null,
        };
    }

    private static KerasFileContent ReadHdf5(string path)
    {
        using var h5 = Hdf5Image.OpenFile(path);
        return Hdf5ModelReader.Read(path, h5);
    }

    private static KerasFileContent WithConfig(KerasFileContent content, string configPath)
    {
        var architecture = ReadJsonConfig(configPath);
        return new KerasFileContent
        {
            Path = content.Path,
            Format = content.Format,
            KerasVersion = content.KerasVersion ?? architecture.KerasVersion,
            Backend = content.Backend ?? architecture.Backend,
            ModelConfig = architecture.ModelConfig,
            Weights = content.Weights,
        };
    }
}
