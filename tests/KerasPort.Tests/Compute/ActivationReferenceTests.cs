using KerasPort.Compute;
using KerasPort.Compute.Kernels;

namespace KerasPort.Tests.Compute;

/// <summary>The scalar reference activations against Keras's documented examples and values computed independently
/// (closed forms with System.Math, published constants).</summary>
[Trait("Category", "Kernels")]
public class ActivationReferenceTests
{
    private static double[] Run(Activation a, params double[] x)
    {
        var v = (double[])x.Clone();
        ActivationReference.Apply(a, v.AsSpan(), v.Length);
        return v;
    }

    private static float[] RunF(Activation a, params float[] x)
    {
        var v = (float[])x.Clone();
        ActivationReference.Apply(a, v.AsSpan(), v.Length);
        return v;
    }

    [Fact]
    public void Relu_follows_the_keras_docstring_examples()
    {
        // keras.activations.relu docstring, x = [-10, -5, 0, 5, 10].
        double[] x = [-10, -5, 0, 5, 10];
        Assert.Equal([0, 0, 0, 5, 10], Run(new(ActivationKind.Relu), x));
        Assert.Equal([-5, -2.5, 0, 5, 10], Run(new(ActivationKind.Relu, Alpha: 0.5), x));
        Assert.Equal([0, 0, 0, 5, 5], Run(new(ActivationKind.Relu, MaxValue: 5), x));
        Assert.Equal([-0.0, -0.0, 0, 0, 10], Run(new(ActivationKind.Relu, Threshold: 5), x));
    }

    [Fact]
    public void Relu_parameter_combinations_follow_the_keras_formula()
    {
        // f(x) = max_value for x ≥ max_value, x for threshold < x < max_value, negative_slope·(x − threshold) otherwise.
        var a = new Activation(ActivationKind.Relu, Alpha: 0.5, MaxValue: 4, Threshold: 1);
        Assert.Equal([-5.5, -1.0, 0.0, 2, 4, 4], Run(a, -10, -1, 1, 2, 4, 9));
        // max_value = 6 without threshold takes relu6; a negative slope still applies below 0.
        Assert.Equal([-1.0, 0, 3, 6], Run(new(ActivationKind.Relu, Alpha: 0.25, MaxValue: 6), -4, 0, 3, 8));
        // A negative threshold keeps values in (threshold, 0] (x·[x > threshold] is not clipped at 0 without max_value).
        Assert.Equal([0, -0.5, 2], Run(new(ActivationKind.Relu, Threshold: -1), -3, -0.5, 2));
    }

    [Fact]
    public void Piecewise_linear_functions()
    {
        Assert.Equal([0, 0, 3, 6, 6], Run(new(ActivationKind.Relu6), -1, 0, 3, 6, 7));
        Assert.Equal([0f, 0.5f, 1f, 0f, 1f, 0.2f * 1f + 0.5f], RunF(new(ActivationKind.HardSigmoid), -3f, 0f, 2.5f, -100f, 100f, 1f));
        // Keras 3 hard_sigmoid: 0 for x ≤ −3, 1 for x ≥ 3, x/6 + 1/2 between (documented), computed as relu6(x + 3)/6.
        Assert.Equal([0, 0, 0.5, 4.5 / 6, 1, 1], Run(new(ActivationKind.HardSigmoidKeras3), -4, -3, 0, 1.5, 3, 10));
        // hard_silu: 0 for x < −3, x for x > 3, x(x + 3)/6 between.
        Assert.Equal([-0.0, 1 * 4 / 6.0, 5, -1 * 2 / 6.0], Run(new(ActivationKind.HardSilu), -5, 1, 5, -1));
        Assert.Equal([-0.4f, 3f], RunF(new(ActivationKind.LeakyRelu, Alpha: 0.2), -2f, 3f));
        Assert.Equal([0.5, -0.75, 0], Run(new(ActivationKind.Softsign), 1, -3, 0));
        Assert.Equal([-2.5, 7], Run(Activation.Linear, -2.5, 7));
    }

