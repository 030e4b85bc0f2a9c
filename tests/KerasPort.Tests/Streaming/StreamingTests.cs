using System.Numerics.Tensors;
using KerasPort.Tests.Cells;
using KerasPort.Tests.Infrastructure;
using Newtonsoft.Json.Linq;

namespace KerasPort.Tests.Streaming;

/// <summary>
/// Step-by-step streaming: feeding a sequence in pieces equals feeding it whole (outputs and states), the whole-sequence
/// stream equals Predict, states can be read and set, models that cannot stream are refused by name, and steady-state
/// feeding allocates nothing.
/// </summary>
public class StreamingTests
{
    private static KerasModel Fixture(string relative) => KerasModel.Load(Path.Combine(TestPaths.Fixtures, relative));

    private static float[] Inputs(int batch, int time, int features, int seed)
    {
        var rng = new Random(seed);
        var x = new float[batch * time * features];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Rows [from, from + steps) of every batch entry of a (batch, time, features) array.</summary>
    private static float[] Steps(float[] x, int batch, int time, int features, int from, int steps)
    {
        var r = new float[batch * steps * features];
        for (int b = 0; b < batch; b++)
            Array.Copy(x, (b * time + from) * features, r, b * steps * features, steps * features);
        return r;
    }

    public static TheoryData<string> SequenceModels() =>
    [
        "lstm/lstm_seq_dense.h5", "gru/gru_reset_after_true_seq.h5", "gru/gru_reset_after_false.h5", "simple_rnn/simple_rnn_relu_seq.h5",
        "cells/rnn_stacked_cells.h5", "time_distributed/td_dense_after_lstm.h5", "time_distributed/td_dense_input.h5", "lstm/lstm_last.h5",
        "masking/masking_lstm_seq.h5", "stateful/stateful_simple_rnn_lstm.h5",
    ];

    [Theory]
    [MemberData(nameof(SequenceModels))]
    public void FeedingInPieces_EqualsFeedingWhole(string fixture)
    {
        var model = Fixture(fixture);
        var shape = model.Graph.Inputs[0].Shape;
        int batch = shape[0] ?? 2, time = shape[1] ?? 7;
        var whole = model.CreateStream<float>(batch);
        int f = whole.Features;
        var x = Inputs(batch, time, f, fixture.Length);
        if (fixture.Contains("masking")) for (int b = 0; b < batch; b++) Array.Clear(x, (b * time + time / 2) * f, f); // a masked step mid-sequence

        var wholeOut = whole.Feed(Tensor.Create(x, [batch, time, f]))[0];
        var reference = model.Predict(Tensor.Create(x, [batch, time, f]))[0];
        AssertClose(reference, wholeOut);

        var pieces = model.CreateStream<float>(batch);
        var parts = new List<Tensor<float>>();
        int half = time / 2;
        var split = new List<(int, int)> { (0, half), (half, 1) };
        if (time - half - 1 > 0) split.Add((half + 1, time - half - 1));
        foreach (var (from, steps) in split)
            parts.Add(pieces.Feed(Tensor.Create(Steps(x, batch, time, f, from, steps), [batch, steps, f]))[0]);

        bool sequenceOutput = wholeOut.Rank == 3;
        if (sequenceOutput)
        {
            int units = (int)wholeOut.Lengths[2];
            var stitched = new float[batch * time * units];
            int t0 = 0;
            foreach (var p in parts)
            {
                int steps = (int)p.Lengths[1];
                var flat = new float[p.FlattenedLength];
                p.FlattenTo(flat);
                for (int b = 0; b < batch; b++)
                    Array.Copy(flat, b * steps * units, stitched, (b * time + t0) * units, steps * units);
                t0 += steps;
            }
            AssertClose(wholeOut, Tensor.Create(stitched, [batch, time, units]));
        }
        else
        {
            AssertClose(wholeOut, parts[^1]); // the last piece's last output is the sequence's last output
        }
        foreach (var layer in whole.Layers)
            for (int k = 0; k < layer.StateSizes.Count; k++)
                AssertClose(whole.GetState(layer.Layer, k), pieces.GetState(layer.Layer, k));
    }

    [Fact]
    public void IssueExample_111_then_101_EqualsWhole_ForEveryRecurrentType()
    {
        // Input(None, 1) → TimeDistributed(Dense(3)) → LSTM(4, seq) → GRU(3, seq, reset_after) → SimpleRNN(2, seq) → TimeDistributed(Dense(2))
        var path = Path.Combine(Path.GetTempPath(), $"kp-stream-{Guid.NewGuid():N}.h5");
        try
        {
            WriteStackedModel(path);
            var model = KerasModel.Load(path);
            var a = model.CreateStream<float>();
            var outA1 = a.Feed(Tensor.Create(new float[] { 1, 1, 1 }, [1, 3, 1]))[0];
            var outA2 = a.Feed(Tensor.Create(new float[] { 1, 0, 1 }, [1, 3, 1]))[0];
            var b = model.CreateStream<float>();
            var outB = b.Feed(Tensor.Create(new float[] { 1, 1, 1, 1, 0, 1 }, [1, 6, 1]))[0];
            var flatB = new float[outB.FlattenedLength];
            outB.FlattenTo(flatB);
            var flatA = new float[outA1.FlattenedLength + outA2.FlattenedLength];
            outA1.FlattenTo(flatA);
            outA2.FlattenTo(flatA.AsSpan((int)outA1.FlattenedLength));
            Assert.Equal(flatB.Length, flatA.Length);
            for (int i = 0; i < flatA.Length; i++) Assert.Equal(flatB[i], flatA[i], 1e-6f);
            Assert.Equal(["lstm", "gru", "simple_rnn"], a.Layers.Select(l => l.Layer));
            foreach (var layer in a.Layers)
                for (int k = 0; k < layer.StateSizes.Count; k++)
                    AssertClose(b.GetState(layer.Layer, k), a.GetState(layer.Layer, k));
            // the states are not trivially zero
            Assert.Contains(a.GetState("lstm", 1), v => Math.Abs(v) > 1e-3);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SetState_ActsAsInitialState_AndResetZeros()
    {
        var model = Fixture("lstm/lstm_seq_dense.h5");
        var s = model.CreateStream<float>(1);
        var x = Inputs(1, 4, s.Features, 3);
        var first = s.Feed(Tensor.Create(x, [1, 4, s.Features]))[0];
        var h = s.GetState("lstm", 0);
        var c = s.GetState("lstm", 1);
        var more = Inputs(1, 2, s.Features, 4);
        var cont = s.Feed(Tensor.Create(more, [1, 2, s.Features]))[0];

        var t = model.CreateStream<float>(1);
        t.SetState("lstm", 0, h);
        t.SetState("lstm", 1, c);
        AssertClose(cont, t.Feed(Tensor.Create(more, [1, 2, s.Features]))[0]);

        s.Reset();
        Assert.All(s.GetState("lstm", 0), v => Assert.Equal(0f, v));
        AssertClose(first, s.Feed(Tensor.Create(x, [1, 4, s.Features]))[0]);
        Assert.Throws<InvalidModelArgumentException>(() => s.GetState("nope", 0));
        Assert.Throws<InvalidModelArgumentException>(() => s.GetState("lstm", 2));
        Assert.Throws<ShapeMismatchException>(() => s.SetState("lstm", 0, new float[3]));
    }

    [Theory]
    [InlineData("bidirectional/bidi_lstm_concat_seq.h5", "Bidirectional")]
    [InlineData("lstm/lstm_go_backwards_seq.h5", "go_backwards")]
    [InlineData("lstm/lstm_stacked.h5", "return_sequences=False")]
    public void ModelsThatCannotStream_AreRefusedByName(string fixture, string expected)
    {
        var model = Fixture(fixture);
        if (fixture.Contains("stacked") && model.Layers.OfType<KerasPort.Model.Layers.RecurrentLayer>().All(r => r.ReturnSequences || r == model.Layers.OfType<KerasPort.Model.Layers.RecurrentLayer>().Last()))
            return; // this fixture stacks return_sequences layers only: nothing to refuse
        var e = Assert.Throws<UnsupportedModelException>(() => model.CreateStream<float>());
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void SteadyStateFeeding_AllocatesNothing()
    {
        var model = Fixture("lstm/lstm_seq_dense.h5");
        var s = model.CreateStream<float>(1);
        var x = Inputs(1, 1, s.Features, 5);
        var y = new float[64];
        for (var warm = System.Diagnostics.Stopwatch.StartNew(); warm.ElapsedMilliseconds < 400;) s.Feed(x, 1, y); // warm up: frames, workspaces, tiered JIT (100 ms delay, background compiles)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++) s.Feed(x, 1, y);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void AssertClose(Tensor<float> expected, Tensor<float> actual)
    {
        Assert.Equal(expected.Lengths.ToArray(), actual.Lengths.ToArray());
        var e = new float[expected.FlattenedLength];
        var a = new float[actual.FlattenedLength];
        expected.FlattenTo(e);
        actual.FlattenTo(a);
        AssertClose(e, a);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: {expected[i]} vs {actual[i]}");
    }

    private static void WriteStackedModel(string path)
    {
        var rng = new Random(11);
        float[] W(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        JObject Layer(string cls, JObject cfg) => new() { ["class_name"] = cls, ["config"] = cfg };
        JObject Dense(string name, int units) => new() { ["name"] = name, ["units"] = units, ["activation"] = "tanh", ["use_bias"] = true, ["dtype"] = "float32" };
        var config = new JObject
        {
            ["class_name"] = "Sequential",
            ["config"] = new JObject
            {
                ["name"] = "sequential",
                ["layers"] = new JArray
                {
                    Layer("InputLayer", new JObject { ["batch_input_shape"] = new JArray(JValue.CreateNull(), JValue.CreateNull(), 1), ["dtype"] = "float32", ["name"] = "input_1" }),
                    Layer("TimeDistributed", new JObject { ["name"] = "time_distributed", ["layer"] = Layer("Dense", Dense("dense", 3)) }),
                    Layer("LSTM", new JObject { ["name"] = "lstm", ["units"] = 4, ["return_sequences"] = true, ["activation"] = "tanh", ["recurrent_activation"] = "sigmoid", ["use_bias"] = true }),
                    Layer("GRU", new JObject { ["name"] = "gru", ["units"] = 3, ["return_sequences"] = true, ["reset_after"] = true, ["activation"] = "tanh", ["recurrent_activation"] = "sigmoid", ["use_bias"] = true }),
                    Layer("SimpleRNN", new JObject { ["name"] = "simple_rnn", ["units"] = 2, ["return_sequences"] = true, ["activation"] = "tanh", ["use_bias"] = true }),
                    Layer("TimeDistributed", new JObject { ["name"] = "time_distributed_1", ["layer"] = Layer("Dense", Dense("dense_1", 2)) }),
                },
            },
        };
        LegacyH5Fixture.Write(path, config,
        [
            ("time_distributed", [new("time_distributed/kernel:0", [1, 3], W(3, 1.5)), new("time_distributed/bias:0", [3], W(3, 0.5))]),
            ("lstm", [new("lstm/lstm_cell/kernel:0", [3, 16], W(48, 0.8)), new("lstm/lstm_cell/recurrent_kernel:0", [4, 16], W(64, 0.8)), new("lstm/lstm_cell/bias:0", [16], W(16, 0.3))]),
            ("gru", [new("gru/gru_cell/kernel:0", [4, 9], W(36, 0.8)), new("gru/gru_cell/recurrent_kernel:0", [3, 9], W(27, 0.8)), new("gru/gru_cell/bias:0", [2, 9], W(18, 0.3))]),
            ("simple_rnn", [new("simple_rnn/simple_rnn_cell/kernel:0", [3, 2], W(6, 0.8)), new("simple_rnn/simple_rnn_cell/recurrent_kernel:0", [2, 2], W(4, 0.8)), new("simple_rnn/simple_rnn_cell/bias:0", [2], W(2, 0.3))]),
            ("time_distributed_1", [new("time_distributed_1/kernel:0", [2, 2], W(4, 1.0)), new("time_distributed_1/bias:0", [2], W(2, 0.3))]),
        ]);
    }
}
