using KerasPort.Formats.Arrays;

namespace KerasPort.Cli.Commands;

/// <summary>The array file formats <c>predict</c> reads and writes.</summary>
internal enum TensorFileFormat
{
    /// <summary>NumPy <c>.npy</c>: one array.</summary>
    Npy,
    /// <summary>NumPy <c>.npz</c>: arrays named by model input / output names.</summary>
    Npz,
    /// <summary>JSON tensors: <c>{"inputs": [{"shape": [...], "data": [...]}]}</c> / <c>{"outputs": [...]}</c>, in model order.</summary>
    Json,
}

/// <summary>Reads <c>predict</c>'s inputs (format sniffed from the content, else the extension) and writes its outputs (format from the extension).</summary>
internal static class TensorFiles
{
    private static ReadOnlySpan<byte> NumpyMagic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The format an output path asks for by its extension, or null when it is none of .npy, .npz, .json.</summary>
    public static TensorFileFormat? FromExtension(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".npy" => TensorFileFormat.Npy,
        ".npz" => TensorFileFormat.Npz,
        ".json" => TensorFileFormat.Json,
        _ => null,
    };

    /// <summary>Detects an input file's format from its first bytes (NumPy magic, zip signature, JSON object), falling back to its extension.</summary>
    /// <exception cref="ModelIOException">The file is missing or unreadable.</exception>
    /// <exception cref="InvalidModelArgumentException">The file is none of the three formats.</exception>
    public static TensorFileFormat Sniff(string path)
    {
        if (Directory.Exists(path)) throw new ModelIOException($"{path}: is a directory, not a file");
        if (!File.Exists(path)) throw new ModelIOException($"{path}: file not found");
        var head = new byte[64];
        int n;
        try
        {
            using var stream = File.OpenRead(path);
            n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelIOException($"{path}: cannot read the file: {e.Message}", e);
        }
        var bytes = head.AsSpan(0, n);
        if (bytes.StartsWith(NumpyMagic)) return TensorFileFormat.Npy;
        if (bytes.StartsWith("PK\x03\x04"u8) || bytes.StartsWith("PK\x05\x06"u8)) return TensorFileFormat.Npz;
        var text = bytes.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes;
        int first = text.IndexOfAnyExcept(" \t\r\n"u8);
        if (first >= 0 && text[first] == (byte)'{') return TensorFileFormat.Json;
        return FromExtension(path) ?? throw new InvalidModelArgumentException(
            $"{path}: not a .npy, .npz or JSON tensor file (it does not start with \\x93NUMPY, a zip signature or a JSON object)");
    }

    /// <summary>Reads every array of an input file: the .npy array, the .npz entries, or the JSON <c>inputs</c> list.</summary>
    /// <exception cref="KerasPortException">The file is unreadable or malformed.</exception>
    public static IReadOnlyList<NamedArray> ReadInputs(string path) => Sniff(path) switch
    {
        TensorFileFormat.Npy => [NpyFormat.Read(path)],
        TensorFileFormat.Npz => NpzFormat.Read(path),
        _ => JsonTensorFormat.ReadSection(path, "inputs"),
    };

    /// <summary>
    /// Orders <paramref name="arrays"/> as the model inputs <paramref name="inputNames"/>: by name when every input is named,
    /// else by position when the counts agree and no array name points at another input's position.
    /// </summary>
    /// <exception cref="InvalidModelArgumentException">The arrays cannot be matched to the inputs.</exception>
    public static NamedArray[] MatchInputs(string path, IReadOnlyList<NamedArray> arrays, IReadOnlyList<string> inputNames)
    {
        string inputs = $"{inputNames.Count} input(s) ({string.Join(", ", inputNames)})";
        string held = $"{arrays.Count} array(s) ({string.Join(", ", arrays.Select(a => a.Name))})";
        var duplicate = arrays.GroupBy(a => a.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1 && inputNames.Contains(g.Key));
        if (duplicate is not null)
            throw new InvalidModelArgumentException($"{path}: two arrays are named '{duplicate.Key}'");

        var byName = inputNames.Select(name => arrays.FirstOrDefault(a => a.Name == name)).ToArray();
        if (byName.All(a => a is not null))
        {
            var extra = arrays.Where(a => !inputNames.Contains(a.Name)).Select(a => a.Name).ToList();
            if (extra.Count > 0)
                throw new InvalidModelArgumentException($"{path}: holds arrays [{string.Join(", ", extra)}] besides the model's {inputs}");
            return byName!;
        }
        if (arrays.Count != inputNames.Count)
            throw new InvalidModelArgumentException(
                $"{path}: holds {held} but the model takes {inputs}; give one array per input, named after the inputs or in their order");
        for (int i = 0; i < arrays.Count; i++)
        {
            int named = IndexOf(inputNames, arrays[i].Name);
            if (named >= 0 && named != i)
                throw new InvalidModelArgumentException(
                    $"{path}: array {i} is named '{arrays[i].Name}', which is model input {named}, but not every input is named: name all of {string.Join(", ", inputNames)} or none");
        }
        return arrays.ToArray();
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
            if (names[i] == name) return i;
        return -1;
    }

    /// <summary>Writes the outputs in the format of <paramref name="format"/>: one .npy array, .npz entries by name, or the JSON <c>outputs</c> list.</summary>
    /// <exception cref="KerasPortException">A .npy file was asked for several outputs, or the file cannot be written.</exception>
    public static void WriteOutputs(string path, TensorFileFormat format, IReadOnlyList<NamedArray> outputs)
    {
        switch (format)
        {
            case TensorFileFormat.Npy:
                if (outputs.Count != 1)
                    throw new InvalidModelArgumentException(
                        $"{path}: a .npy file holds one array but the model has {outputs.Count} outputs ({string.Join(", ", outputs.Select(o => o.Name))}); write .npz or .json");
                NpyFormat.Write(path, outputs[0]);
                break;
            case TensorFileFormat.Npz:
                NpzFormat.Write(path, outputs);
                break;
            default:
                JsonTensorFormat.Write(path, "outputs", outputs);
                break;
        }
    }
}