    [Fact]
    public void Transcendental_functions_at_known_points()
    {
        Assert.Equal(0.5, Run(new(ActivationKind.Sigmoid), 0)[0]);
        Assert.Equal(1 / (1 + Math.Exp(-2.0)), Run(new(ActivationKind.Sigmoid), 2)[0]);
        Assert.Equal(Math.Tanh(0.7), Run(new(ActivationKind.Tanh), 0.7)[0]);
        Assert.Equal(Math.E, Run(new(ActivationKind.Exponential), 1)[0]);
        Assert.Equal(Math.Log(2), Run(new(ActivationKind.Softplus), 0)[0], 1e-16);
        Assert.Equal(100, Run(new(ActivationKind.Softplus), 100)[0]);
        Assert.Equal(Math.Exp(-100), Run(new(ActivationKind.Softplus), -100)[0], 1e-58);
        Assert.Equal(1 / (1 + Math.Exp(-1.0)), Run(new(ActivationKind.Swish), 1)[0], 1e-16);
        Assert.Equal(Math.Tanh(Math.Log(1 + Math.E)), Run(new(ActivationKind.Mish), 1)[0], 1e-16);
        Assert.Equal(Math.Exp(-1) - 1, Run(new(ActivationKind.Elu, Alpha: 1), -1)[0], 1e-16);
        Assert.Equal(0.5 * (Math.Exp(-2) - 1), Run(new(ActivationKind.Elu, Alpha: 0.5), -2)[0], 1e-16);
        Assert.Equal(3, Run(new(ActivationKind.Elu, Alpha: 0.5), 3)[0]);
        // selu constants (Klambauer et al.): scale·x for x > 0, scale·α·(e^x − 1) below.
        Assert.Equal(1.0507009873554805, Run(new(ActivationKind.Selu), 1)[0], 1e-16);
        Assert.Equal(1.0507009873554805 * 1.6732632423543772 * (Math.Exp(-1) - 1), Run(new(ActivationKind.Selu), -1)[0], 1e-15);
    }

    [Fact]
    public void Gelu_exact_is_x_times_the_normal_cdf()
    {
        // Φ(1) = 0.841344746068542948585, Φ(2) = 0.977249868051820792800, Φ(−0.5) = 0.308537538725986896 (tables).
        Assert.Equal(0.841344746068542948585, Run(new(ActivationKind.Gelu), 1)[0], 1e-15);
        Assert.Equal(2 * 0.977249868051820792800, Run(new(ActivationKind.Gelu), 2)[0], 1e-15);
        Assert.Equal(-0.5 * 0.308537538725986896, Run(new(ActivationKind.Gelu), -0.5)[0], 1e-15);
        Assert.Equal(0, Run(new(ActivationKind.Gelu), 0)[0]);
    }

    [Fact]
    public void Gelu_tanh_form()
    {
        foreach (double x in new[] { -3.0, -0.5, 0.3, 1, 2.5 })
        {
            double expected = 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * Math.Pow(x, 3))));
            Assert.Equal(expected, Run(new(ActivationKind.GeluTanh), x)[0], 1e-15);
        }
    }

    [Fact]
    public void Softmax_and_log_softmax_over_rows()
    {
        double s = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        double[] soft = Run(new(ActivationKind.Softmax), 1, 2, 3);
        Assert.Equal(Math.Exp(1) / s, soft[0], 4e-16);
        Assert.Equal(Math.Exp(3) / s, soft[2], 4e-16);
        double[] log = Run(new(ActivationKind.LogSoftmax), 1, 2, 3);
        Assert.Equal(1 - Math.Log(s), log[0], 1e-15);
        // Large logits: the max shift keeps it finite (e^1000 overflows).
        double[] big = Run(new(ActivationKind.Softmax), 1000, 1000);
        Assert.Equal([0.5, 0.5], big);
        var rows = new double[] { 0, 0, 5, 5 };
        ActivationReference.Apply(new Activation(ActivationKind.Softmax), rows.AsSpan(), 2);
        Assert.Equal([0.5, 0.5, 0.5, 0.5], rows);
        Assert.Throws<ArgumentException>(() => ActivationReference.Apply(new Activation(ActivationKind.Softmax), new double[5].AsSpan(), 2));
    }
}
