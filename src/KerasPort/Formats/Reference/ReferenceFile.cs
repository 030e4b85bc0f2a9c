using System.Globalization;
using KerasPort.Formats.Arrays;
using KerasPort.Formats.Hdf5;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using PureHDF;

namespace KerasPort.Formats.Reference;

/// <summary>
/// Reference data for parity checks: DL4J's <c>*_inputs_and_outputs.h5</c> files and KerasPort's exporter files (same layout).
/// Root attributes <c>inputs</c>/<c>outputs</c> hold JSON such as <c>{"inputs": ["lstm_1_input"]}</c>; groups <c>inputs/&lt;name&gt;</c>,
/// <c>predictions/&lt;output&gt;</c> (Keras <c>model.predict</c>) and <c>activations/&lt;layer&gt;</c>. The exporter adds root attributes
/// <c>dtype</c> and <c>source</c>, and for stateful models <c>calls/&lt;k&gt;/inputs</c> and <c>calls/&lt;k&gt;/predictions</c>, run in order
/// without resetting state. <c>outputs/</c> (training targets) and <c>scores/</c> are not read.
/// </summary>
internal sealed class ReferenceFile
{
    /// <summary>The path as given.</summary>
    public required string Path { get; init; }

    /// <summary>The root <c>dtype</c> attribute (<c>float32</c>/<c>float64</c>) of exporter files; null for DL4J files.</summary>
    public string? DType { get; init; }

    /// <summary>The root <c>source</c> attribute of exporter files, when present.</summary>
    public string? Source { get; init; }

    /// <summary>The model input names, in the order of the root <c>inputs</c> attribute (or storage order without it).</summary>
    public required IReadOnlyList<string> InputNames { get; init; }

    /// <summary>The output names, in the order of the root <c>outputs</c> attribute (or storage order without it).</summary>
    public required IReadOnlyList<string> OutputNames { get; init; }

    /// <summary>The inputs, ordered as <see cref="InputNames"/>; empty when the file only has <see cref="Calls"/>.</summary>
    public required IReadOnlyList<NamedArray> Inputs { get; init; }

    /// <summary>Keras's predictions, ordered as <see cref="OutputNames"/>; empty when the file has none.</summary>
    public required IReadOnlyList<NamedArray> Predictions { get; init; }

    /// <summary>Every layer's Keras output, by layer name; empty when the file has none.</summary>
    public required IReadOnlyDictionary<string, NamedArray> Activations { get; init; }

    /// <summary>Stateful sequences: calls to run in order on one model without resetting state; empty for stateless files.</summary>
    public required IReadOnlyList<ReferenceCall> Calls { get; init; }

    /// <summary>Whether the file holds any Keras predictions to compare against.</summary>
    public bool HasPredictions => Predictions.Count > 0 || Calls.Count > 0;

    /// <summary>Reads a reference file.</summary>
    /// <exception cref="ModelIOException">The file is missing or unreadable.</exception>
    /// <exception cref="NotKerasFileException">The file is not HDF5 or has no reference data.</exception>
    /// <exception cref="CorruptModelFileException">The file is broken or its groups disagree with its attributes.</exception>
    public static ReferenceFile Read(string path)
    {
        var kind = FileSignature.Sniff(path);
        if (kind != FileKind.Hdf5)
            throw new NotKerasFileException($"{path}: a reference file must be HDF5, but the file starts with {FileSignature.DescribeHead(path)}");

        using var h5 = Hdf5Image.OpenFile(path);
        var root = h5.Root;
        var inputsGroup = h5.TryGet(root, "/", "inputs") as IH5Group;
        var callsGroup = h5.TryGet(root, "/", "calls") as IH5Group;
        if (inputsGroup is null && callsGroup is null)
            throw new NotKerasFileException($"{path}: not a reference file: it has neither an 'inputs' nor a 'calls' group");

        var declaredInputs = ReadNameAttribute(h5, "inputs");
        var declaredOutputs = ReadNameAttribute(h5, "outputs");

        var inputs = inputsGroup is null ? [] : ReadOrdered(h5, inputsGroup, "/inputs", declaredInputs);
        var predictionsGroup = h5.TryGet(root, "/", "predictions") as IH5Group;
        var predictions = predictionsGroup is null ? [] : ReadOrdered(h5, predictionsGroup, "/predictions", declaredOutputs);

        var activations = new Dictionary<string, NamedArray>(StringComparer.Ordinal);
        if (h5.TryGet(root, "/", "activations") is IH5Group activationsGroup)
            foreach (var a in ReadOrdered(h5, activationsGroup, "/activations", null)) activations[a.Name] = a;

        var calls = callsGroup is null ? [] : ReadCalls(h5, callsGroup, declaredInputs, declaredOutputs);

        return new ReferenceFile
        {
            Path = path,
            DType = h5.ReadStringAttribute(root, "/", "dtype"),
            Source = h5.ReadStringAttribute(root, "/", "source"),
            InputNames = declaredInputs ?? (inputs.Count > 0 ? inputs.Select(a => a.Name).ToList() : calls.FirstOrDefault()?.Inputs.Select(a => a.Name).ToList() ?? []),
            OutputNames = declaredOutputs ?? (predictions.Count > 0 ? predictions.Select(a => a.Name).ToList() : calls.FirstOrDefault()?.Predictions.Select(a => a.Name).ToList() ?? []),
            Inputs = inputs,
            Predictions = predictions,
            Activations = activations,
            Calls = calls,
        };
    }

