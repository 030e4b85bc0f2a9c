using System.Numerics.Tensors;
using KerasPort.Tests.Infrastructure;

namespace KerasPort.Tests.Runtime;

/// <summary>The Predict API: allocation-free steady state, thread safety, typed errors for bad inputs, dtype choice.</summary>
public class PredictApiTests
{
    private static KerasModel Load(string relative, ComputeType? type = null) =>
        KerasModel.Load(Path.Combine(TestPaths.Fixtures, relative), new KerasModelLoadOptions { ComputeType = type });

    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [Fact]
    public void SpanPredict_SteadyState_AllocatesNothing()
    {
        var model = Load("lstm/lstm_seq_dense.h5");
        int[] shape = [4, 5, 4];
        var x = Random(4 * 5 * 4, 1);
        var y = new float[4 * 5 * 2];
        for (var warm = System.Diagnostics.Stopwatch.StartNew(); warm.ElapsedMilliseconds < 400;) model.Predict<float>(x, shape, y); // past tiered JIT promotion (100 ms delay, background compiles)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) model.Predict<float>(x, shape, y);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void TensorPredictIntoCallerOutputs_SteadyState_AllocatesNothing()
    {
        var model = Load("functional/func_two_inputs.h5");
        var shapes = model.Graph.Inputs.Select(i => i.Shape.Select(d => d ?? 2).ToArray()).ToArray();
        var inputs = shapes.Select((s, k) => Tensor.Create(Random(s.Aggregate(1, (a, b) => a * b), k), s.Select(d => (nint)d).ToArray())).ToArray();
        var outputs = model.GetOutputShapes(shapes).Select(s => Tensor.Create(new float[s.Aggregate(1, (a, b) => a * b)], s.Select(d => (nint)d).ToArray())).ToArray();
        for (var warm = System.Diagnostics.Stopwatch.StartNew(); warm.ElapsedMilliseconds < 400;) model.Predict<float>(inputs, outputs); // past tiered JIT promotion (100 ms delay, background compiles)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) model.Predict<float>(inputs, outputs);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        var fresh = model.Predict(inputs);
        for (int k = 0; k < fresh.Length; k++)
        {
            var a = new float[fresh[k].FlattenedLength];
            var b = new float[outputs[k].FlattenedLength];
            fresh[k].FlattenTo(a);
            outputs[k].FlattenTo(b);
            Assert.Equal(a, b);
        }
    }

    [Theory]
    [InlineData("bidirectional/bidi_lstm_concat_state.h5")]
    [InlineData("bidirectional/bidi_gru_none_state_seq.h5")]
    public void Bidirectional_SteadyState_AllocatesNothing(string fixture)
    {
        var model = Load(fixture);
        var shapes = model.Graph.Inputs.Select(i => i.Shape.Select(d => d ?? 2).ToArray()).ToArray();
        var inputs = shapes.Select((s, k) => Tensor.Create(Random(s.Aggregate(1, (a, b) => a * b), k), s.Select(d => (nint)d).ToArray())).ToArray();
        var outputs = model.GetOutputShapes(shapes).Select(s => Tensor.Create(new float[s.Aggregate(1, (a, b) => a * b)], s.Select(d => (nint)d).ToArray())).ToArray();
        for (var warm = System.Diagnostics.Stopwatch.StartNew(); warm.ElapsedMilliseconds < 400;) model.Predict<float>(inputs, outputs); // past tiered JIT promotion (100 ms delay, background compiles)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) model.Predict<float>(inputs, outputs);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ConcurrentCallers_GetTheSameResultsAsSerialCalls()
    {
        var model = Load("gru/gru_reset_after_true_seq.h5");
        var shape = model.Graph.Inputs[0].Shape;
        int time = shape[1] ?? 6, features = shape[2]!.Value;
        var inputs = Enumerable.Range(0, 16).Select(i => Random((1 + i % 3) * time * features, i)).ToArray();
        var expected = inputs.Select(x => Flat(model.Predict(Tensor.Create(x, [x.Length / (time * features), time, features]))[0])).ToArray();
        var results = new float[inputs.Length][][];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var x = inputs[i];
            results[i] = Enumerable.Range(0, 20).Select(_ => Flat(model.Predict(Tensor.Create(x, [x.Length / (time * features), time, features]))[0])).ToArray();
        });
        for (int i = 0; i < inputs.Length; i++)
            foreach (var r in results[i]) Assert.Equal(expected[i], r);
    }

    [Fact]
    public void BadInputs_GetTypedErrorsNamingTheInput()
    {
        var model = Load("lstm/lstm_last.h5");
        var e = Assert.Throws<ShapeMismatchException>(() => model.Predict(Tensor.Create(new float[2 * 6 * 7], [2, 6, 7])));
        Assert.Contains(model.InputNames[0], e.Message);
        Assert.Throws<InvalidModelArgumentException>(() => model.Predict<float>());
        Assert.Throws<InvalidModelArgumentException>(() => model.Predict(Tensor.Create(new double[2 * 6 * 3], [2, 6, 3])));
        Assert.Throws<ShapeMismatchException>(() => model.Predict<float>(new float[5], [2, 6, 3], new float[100]));
    }

    /// <summary>
    /// A call whose working buffers would pass .NET's largest array (one row of 2^20 + 1 steps of LSTM(512): a
    /// whole-sequence input projection of 2^31 + 2048 values) is refused with a typed error naming the layer and the
    /// shape, not an <see cref="OverflowException"/>.
    /// </summary>
    [Fact]
    public void OversizedWorkingBuffer_GetsATypedErrorNamingTheLayer()
    {
        const int units = 512, steps = (1 << 20) + 1;
        var config = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, null, 1], "dtype": "float32", "name": "in"}},
              {"class_name": "LSTM", "config": {"name": "long_lstm", "units": 512}}]}}
            """;
        var weights = KerasPort.Tests.Model.ModelTestKit.Legacy(("long_lstm", [
            new KerasPort.Model.WeightTensor("long_lstm/kernel:0", [1, 4 * units], new double[4 * units]),
            new KerasPort.Model.WeightTensor("long_lstm/recurrent_kernel:0", [units, 4 * units], new double[units * 4 * units]),
            new KerasPort.Model.WeightTensor("long_lstm/bias:0", [4 * units], new double[4 * units])]));
        var model = KerasPort.Tests.Model.ModelTestKit.Load(config, "2.4.0", weights);
        var e = Assert.Throws<InvalidModelArgumentException>(() => model.Predict<float>(new float[steps], [1, steps, 1], new float[units]));
        Assert.Contains("long_lstm", e.Message);
        Assert.Contains($"(1, {steps}, 1)", e.Message);
    }

    [Fact]
    public void Float64Compute_OnAFloat32Model_DiffersFromFloat32OnlyByRounding()
    {
        var f32 = Load("lstm/lstm_last.h5");
        var f64 = Load("lstm/lstm_last.h5", ComputeType.Float64);
        Assert.Equal(ComputeType.Float64, f64.ComputeType);
        var x = Random(2 * 6 * 3, 9);
        var a = Flat(f32.Predict(Tensor.Create(x, [2, 6, 3]))[0]);
        var yd = f64.Predict(Tensor.Create(x.Select(v => (double)v).ToArray(), [2, 6, 3]))[0];
        var b = new double[yd.FlattenedLength];
        yd.FlattenTo(b);
        for (int i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 1e-5);
    }

    private static float[] Flat(Tensor<float> t)
    {
        var a = new float[t.FlattenedLength];
        t.FlattenTo(a);
        return a;
    }
}
