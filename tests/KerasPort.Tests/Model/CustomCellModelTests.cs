using System.IO.Compression;
using System.Numerics.Tensors;
using KerasPort.Cells;
using KerasPort.Cells.Samples;
using KerasPort.Cli.Commands;
using KerasPort.Model;
using KerasPort.Model.Layers;
using KerasPort.Tests.Cells;
using KerasPort.Tests.Formats;
using Newtonsoft.Json.Linq;
using PureHDF;

namespace KerasPort.Tests.Model;

/// <summary>
/// Model files holding <c>RNN(cell=SLSTMCell(...))</c> — tf.keras 2.x legacy .h5 and Keras 3 .keras archives written here
/// with PureHDF — loaded with <see cref="KerasModel.Load(string, KerasModelLoadOptions?)"/> once the cell is registered, and
/// predicted against the S-LSTM equations evaluated directly in float64 (<see cref="SLstmReference"/>).
/// </summary>
[Trait("Category", "Recurrent")]
public sealed class CustomCellModelTests : IDisposable
{
    // As in SLstmCellTests: the same float64 operations in possibly another summation order, over ≤ 8 contracting steps.
    private const double Float64Tolerance = 1e-12;

    // float32 compute: 2⁻²⁴ ≈ 6e-8 relative per operation, ~20 operations per value and contracting dynamics: below 1e-5.
    private const double Float32Tolerance = 1e-5;

    private readonly TempFiles _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private sealed record SLstmWeights(double[] W, double[] R, double[] B, int N, int U)
    {
        public static SLstmWeights Random(Random rng, int n, int u) =>
            new(CellTestMath.RandomF32(rng, n * 2 * u, 0.8), CellTestMath.RandomF32(rng, u * 2 * u, 0.8), CellTestMath.RandomF32(rng, 2 * u, 0.5), n, u);

        public IReadOnlyList<LegacyH5Fixture.StoredWeight> Stored(string prefix) =>
        [
            new($"{prefix}/kernel:0", [N, 2 * U], F(W)),
            new($"{prefix}/recurrent_kernel:0", [U, 2 * U], F(R)),
            new($"{prefix}/bias:0", [2 * U], F(B)),
        ];
    }

    private static float[] F(double[] v) => v.Select(d => (float)d).ToArray();

    private static string SLstmCellJson(int u, string extra = "") =>
        $$$"""{"class_name": "SLSTMCell", "config": {"name": "slstm_cell", "trainable": true, "dtype": "float32", "units": {{{u}}}, "activation": "tanh", "recurrent_activation": "sigmoid"}{{{extra}}}}""";

    private static JObject SequentialRnn(int time, int n, string cellJson, bool returnSequences = true, bool stateful = false, int? batch = null) => JObject.Parse($$$"""
        {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [{{{(batch is int b ? b.ToString() : "null")}}}, {{{time}}}, {{{n}}}], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_1"}},
          {"class_name": "RNN", "config": {"name": "rnn", "trainable": true, "dtype": "float32", "return_sequences": {{{(returnSequences ? "true" : "false")}}}, "return_state": false,
            "go_backwards": false, "stateful": {{{(stateful ? "true" : "false")}}}, "unroll": false, "time_major": false, "cell": {{{cellJson}}} } } ] } }
        """);

    private string WriteSLstmModel(SLstmWeights w, int time, bool returnSequences = true, bool stateful = false, int? batch = null, string name = "slstm.h5")
    {
        var path = _tmp.PathOf(name);
        LegacyH5Fixture.Write(path, SequentialRnn(time, w.N, SLstmCellJson(w.U), returnSequences, stateful, batch), [("rnn", w.Stored("rnn/slstm_cell"))]);
        return path;
    }

    private static CustomCellRegistry Registry()
    {
        var registry = new CustomCellRegistry();
        SLstmCell.Register(registry);
        return registry;
    }

