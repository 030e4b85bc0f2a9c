using System.Diagnostics;
using KerasPort.Formats;
using KerasPort.Model;
using KerasPort.Model.Layers;
using KerasPort.Tests.Formats;
using KerasPort.Tests.Infrastructure;
using Xunit.Abstractions;

namespace KerasPort.Tests.Model;

/// <summary>Loads every model file of the shared corpus (skipped when the corpus is absent).</summary>
public class CorpusModelTests(ITestOutputHelper output)
{
    /// <summary>Layer classes outside KerasPort's scope: a refusal must name only these (or the options listed below).</summary>
    private static readonly HashSet<string> OutOfScopeClasses =
    [
        "ConvLSTM2D", "Conv2D", "Convolution2D", "Conv3D", "SeparableConv2D", "MaxPooling2D", "MaxPooling3D", "UpSampling2D",
        "ZeroPadding2D", "Cropping2D", "Cropping3D", "LocallyConnected2D", "SpatialDropout2D", "SpatialDropout3D",
        "GlobalMaxPooling2D", "GlobalAveragePooling2D", "Lambda", "TensorFlowOpLayer", "Attention", "ThresholdedReLU",
        "Bidirectional", // only as "Bidirectional over ConvLSTM2D"
    ];

    /// <summary>Options refused on purpose: Conv1D channels_first; uint16 inputs are accepted.</summary>
    private static readonly HashSet<string> OutOfScopeOptions = ["data_format"];

    // Keras 3 .weights.h5 without config in the corpus (INDEX: "(no config)"): LSTM(4) on 1 feature, then Dense(1),
    // as the stored shapes layers/lstm/cell/vars (1,16),(4,16),(16,) and layers/dense/vars (4,1),(1,) show.
    private const string IwangArchitecture = """
    {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": [
      {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, null, 1], "dtype": "float32", "name": "input_layer"}, "registered_name": null},
      {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "lstm", "units": 4}, "registered_name": null},
      {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 1}, "registered_name": null}]}, "registered_name": null}
    """;

    [Fact]
    public void Every_corpus_model_loads_or_is_refused_for_an_out_of_scope_layer()
    {
        var root = TestPaths.Corpus;
        if (root is null)
        {
            output.WriteLine("shared corpus absent: skipped");
            return;
        }
        var index = CorpusIndex.Load(root);
        var rows = index.Rows.Values.Where(r => !CorpusIndex.IsReferenceFile(r.RelativePath) && File.Exists(index.Full(r.RelativePath))).ToList();
        Assert.NotEmpty(rows);
        int loaded = 0;
        var refused = new Dictionary<string, int>();
        var failures = new List<string>();
        (string File, double Ms, long Bytes) largest = ("", 0, -1);
        foreach (var row in rows)
        {
            var path = index.Full(row.RelativePath);
            var config = row.SidecarConfig is null ? null : Path.Combine(Path.GetDirectoryName(path)!, row.SidecarConfig);
            var sw = Stopwatch.StartNew();
            try
            {
                KerasModel model;
                if (config is not null) model = KerasModel.Load(path, config);
                else if (row.RelativePath.EndsWith("lstm_model.weights.h5", StringComparison.Ordinal)) model = KerasModel.FromConfig(IwangArchitecture, path);
                else model = KerasModel.Load(path);
                sw.Stop();
                CheckParameters(model, path, failures);
                loaded++;
            }
            catch (UnsupportedModelException e)
            {
                var bad = e.Features.Where(f => !(f.Option is null ? OutOfScopeClasses.Contains(f.ClassName) : OutOfScopeOptions.Contains(f.Option))).ToList();
                if (bad.Count > 0) failures.Add($"{row.RelativePath}: refused for in-scope feature(s): {string.Join("; ", bad)}");
                foreach (var key in e.Features.Select(f => f.Option is null ? f.ClassName : $"{f.ClassName}.{f.Option}").Distinct())
                    refused[key] = refused.GetValueOrDefault(key) + 1;
                refused["(files refused)"] = refused.GetValueOrDefault("(files refused)") + 1;
            }
            catch (Exception e)
            {
                failures.Add($"{row.RelativePath}: {e.GetType().Name}: {e.Message}");
            }
            long bytes = new FileInfo(path).Length;
            if (bytes > largest.Bytes) largest = (row.RelativePath, sw.Elapsed.TotalMilliseconds, bytes);
        }
        output.WriteLine($"{rows.Count} model files: {loaded} loaded, {refused.GetValueOrDefault("(files refused)")} refused");
        foreach (var (k, n) in refused.OrderByDescending(p => p.Value)) output.WriteLine($"  {n,4}  {k}");
        output.WriteLine($"largest: {largest.File} ({largest.Bytes:N0} bytes) loaded in {largest.Ms:F1} ms");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(loaded > rows.Count / 2, $"only {loaded} of {rows.Count} loaded");
    }

    /// <summary>
    /// Parameter counts: (1) the model's total equals the element count of every weight the file stores (read
    /// independently through the format reader), and (2) each recurrent/dense layer's count equals Keras's formula.
    /// </summary>
    private static void CheckParameters(KerasModel model, string path, List<string> failures)
    {
        if (model.HasWeights && model.Format is ModelFileFormat.Hdf5FullModel or ModelFileFormat.Hdf5Weights)
        {
            var content = ModelFileReader.Read(path);
            long stored = content.Weights is LegacyWeightSet l ? l.LayerNames.Sum(n => l.ByLayer[n].Sum(t => (long)t.Data.Length)) : -1;
            if (stored != model.TotalParameters) failures.Add($"{path}: total params {model.TotalParameters} but the file stores {stored} weight values");
        }
        foreach (var layer in model.Layers)
        {
            long? expected = Formula(layer);
            if (expected is long e && e != layer.ParameterCount)
                failures.Add($"{path}: layer {layer.Name} ({layer.StoredClassName}) has {layer.ParameterCount} params; Keras's formula gives {e}");
        }
    }

    private static long? Formula(Layer layer)
    {
        if (!layer.IsBuiltWithWeights()) return null;
        switch (layer)
        {
            case RecurrentLayer r when r.Cell is { } c && c.InputDim is int i:
                long u = c.Units;
                return c switch
                {
                    LstmCell lc => 4 * (i * u + u * u) + (lc.UseBias ? (lc.IsCudnn ? 8 : 4) * u : 0),
                    GruCell gc => 3 * (i * u + u * u) + (gc.UseBias ? (gc.ResetAfter ? 6 : 3) * u : 0),
                    _ => i * u + u * u + (c.UseBias ? u : 0),
                };
            case BidirectionalLayer b:
                return Formula(b.Forward) + Formula(b.Backward);
            case DenseLayer d when d.InputDim is int di:
                return (long)di * d.Units + (d.UseBias ? d.Units : 0);
            case EmbeddingLayer e:
                return (long)e.InputDim * e.OutputDim;
            default:
                return null;
        }
    }
}

internal static class LayerTestExtensions
{
    public static bool IsBuiltWithWeights(this Layer layer) => layer.Weights.Count > 0;
}
