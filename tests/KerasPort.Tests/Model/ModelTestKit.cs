using KerasPort.Formats;
using KerasPort.Model;
using Newtonsoft.Json.Linq;

namespace KerasPort.Tests.Model;

/// <summary>Builds in-memory file contents (configs written as JSON in the tests, hand-made weights) and loads them.</summary>
internal static class ModelTestKit
{
    /// <summary>A tensor whose values are start, start+1, … (so every element is distinct and traceable).</summary>
    public static WeightTensor Seq(string name, int[] shape, double start = 0)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        return new WeightTensor(name, shape, Enumerable.Range(0, (int)n).Select(i => start + i).ToArray());
    }

    public static KerasModel Load(string configJson, string? kerasVersion, WeightSet? weights, string? backend = "tensorflow", ModelFileFormat format = ModelFileFormat.Hdf5FullModel) =>
        ModelLoader.Build(new KerasFileContent
        {
            Path = "test.h5",
            Format = format,
            KerasVersion = kerasVersion,
            Backend = backend,
            ModelConfig = JObject.Parse(configJson),
            Weights = weights,
        }, null);

    public static LegacyWeightSet Legacy(params (string Layer, WeightTensor[] Tensors)[] layers) => new()
    {
        LayerNames = layers.Select(l => l.Layer).ToList(),
        ByLayer = layers.ToDictionary(l => l.Layer, l => (IReadOnlyList<WeightTensor>)l.Tensors),
    };

    /// <summary>A V3 group: <c>G("layers", G("lstm", G("cell", vars...)))</c>.</summary>
    public static V3WeightGroup G(string name, params object[] items) => new()
    {
        Name = name,
        Vars = items.OfType<WeightTensor>().ToList(),
        Children = items.OfType<V3WeightGroup>().ToDictionary(g => g.Name, g => g),
    };

    public static V3WeightSet V3(params V3WeightGroup[] layerGroups) => new() { Root = G("", G("layers", layerGroups)) };
}