    /// <summary>
    /// Reads the root attribute <paramref name="name"/>: a JSON string such as <c>{"inputs": ["a", "b"]}</c> or <c>["a", "b"]</c>,
    /// or a plain array of strings. Null when absent.
    /// </summary>
    private static List<string>? ReadNameAttribute(Hdf5Image h5, string name)
    {
        var list = h5.ReadNameList(h5.Root, "/", name);
        if (list is null) return null;
        if (list.Count != 1 || !list[0].TrimStart().StartsWith('{') && !list[0].TrimStart().StartsWith('['))
            return list.ToList();

        JToken json;
        try
        {
            json = JToken.Parse(list[0]);
        }
        catch (JsonException e)
        {
            throw new CorruptModelFileException($"{h5.DisplayName}: the root attribute '{name}' is not valid JSON: {e.Message}", e);
        }
        var names = json is JObject obj ? obj[name] ?? (obj.Count == 1 ? obj.Properties().First().Value : null) : json;
        if (names is not JArray array || array.Any(t => t.Type != JTokenType.String))
            throw new CorruptModelFileException($"{h5.DisplayName}: the root attribute '{name}' should list names like {{\"{name}\": [\"…\"]}}, found {list[0]}");
        return array.Select(t => (string)t!).ToList();
    }

    /// <summary>Reads the datasets of <paramref name="group"/>: the declared names first, in order (each must exist), then any others in storage order.</summary>
    private static List<NamedArray> ReadOrdered(Hdf5Image h5, IH5Group group, string location, IReadOnlyList<string>? declared)
    {
        var members = h5.Children(group, location).OfType<IH5Dataset>().ToDictionary(d => d.Name, StringComparer.Ordinal);
        var order = new List<string>();
        if (declared is not null)
        {
            foreach (var name in declared)
            {
                if (!members.ContainsKey(name))
                    throw new CorruptModelFileException($"{h5.DisplayName}: the root attributes name '{name}' but there is no dataset {location}/{name} (found [{string.Join(", ", members.Keys)}])");
                order.Add(name);
            }
        }
        order.AddRange(members.Keys.Where(k => !order.Contains(k)));
        return order.Select(name =>
        {
            var (shape, data, dtype) = h5.ReadNumeric(members[name], $"{location}/{name}");
            return new NamedArray(name, shape, data, dtype);
        }).ToList();
    }

    private static List<ReferenceCall> ReadCalls(Hdf5Image h5, IH5Group calls, IReadOnlyList<string>? declaredInputs, IReadOnlyList<string>? declaredOutputs)
    {
        var indexed = new List<(int Index, IH5Group Group)>();
        foreach (var member in h5.Children(calls, "/calls"))
        {
            if (member is not IH5Group g || !int.TryParse(member.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int k))
                throw new CorruptModelFileException($"{h5.DisplayName}: /calls/{member.Name} is not a call group (expected groups 0, 1, 2, …)");
            indexed.Add((k, g));
        }
        indexed.Sort((a, b) => a.Index.CompareTo(b.Index));
        var result = new List<ReferenceCall>(indexed.Count);
        for (int i = 0; i < indexed.Count; i++)
        {
            if (indexed[i].Index != i)
                throw new CorruptModelFileException($"{h5.DisplayName}: /calls holds calls [{string.Join(", ", indexed.Select(c => c.Index))}]: call {i} is missing");
            string location = $"/calls/{i}";
            var group = indexed[i].Group;
            if (h5.TryGet(group, location, "inputs") is not IH5Group callInputs)
                throw new CorruptModelFileException($"{h5.DisplayName}: {location} has no 'inputs' group");
            var callPredictions = h5.TryGet(group, location, "predictions") as IH5Group;
            result.Add(new ReferenceCall
            {
                Index = i,
                Inputs = ReadOrdered(h5, callInputs, location + "/inputs", declaredInputs),
                Predictions = callPredictions is null ? [] : ReadOrdered(h5, callPredictions, location + "/predictions", declaredOutputs),
            });
        }
        return result;
    }
}

/// <summary>One call of a stateful reference sequence.</summary>
internal sealed class ReferenceCall
{
    /// <summary>The call's position (0, 1, …).</summary>
    public required int Index { get; init; }

    /// <summary>The inputs of this call, ordered as the file's input names.</summary>
    public required IReadOnlyList<NamedArray> Inputs { get; init; }

    /// <summary>Keras's predictions after this call, ordered as the file's output names.</summary>
    public required IReadOnlyList<NamedArray> Predictions { get; init; }
}
