using KerasPort.Model;
using Newtonsoft.Json.Linq;
using PureHDF;

namespace KerasPort.Benchmarks.Workloads;

/// <summary>
/// A workload as a Keras model: the tf.keras 2.x <c>model.to_json()</c>-style Sequential config and the weights by
/// layer name, named and shaped the way a tf.keras legacy HDF5 file stores them (<c>lstm/lstm_cell/kernel:0</c>,
/// GRU bias (2, 3·units)). This is what <see cref="Engines.KerasPortEngine"/> hands to KerasPort's public API.
/// </summary>
internal sealed class KerasModelDocument
{
    public required JObject Config { get; init; }
    /// <summary>Layer names in model order (only layers with weights).</summary>
    public required IReadOnlyList<string> LayerNames { get; init; }
    public required IReadOnlyDictionary<string, IReadOnlyList<WeightTensor>> WeightsByLayer { get; init; }

    public string ConfigJson => Config.ToString(Newtonsoft.Json.Formatting.None);

    /// <summary>
    /// Writes the model as a tf.keras 2.x legacy full-model HDF5 file (what <c>model.save("x.h5")</c> writes): root
    /// attributes <c>keras_version</c>, <c>backend</c>, <c>model_config</c>; group <c>model_weights</c> with
    /// <c>layer_names</c>, one group per layer with <c>weight_names</c>, datasets at those relative paths (float32).
    /// </summary>
    public void WriteLegacyH5(string path)
    {
        var modelWeights = new H5Group
        {
            Attributes = new Dictionary<string, object>
            {
                ["layer_names"] = LayerNames.ToArray(), ["backend"] = "tensorflow", ["keras_version"] = "2.15.0",
            },
        };
        foreach (var layer in LayerNames)
        {
            var tensors = WeightsByLayer[layer];
            var group = new H5Group
            {
                Attributes = new Dictionary<string, object> { ["weight_names"] = tensors.Select(t => t.Name).ToArray() },
            };
            foreach (var t in tensors)
            {
                var parts = t.Name.Split('/');
                var parent = group;
                for (int i = 0; i < parts.Length - 1; i++)
                {
                    if (!parent.TryGetValue(parts[i], out var child)) parent[parts[i]] = child = new H5Group();
                    parent = (H5Group)child;
                }
                var values = t.Data.Select(v => (float)v).ToArray(); // exact: the data came from float32
                parent[parts[^1]] = new H5Dataset(values, fileDims: t.Shape.Select(d => (ulong)d).ToArray());
            }
            modelWeights[layer] = group;
        }
        var file = new H5File
        {
            Attributes = new Dictionary<string, object>
            {
                ["keras_version"] = "2.15.0", ["backend"] = "tensorflow", ["model_config"] = ConfigJson,
            },
            ["model_weights"] = modelWeights,
        };
        file.Write(path);
    }

