using KerasPort.Model;
using Newtonsoft.Json.Linq;
using PureHDF;

namespace KerasPort.Tests.Cells;

/// <summary>
/// Writes and reads the tf.keras 2.x legacy full-model .h5 layout (root attrs keras_version / backend / model_config,
/// /model_weights with layer_names, each layer group with weight_names and its datasets at the nested weight paths).
/// Test-side only: it stands in for the model loader until <c>KerasModel.Load</c> is merged, and reads datasets
/// through weight_names exactly as a loader must.
/// </summary>
internal static class LegacyH5Fixture
{
    public sealed record StoredWeight(string Name, int[] Shape, float[] Values);

    public static void Write(string path, JObject modelConfig, IReadOnlyList<(string Layer, IReadOnlyList<StoredWeight> Weights)> layers,
        string kerasVersion = "2.15.0")
    {
        var modelWeights = new H5Group
        {
            Attributes = new Dictionary<string, object>
            {
                ["layer_names"] = layers.Select(l => l.Layer).ToArray(),
                ["backend"] = "tensorflow",
                ["keras_version"] = kerasVersion,
            },
        };
        foreach (var (layer, weights) in layers)
        {
            var group = new H5Group
            {
                Attributes = new Dictionary<string, object>
                {
                    ["weight_names"] = weights.Count == 0 ? (object)Array.Empty<double>() : weights.Select(w => w.Name).ToArray(),
                },
            };
            foreach (var w in weights)
            {
                // "rnn/slstm_cell/kernel:0" → nested groups rnn / slstm_cell, dataset "kernel:0"
                var parts = w.Name.Split('/');
                var parent = group;
                for (int i = 0; i < parts.Length - 1; i++)
                {
                    if (!parent.TryGetValue(parts[i], out var child)) parent[parts[i]] = child = new H5Group();
                    parent = (H5Group)child;
                }
                parent[parts[^1]] = new H5Dataset(Shaped(w), fileDims: w.Shape.Select(d => (ulong)d).ToArray());
            }
            modelWeights[layer] = group;
        }
        var file = new H5File
        {
            Attributes = new Dictionary<string, object>
            {
                ["keras_version"] = kerasVersion,
                ["backend"] = "tensorflow",
                ["model_config"] = modelConfig.ToString(Newtonsoft.Json.Formatting.None),
            },
            ["model_weights"] = modelWeights,
        };
        file.Write(path);
    }

    private static float[] Shaped(StoredWeight w)
    {
        long n = 1;
        foreach (var d in w.Shape) n *= d;
        if (n != w.Values.Length) throw new ArgumentException($"{w.Name}: {w.Values.Length} values for shape [{string.Join(",", w.Shape)}]");
        return w.Values;
    }

    public sealed record Content(JObject ModelConfig, string KerasVersion, IReadOnlyDictionary<string, IReadOnlyList<WeightTensor>> Weights);

    public static Content Read(string path)
    {
        var file = H5File.OpenRead(path);
        try
        {
            string version = file.Attribute("keras_version").Read<string>();
            var config = JObject.Parse(file.Attribute("model_config").Read<string>());
            var mw = file.Group("model_weights");
            var layers = new Dictionary<string, IReadOnlyList<WeightTensor>>();
            foreach (var layer in mw.Attribute("layer_names").Read<string[]>())
            {
                var group = mw.Group(layer);
                var namesAttr = group.Attribute("weight_names");
                var names = namesAttr.Type.Class is H5DataTypeClass.String or H5DataTypeClass.VariableLength ? namesAttr.Read<string[]>() : [];
                var list = new List<WeightTensor>();
                foreach (var name in names)
                {
                    var ds = group.Dataset(name);
                    var shape = ds.Space.Dimensions.Select(d => (int)d).ToArray();
                    var data = ds.Read<float[]>().Select(v => (double)v).ToArray();
                    list.Add(new WeightTensor(name, shape, data));
                }
                layers[layer] = list;
            }
            return new Content(config, version, layers);
        }
        finally
        {
            file.Dispose();
        }
    }
}
