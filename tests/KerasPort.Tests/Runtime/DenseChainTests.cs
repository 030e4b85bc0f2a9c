using KerasPort.Compute;
using KerasPort.Compute.Kernels;
using KerasPort.Model;
using KerasPort.Tests.Model;

namespace KerasPort.Tests.Runtime;

/// <summary>
/// Consecutive Dense layers of a few rows, each large enough to be split by column panels, run as one two-thread job
/// (<see cref="ParallelGemm.TryMultiplyActivateChain{T}"/> from the execution plan): the model's output must be the
/// layer-by-layer product bit for bit, match a float64 evaluation of the same weights, and allocate nothing in steady state.
/// </summary>
public class DenseChainTests
{
    private const int In = 256, Hidden = 512, Out = 10;

    [Fact]
    public void Dense_chain_gives_the_layer_by_layer_result()
    {
        var rng = new Random(21);
        double[] Weights(int n, double scale) => Enumerable.Range(0, n).Select(_ => (double)(float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        double[] k1 = Weights(In * Hidden, 0.1), b1 = Weights(Hidden, 0.5), k2 = Weights(Hidden * Hidden, 0.07), b2 = Weights(Hidden, 0.5);
        double[] k3 = Weights(Hidden * Out, 0.1), b3 = Weights(Out, 0.5);
        const string config = """
        {"class_name": "Sequential", "config": {"name": "mlp", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 256], "dtype": "float32", "name": "x"}},
          {"class_name": "Dense", "config": {"name": "dense", "units": 512, "activation": "relu", "use_bias": true}},
          {"class_name": "Dense", "config": {"name": "dense_1", "units": 512, "activation": "relu", "use_bias": true}},
          {"class_name": "Dense", "config": {"name": "dense_2", "units": 10, "activation": "linear", "use_bias": true}}]}}
        """;
        var model = ModelTestKit.Load(config, "2.11.0", ModelTestKit.Legacy(
            ("dense", [new WeightTensor("dense/kernel:0", [In, Hidden], k1), new WeightTensor("dense/bias:0", [Hidden], b1)]),
            ("dense_1", [new WeightTensor("dense_1/kernel:0", [Hidden, Hidden], k2), new WeightTensor("dense_1/bias:0", [Hidden], b2)]),
            ("dense_2", [new WeightTensor("dense_2/kernel:0", [Hidden, Out], k3), new WeightTensor("dense_2/bias:0", [Out], b3)])));

        foreach (int batch in (ReadOnlySpan<int>)[1, 3])
        {
            var x = Enumerable.Range(0, batch * In).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var y = new float[batch * Out];
            model.Predict<float>(x, [batch, In], y);

            // layer by layer on one thread, the same packed kernels and activations
            float[] F(double[] v) => v.Select(d => (float)d).ToArray();
            var relu = new Activation(ActivationKind.Relu);
            var h1 = new float[batch * Hidden];
            var h2 = new float[batch * Hidden];
            var expected = new float[batch * Out];
            Gemm.Multiply(batch, x, In, PackedMatrix<float>.Pack(F(k1), In, Hidden), h1, Hidden, F(b1));
            ActivationFunctions.Apply(relu, h1.AsSpan(), Hidden);
            Gemm.Multiply(batch, h1, Hidden, PackedMatrix<float>.Pack(F(k2), Hidden, Hidden), h2, Hidden, F(b2));
            ActivationFunctions.Apply(relu, h2.AsSpan(), Hidden);
            Gemm.Multiply(batch, h2, Hidden, PackedMatrix<float>.Pack(F(k3), Hidden, Out), expected, Out, F(b3));
            Assert.Equal(expected, y);

            // and the same weights in float64
            for (int r = 0; r < batch; r++)
            {
                double[] a1 = Layer(x.AsSpan(r * In, In).ToArray().Select(v => (double)v).ToArray(), k1, b1, Hidden, relu: true);
                double[] a2 = Layer(a1, k2, b2, Hidden, relu: true);
                double[] a3 = Layer(a2, k3, b3, Out, relu: false);
                for (int j = 0; j < Out; j++) Assert.Equal(a3[j], y[r * Out + j], 1e-4);
            }

            for (int i = 0; i < 200; i++) model.Predict<float>(x, [batch, In], y); // past the JIT's tier-up
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++) model.Predict<float>(x, [batch, In], y);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(expected, y);
        }
    }

    private static double[] Layer(double[] x, double[] kernel, double[] bias, int units, bool relu)
    {
        var y = new double[units];
        for (int j = 0; j < units; j++)
        {
            double s = bias[j];
            for (int p = 0; p < x.Length; p++) s += x[p] * kernel[p * units + j];
            y[j] = relu ? Math.Max(0, s) : s;
        }
        return y;
    }
}