    public static KerasModelDocument From(BenchModel model, int batch)
    {
        var layers = new JArray();
        var weights = new Dictionary<string, IReadOnlyList<WeightTensor>>();
        var names = new List<string>();
        // Streaming (stateful) models need a fixed batch size in Keras; the others leave it open.
        JToken batchDim = model.Streaming ? new JValue(batch) : JValue.CreateNull();
        var inputShape = model.TimeSteps is null
            ? new JArray(batchDim, model.Features)
            : new JArray(batchDim, model.Streaming ? JValue.CreateNull() : new JValue(model.TimeSteps.Value), model.Features);
        layers.Add(new JObject
        {
            ["class_name"] = "InputLayer",
            ["config"] = new JObject
            {
                ["batch_input_shape"] = inputShape, ["dtype"] = "float32", ["sparse"] = false, ["ragged"] = false, ["name"] = "input_1",
            },
        });
        foreach (var layer in model.Layers)
        {
            names.Add(layer.Name);
            switch (layer)
            {
                case LstmLayer l:
                    layers.Add(Layer("LSTM", Recurrent(l.Name, l.Units, l.ReturnSequences, l.Stateful, "tanh", extra: new JObject
                    {
                        ["recurrent_activation"] = "sigmoid", ["unit_forget_bias"] = true, ["implementation"] = 2,
                    })));
                    weights[l.Name] =
                    [
                        W($"{l.Name}/lstm_cell/kernel:0", [l.InputDim, 4 * l.Units], l.Kernel),
                        W($"{l.Name}/lstm_cell/recurrent_kernel:0", [l.Units, 4 * l.Units], l.RecurrentKernel),
                        W($"{l.Name}/lstm_cell/bias:0", [4 * l.Units], l.Bias),
                    ];
                    break;
                case GruLayer g:
                    layers.Add(Layer("GRU", Recurrent(g.Name, g.Units, g.ReturnSequences, false, "tanh", extra: new JObject
                    {
                        ["recurrent_activation"] = "sigmoid", ["reset_after"] = true, ["implementation"] = 2,
                    })));
                    weights[g.Name] =
                    [
                        W($"{g.Name}/gru_cell/kernel:0", [g.InputDim, 3 * g.Units], g.Kernel),
                        W($"{g.Name}/gru_cell/recurrent_kernel:0", [g.Units, 3 * g.Units], g.RecurrentKernel),
                        W($"{g.Name}/gru_cell/bias:0", [2, 3 * g.Units], [.. g.InputBias, .. g.RecurrentBias]),
                    ];
                    break;
                case SimpleRnnLayer s:
                    layers.Add(Layer("SimpleRNN", Recurrent(s.Name, s.Units, s.ReturnSequences, false, "tanh", extra: [])));
                    weights[s.Name] =
                    [
                        W($"{s.Name}/simple_rnn_cell/kernel:0", [s.InputDim, s.Units], s.Kernel),
                        W($"{s.Name}/simple_rnn_cell/recurrent_kernel:0", [s.Units, s.Units], s.RecurrentKernel),
                        W($"{s.Name}/simple_rnn_cell/bias:0", [s.Units], s.Bias),
                    ];
                    break;
                case DenseLayer d:
                {
                    var dense = DenseConfig(d.TimeDistributed ? "dense" : d.Name, d.Units, d.Activation);
                    layers.Add(d.TimeDistributed
                        ? Layer("TimeDistributed", new JObject { ["name"] = d.Name, ["trainable"] = true, ["dtype"] = "float32", ["layer"] = Layer("Dense", dense) })
                        : Layer("Dense", dense));
                    weights[d.Name] =
                    [
                        W($"{d.Name}/kernel:0", [d.InputDim, d.Units], d.Kernel),
                        W($"{d.Name}/bias:0", [d.Units], d.Bias),
                    ];
                    break;
                }
            }
        }
        var config = new JObject
        {
            ["class_name"] = "Sequential",
            ["config"] = new JObject { ["name"] = model.Id.ToString().ToLowerInvariant(), ["layers"] = layers },
            ["keras_version"] = "2.15.0",
            ["backend"] = "tensorflow",
        };
        return new KerasModelDocument { Config = config, LayerNames = names, WeightsByLayer = weights };
    }

    private static JObject Layer(string className, JObject config) => new() { ["class_name"] = className, ["config"] = config };

    private static JObject Recurrent(string name, int units, bool returnSequences, bool stateful, string activation, JObject extra)
    {
        var c = new JObject
        {
            ["name"] = name, ["trainable"] = true, ["dtype"] = "float32",
            ["return_sequences"] = returnSequences, ["return_state"] = false, ["go_backwards"] = false,
            ["stateful"] = stateful, ["unroll"] = false, ["time_major"] = false,
            ["units"] = units, ["activation"] = activation, ["use_bias"] = true,
            ["dropout"] = 0.0, ["recurrent_dropout"] = 0.0,
        };
        c.Merge(extra);
        return c;
    }

    private static JObject DenseConfig(string name, int units, DenseActivation activation) => new()
    {
        ["name"] = name, ["trainable"] = true, ["dtype"] = "float32", ["units"] = units,
        ["activation"] = activation == DenseActivation.Relu ? "relu" : "linear", ["use_bias"] = true,
    };

    private static WeightTensor W(string name, int[] shape, float[] values)
    {
        var data = new double[values.Length];
        for (int i = 0; i < data.Length; i++) data[i] = values[i];
        return new WeightTensor(name, shape, data);
    }
}