    private static void AssertAllClose(double[] expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) CellTestMath.AssertClose(expected[i], actual[i], tolerance, $"{what}[{i}]");
    }

    [Fact]
    public void LegacyH5_RnnOfSLstmCell_IsRefusedByNameUntilRegistered_ThenPredictsTheEquations()
    {
        var rng = new Random(42);
        const int n = 3, u = 4, time = 6, batch = 2;
        var w = SLstmWeights.Random(rng, n, u);
        var path = WriteSLstmModel(w, time);

        // not registered: refused in the pre-flight report, by class name, with the way out
        var refused = Assert.Throws<UnsupportedModelException>(() => KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = new CustomCellRegistry() }));
        var feature = Assert.Single(refused.Features);
        Assert.Equal("rnn", feature.LayerName);
        Assert.Contains("'SLSTMCell'", feature.Reason);
        Assert.Contains("CustomCellRegistry.Global.Register(\"SLSTMCell\"", feature.Reason);
        Assert.Contains("KerasModelLoadOptions.CustomCells", feature.Reason);

        var model = KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = Registry(), ComputeType = ComputeType.Float64 });
        var x = CellTestMath.Random(rng, batch * time * n, 1.2);
        var y = model.Predict(Tensor.Create(x, [batch, time, n]))[0];
        Assert.Equal([batch, time, u], y.Lengths.ToArray().Select(l => (int)l));
        var (expected, _, _) = SLstmReference.Run(x, batch, time, n, u, w.W, w.R, w.B, new double[batch * u], new double[batch * u]);
        AssertAllClose(expected, y.ToArray(), Float64Tolerance, "prediction");

        // the default compute type (float32, as saved) tracks the float64 equations
        var model32 = KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = Registry() });
        var y32 = model32.Predict(Tensor.Create(x.Select(v => (float)v).ToArray(), [batch, time, n]))[0].ToArray();
        AssertAllClose(expected, y32.Select(v => (double)v).ToArray(), Float32Tolerance, "float32 prediction");
    }

    [Fact]
    public void LoadedLayer_ExposesTheCell_ItsSizesAndItsWeights_AndInspectListsThem()
    {
        var rng = new Random(3);
        var w = SLstmWeights.Random(rng, 3, 4);
        var path = WriteSLstmModel(w, 5);
        var model = KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = Registry() });
        var layer = Assert.IsType<RecurrentLayer>(model.GetLayer("rnn"));
        var spec = Assert.IsType<CustomRecurrentCell>(layer.Cell);
        Assert.Equal(RecurrentKind.Custom, spec.Kind);
        Assert.IsType<SLstmCell>(spec.Cell);
        Assert.Equal([4, 4], layer.StateSizes);
        Assert.Equal(4, layer.OutputUnits);
        Assert.Equal(3, spec.InputDim);
        Assert.Equal(["kernel", "recurrent_kernel", "bias"], spec.DeclaredWeights.Select(d => d.Name));
        Assert.Equal(["rnn/slstm_cell/kernel:0", "rnn/slstm_cell/recurrent_kernel:0", "rnn/slstm_cell/bias:0"], layer.Weights.Select(t => t.Name));
        Assert.Equal(w.R, spec.DeclaredWeights[1].As<double>().ToArray());
        Assert.Equal(3 * 8 + 4 * 8 + 8, model.TotalParameters);
        Assert.Contains("(None, 5, 4)", model.Summary());

        var json = InspectCommand.ToJson(path, model, gates: true);
        var inspected = (JObject)((JArray)json["layers"]!).Single(l => (string?)l["name"] == "rnn");
        Assert.Equal(["rnn/slstm_cell/kernel:0", "rnn/slstm_cell/recurrent_kernel:0", "rnn/slstm_cell/bias:0"], ((JArray)inspected["weights"]!).Select(t => (string)t["name"]!));
        Assert.Equal([3, 8], ((JArray)inspected["weights"]![0]!["shape"]!).Select(d => (int)d));
        Assert.Equal("Custom", (string?)inspected["gates"]![0]!["kind"]);
        Assert.Empty((JArray)inspected["gates"]![0]!["gates"]!);
    }

    [Fact]
    public void GlobalRegistration_IsUsedWhenTheLoadPassesNone()
    {
        // a class name of its own, so tests running in parallel never see it registered
        const string name = "SLSTMCell_GlobalRegistrationTest";
        var rng = new Random(8);
        var w = SLstmWeights.Random(rng, 2, 3);
        var path = _tmp.PathOf("global.h5");
        LegacyH5Fixture.Write(path, SequentialRnn(4, 2, SLstmCellJson(3).Replace("\"SLSTMCell\"", $"\"{name}\"")), [("rnn", w.Stored("rnn/cell"))]);
        Assert.Throws<UnsupportedModelException>(() => KerasModel.Load(path));
        CustomCellRegistry.Global.Register(name, ctx => new SLstmCell(ctx));
        try
        {
            var model = KerasModel.Load(path, new KerasModelLoadOptions { ComputeType = ComputeType.Float64 });
            var x = CellTestMath.Random(rng, 4 * 2, 1.0);
            var (expected, _, _) = SLstmReference.Run(x, 1, 4, 2, 3, w.W, w.R, w.B, new double[3], new double[3]);
            AssertAllClose(expected, model.Predict(Tensor.Create(x, [1, 4, 2]))[0].ToArray(), Float64Tolerance, "prediction");
        }
        finally
        {
            CustomCellRegistry.Global.Remove(name);
        }
    }

    [Fact]
    public void Functional_Masking_GoBackwards_InitialState_ReturnState()
    {
        var rng = new Random(11);
        const int n = 3, u = 4, time = 7, batch = 3;
        var w = SLstmWeights.Random(rng, n, u);
        var config = JObject.Parse($$$"""
        {"class_name": "Functional", "config": {"name": "model", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, {{{time}}}, {{{n}}}], "dtype": "float32", "name": "x"}, "name": "x", "inbound_nodes": []},
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, {{{u}}}], "dtype": "float32", "name": "h0"}, "name": "h0", "inbound_nodes": []},
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, {{{u}}}], "dtype": "float32", "name": "c0"}, "name": "c0", "inbound_nodes": []},
          {"class_name": "Masking", "config": {"name": "masking", "dtype": "float32", "mask_value": 0.0}, "name": "masking", "inbound_nodes": [[["x", 0, 0, {}]]]},
          {"class_name": "RNN", "config": {"name": "rnn", "dtype": "float32", "return_sequences": true, "return_state": true, "go_backwards": true,
            "stateful": false, "unroll": false, "time_major": false, "cell": {{{SLstmCellJson(u)}}} },
           "name": "rnn", "inbound_nodes": [[["masking", 0, 0, {}], ["h0", 0, 0, {}], ["c0", 0, 0, {}]]]}],
         "input_layers": [["x", 0, 0], ["h0", 0, 0], ["c0", 0, 0]],
         "output_layers": [["rnn", 0, 0], ["rnn", 0, 1], ["rnn", 0, 2]]}}
        """);
        var path = _tmp.PathOf("functional.h5");
        LegacyH5Fixture.Write(path, config, [("x", []), ("h0", []), ("c0", []), ("masking", []), ("rnn", w.Stored("rnn/slstm_cell"))]);
        var model = KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = Registry(), ComputeType = ComputeType.Float64 });

        var x = CellTestMath.Random(rng, batch * time * n, 1.2);
        var mask = new bool[batch * time];
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = i % 3 != 1; // every third step is all zeros: masked
            if (!mask[i]) Array.Clear(x, i * n, n);
        }
        var h0 = CellTestMath.Random(rng, batch * u, 0.5);
        var c0 = CellTestMath.Random(rng, batch * u, 0.5);
        var outputs = model.Predict(Tensor.Create(x, [batch, time, n]), Tensor.Create(h0, [batch, u]), Tensor.Create(c0, [batch, u]));
        var (eSeq, eH, eC) = SLstmReference.Run(x, batch, time, n, u, w.W, w.R, w.B, h0, c0, mask, backwards: true);
        AssertAllClose(eSeq, outputs[0].ToArray(), Float64Tolerance, "sequence");
        AssertAllClose(eH, outputs[1].ToArray(), Float64Tolerance, "h");
        AssertAllClose(eC, outputs[2].ToArray(), Float64Tolerance, "c");
    }

    [Fact]
    public void Bidirectional_OverACustomCell_SplitsWeightsByDirection()
    {
        var rng = new Random(19);
        const int n = 2, u = 3, time = 5, batch = 2;
        var fw = SLstmWeights.Random(rng, n, u);
        var bw = SLstmWeights.Random(rng, n, u);
        var config = JObject.Parse($$$"""
        {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, {{{time}}}, {{{n}}}], "dtype": "float32", "name": "input_1"}},
          {"class_name": "Bidirectional", "config": {"name": "bidirectional", "dtype": "float32", "merge_mode": "concat",
            "layer": {"class_name": "RNN", "config": {"name": "rnn", "dtype": "float32", "return_sequences": true, "return_state": false, "go_backwards": false,
              "stateful": false, "unroll": false, "time_major": false, "cell": {{{SLstmCellJson(u)}}} } } } } ] } }
        """);
        var path = _tmp.PathOf("bidi.h5");
        LegacyH5Fixture.Write(path, config, [("bidirectional", [.. fw.Stored("bidirectional/forward_rnn/slstm_cell"), .. bw.Stored("bidirectional/backward_rnn/slstm_cell")])]);
        var model = KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = Registry(), ComputeType = ComputeType.Float64 });
        var x = CellTestMath.Random(rng, batch * time * n, 1.0);
        var y = model.Predict(Tensor.Create(x, [batch, time, n]))[0].ToArray();
        var (eF, _, _) = SLstmReference.Run(x, batch, time, n, u, fw.W, fw.R, fw.B, new double[batch * u], new double[batch * u]);
        var (eB, _, _) = SLstmReference.Run(x, batch, time, n, u, bw.W, bw.R, bw.B, new double[batch * u], new double[batch * u], backwards: true);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < time; t++)
                for (int j = 0; j < u; j++)
                {
                    CellTestMath.AssertClose(eF[(b * time + t) * u + j], y[(b * time + t) * 2 * u + j], Float64Tolerance, $"forward[{b}, {t}, {j}]");
                    // Bidirectional flips the backward sequence back to time order
                    CellTestMath.AssertClose(eB[(b * time + time - 1 - t) * u + j], y[(b * time + t) * 2 * u + u + j], Float64Tolerance, $"backward[{b}, {t}, {j}]");
                }
    }

    [Fact]
    public void Stateful_CarriesStatesAcrossCalls_UntilReset()
    {
        var rng = new Random(12);
        const int n = 2, u = 3, time = 4, batch = 2;
        var w = SLstmWeights.Random(rng, n, u);
        var path = WriteSLstmModel(w, time, stateful: true, batch: batch);
        var model = KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = Registry(), ComputeType = ComputeType.Float64 });
        Assert.True(model.IsStateful);
        var x1 = CellTestMath.Random(rng, batch * time * n, 1.0);
        var x2 = CellTestMath.Random(rng, batch * time * n, 1.0);
        var (e1, h1, c1) = SLstmReference.Run(x1, batch, time, n, u, w.W, w.R, w.B, new double[batch * u], new double[batch * u]);
        var (e2, _, _) = SLstmReference.Run(x2, batch, time, n, u, w.W, w.R, w.B, h1, c1);
        AssertAllClose(e1, model.Predict(Tensor.Create(x1, [batch, time, n]))[0].ToArray(), Float64Tolerance, "call 1");
        AssertAllClose(e2, model.Predict(Tensor.Create(x2, [batch, time, n]))[0].ToArray(), Float64Tolerance, "call 2 (continued)");
        model.ResetStates();
        var (fresh, _, _) = SLstmReference.Run(x2, batch, time, n, u, w.W, w.R, w.B, new double[batch * u], new double[batch * u]);
        AssertAllClose(fresh, model.Predict(Tensor.Create(x2, [batch, time, n]))[0].ToArray(), Float64Tolerance, "after reset");
    }

    /// <summary>One LSTM step written out (Keras 2 gate order i, f, c, o; sigmoid/tanh) for the stacked-cells test.</summary>
    private static (double[] H, double[] C) LstmStep(double[] x, double[] h, double[] c, double[] W, double[] U, double[] b, int n, int u)
    {
        var hn = new double[u];
        var cn = new double[u];
        for (int j = 0; j < u; j++)
        {
            var z = new double[4];
            for (int g = 0; g < 4; g++)
            {
                z[g] = b[g * u + j];
                for (int m = 0; m < n; m++) z[g] += x[m] * W[m * 4 * u + g * u + j];
                for (int k = 0; k < u; k++) z[g] += h[k] * U[k * 4 * u + g * u + j];
            }
            double i = CellTestMath.Sigmoid(z[0]), f = CellTestMath.Sigmoid(z[1]), o = CellTestMath.Sigmoid(z[3]);
            cn[j] = f * c[j] + i * Math.Tanh(z[2]);
            hn[j] = o * Math.Tanh(cn[j]);
        }
        return (hn, cn);
    }

    [Fact]
    public void StackedRnnCells_MixingACustomCellWithLstmCell_BindsByPositionAndPredicts()
    {
        var rng = new Random(13);
        const int n = 3, u1 = 4, u2 = 2, time = 5, batch = 2;
        var s = SLstmWeights.Random(rng, n, u1);
        double[] lw = CellTestMath.RandomF32(rng, u1 * 4 * u2, 0.7), lu = CellTestMath.RandomF32(rng, u2 * 4 * u2, 0.7), lb = CellTestMath.RandomF32(rng, 4 * u2, 0.3);
        var cell = $$$"""
            {"class_name": "StackedRNNCells", "config": {"name": "stacked_rnn_cells", "trainable": true, "dtype": "float32", "cells": [
              {{{SLstmCellJson(u1)}}},
              {"class_name": "LSTMCell", "config": {"name": "lstm_cell", "trainable": true, "dtype": "float32", "units": {{{u2}}}, "activation": "tanh",
                "recurrent_activation": "sigmoid", "use_bias": true, "unit_forget_bias": true, "implementation": 2}}]}}
            """;
        var path = _tmp.PathOf("stacked.h5");
        LegacyH5Fixture.Write(path, SequentialRnn(time, n, cell),
            [("rnn", [.. s.Stored("rnn/stacked_rnn_cells/slstm_cell"),
                new("rnn/stacked_rnn_cells/lstm_cell/kernel:0", [u1, 4 * u2], F(lw)),
                new("rnn/stacked_rnn_cells/lstm_cell/recurrent_kernel:0", [u2, 4 * u2], F(lu)),
                new("rnn/stacked_rnn_cells/lstm_cell/bias:0", [4 * u2], F(lb))])]);
        var model = KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = Registry(), ComputeType = ComputeType.Float64 });
        var layer = (RecurrentLayer)model.GetLayer("rnn");
        Assert.Equal([u1, u1, u2, u2], layer.StateSizes);
        Assert.Equal(u2, layer.OutputUnits);

        var x = CellTestMath.Random(rng, batch * time * n, 1.2);
        var y = model.Predict(Tensor.Create(x, [batch, time, n]))[0].ToArray();
        for (int b = 0; b < batch; b++)
        {
            double[] h1 = new double[u1], c1 = new double[u1], h2 = new double[u2], c2 = new double[u2];
            for (int t = 0; t < time; t++)
            {
                var xt = x.AsSpan((b * time + t) * n, n).ToArray();
                (h1, c1) = SLstmReference.Step(xt, h1, c1, s.W, s.R, s.B, n, u1);
                (h2, c2) = LstmStep(h1, h2, c2, lw, lu, lb, u1, u2);
                for (int j = 0; j < u2; j++) CellTestMath.AssertClose(h2[j], y[(b * time + t) * u2 + j], Float64Tolerance, $"y[{b}, {t}, {j}]");
            }
        }
    }

    [Fact]
    public void Keras3Archive_RegisteredName_CellVarsByPosition()
    {
        var rng = new Random(14);
        const int n = 3, u = 2, time = 4, batch = 2;
        var w = SLstmWeights.Random(rng, n, u);
        const string policy = """{"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}""";
        var config = $$$"""
        {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": true, "dtype": {{{policy}}}, "layers": [
          {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, {{{time}}}, {{{n}}}], "dtype": "float32", "sparse": false, "name": "input_layer"}, "registered_name": null},
          {"module": "keras.layers", "class_name": "RNN", "config": {"name": "rnn", "trainable": true, "dtype": {{{policy}}}, "return_sequences": true, "return_state": false,
            "go_backwards": false, "stateful": false, "unroll": false, "zero_output_for_mask": false,
            "cell": {"module": "my_package.cells", "class_name": "SLSTMCell", "config": {"name": "slstm_cell", "trainable": true, "dtype": {{{policy}}}, "units": {{{u}}},
              "activation": "tanh", "recurrent_activation": {"module": "keras.activations", "class_name": "function", "config": "sigmoid", "registered_name": null}},
              "registered_name": "my_package>SLSTMCell", "build_config": {"input_shape": [null, {{{n}}}]} } },
           "registered_name": null, "build_config": {"input_shape": [null, {{{time}}}, {{{n}}}]}}],
         "build_input_shape": [null, {{{time}}}, {{{n}}}]}, "registered_name": null, "build_config": {"input_shape": [null, {{{time}}}, {{{n}}}]}}
        """;
        static H5Group Vars(params H5Dataset[] values)
        {
            var g = new H5Group();
            for (int i = 0; i < values.Length; i++) g[i.ToString()] = values[i];
            return g;
        }
        var weights = new H5File
        {
            ["layers"] = new H5Group
            {
                ["rnn"] = new H5Group
                {
                    ["vars"] = Vars(),
                    ["cell"] = new H5Group { ["vars"] = Vars(H5Write.F32([n, 2 * u], F(w.W)), H5Write.F32([u, 2 * u], F(w.R)), H5Write.F32([2 * u], F(w.B))) },
                },
            },
            ["vars"] = Vars(),
        };
        byte[] weightBytes;
        using (var ms = new MemoryStream())
        {
            weights.Write(ms);
            weightBytes = ms.ToArray();
        }
        var path = _tmp.PathOf("slstm.keras");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var (entry, data) in new[]
            {
                ("metadata.json", System.Text.Encoding.UTF8.GetBytes("""{"keras_version": "3.8.0", "date_saved": "2025-01-01@00:00:00"}""")),
                ("config.json", System.Text.Encoding.UTF8.GetBytes(config)),
                ("model.weights.h5", weightBytes),
            })
            {
                using var stream = zip.CreateEntry(entry).Open();
                stream.Write(data);
            }
        }

        var x = CellTestMath.Random(rng, batch * time * n, 1.0);
        var (expected, _, _) = SLstmReference.Run(x, batch, time, n, u, w.W, w.R, w.B, new double[batch * u], new double[batch * u]);
        // registered under the Keras 3 registered_name, or under the bare class name: both resolve
        foreach (var registry in new[] { new CustomCellRegistry().Register("my_package>SLSTMCell", c => new SLstmCell(c)), Registry() })
        {
            var model = KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = registry, ComputeType = ComputeType.Float64 });
            var spec = (CustomRecurrentCell)((RecurrentLayer)model.GetLayer("rnn")).Cell!;
            Assert.Equal("my_package>SLSTMCell", spec.RegisteredName);
            AssertAllClose(expected, model.Predict(Tensor.Create(x, [batch, time, n]))[0].ToArray(), Float64Tolerance, "prediction");
        }
        var refused = Assert.Throws<UnsupportedModelException>(() => KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = new CustomCellRegistry() }));
        Assert.Contains("my_package>SLSTMCell", refused.Message);
    }

    [Fact]
    public void Keras2PackagedClassName_ResolvesByItsBareName()
    {
        // tf.keras 2 writes class_name "package>Name" for classes registered with register_keras_serializable(package=...)
        var rng = new Random(15);
        var w = SLstmWeights.Random(rng, 2, 2);
        var path = _tmp.PathOf("packaged.h5");
        LegacyH5Fixture.Write(path, SequentialRnn(3, 2, SLstmCellJson(2).Replace("\"SLSTMCell\"", "\"Custom>SLSTMCell\"")), [("rnn", w.Stored("rnn/slstm_cell"))]);
        var model = KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = Registry(), ComputeType = ComputeType.Float64 });
        var x = CellTestMath.Random(rng, 3 * 2, 1.0);
        var (expected, _, _) = SLstmReference.Run(x, 1, 3, 2, 2, w.W, w.R, w.B, new double[2], new double[2]);
        AssertAllClose(expected, model.Predict(Tensor.Create(x, [1, 3, 2]))[0].ToArray(), Float64Tolerance, "prediction");
    }

    [Fact]
    public void StoredShapeDiffersFromWhatTheCellDeclares_IsShapeMismatchNamingFileLayerAndWeight()
    {
        var rng = new Random(16);
        var w = SLstmWeights.Random(rng, 3, 4);
        var path = _tmp.PathOf("bad.h5");
        // the config says units=2, the stored weights are for units=4
        LegacyH5Fixture.Write(path, SequentialRnn(5, 3, SLstmCellJson(2)), [("rnn", w.Stored("rnn/slstm_cell"))]);
        var e = Assert.Throws<ShapeMismatchException>(() => KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = Registry() }));
        Assert.Contains("bad.h5", e.Message);
        Assert.Contains("layer 'rnn'", e.Message);
        Assert.Contains("rnn/slstm_cell/kernel:0", e.Message);
        Assert.Contains("(3, 8)", e.Message);
        Assert.Contains("(3, 4)", e.Message);
    }

    [Fact]
    public void MissingStoredWeight_IsMissingWeights()
    {
        var rng = new Random(17);
        var w = SLstmWeights.Random(rng, 3, 4);
        var path = _tmp.PathOf("missing.h5");
        LegacyH5Fixture.Write(path, SequentialRnn(5, 3, SLstmCellJson(4)), [("rnn", w.Stored("rnn/slstm_cell").Take(2).ToList())]);
        var e = Assert.Throws<MissingWeightsException>(() => KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = Registry() }));
        Assert.Contains("missing: 'bias'", e.Message);
    }

    [Fact]
    public void FactoryFailure_AndInvalidDeclarations_AreTypedAndNameTheLayer()
    {
        var rng = new Random(18);
        var w = SLstmWeights.Random(rng, 3, 4);
        var path = WriteSLstmModel(w, 5);
        var throwing = new CustomCellRegistry().Register("SLSTMCell", _ => throw new InvalidOperationException("boom"));
        var e = Assert.Throws<InvalidModelArgumentException>(() => KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = throwing }));
        Assert.Contains("layer 'rnn'", e.Message);
        Assert.Contains("boom", e.Message);
        var badConfig = new CustomCellRegistry().Register("SLSTMCell", ctx => { ctx.GetInt("no_such_entry"); return null!; });
        var c = Assert.Throws<CorruptModelFileException>(() => KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = badConfig }));
        Assert.Contains("no_such_entry", c.Message);
    }

    [Fact]
    public void WeightlessHenonCell_RunsThroughKerasModel_BitExact()
    {
        const int time = 300;
        var path = _tmp.PathOf("henon.h5");
        var cell = """{"class_name": "HenonCell", "config": {"name": "henon_cell", "a": 1.4, "b": 0.3}}""";
        LegacyH5Fixture.Write(path, SequentialRnn(time, 1, cell), [("rnn", [])]);
        var registry = new CustomCellRegistry();
        HenonCell.Register(registry);
        var model = KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = registry, ComputeType = ComputeType.Float64 });
        Assert.Empty(model.GetLayer("rnn").Weights);
        var y = model.Predict(Tensor.Create(new double[time], [1, time, 1]))[0].ToArray();
        double px = 0, py = 0;
        for (int t = 0; t < time; t++)
        {
            double nx = 1 - 1.4 * px * px + py, ny = 0.3 * px;
            (px, py) = (nx, ny);
            Assert.Equal(px, y[2 * t]);
            Assert.Equal(py, y[2 * t + 1]);
        }
    }
}
