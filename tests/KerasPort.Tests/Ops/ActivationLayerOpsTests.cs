using System.Numerics;
using KerasPort.Compute.Ops;

namespace KerasPort.Tests.Ops;

public class ActivationLayerOpsTests
{
    private static readonly double[] Xs = [-3, -1, -0.5, 0, 0.5, 1, 2, 7];

    [Fact]
    public void ReLU_Options()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var y = new T[Xs.Length];
            ActivationLayerOps.ReLU(H.A<T>(Xs), y, null, 0, 0);
            H.Exact([0, 0, 0, 0, 0.5, 1, 2, 7], y);
            ActivationLayerOps.ReLU(H.A<T>(Xs), y, 6, 0, 0);
            H.Exact([0, 0, 0, 0, 0.5, 1, 2, 6], y);
            ActivationLayerOps.ReLU(H.A<T>(Xs), y, 1.5, 0, 0);
            H.Exact([0, 0, 0, 0, 0.5, 1, 1.5, 1.5], y);
            // threshold 1, no slope: x * (x > 1)
            ActivationLayerOps.ReLU(H.A<T>(Xs), y, null, 0, 1);
            H.Exact([0, 0, 0, 0, 0, 0, 2, 7], y);
            // threshold 1, slope 0.5, max 5: x <= 1 -> 0.5 * (x - 1); above -> min(x, 5)
            ActivationLayerOps.ReLU(H.A<T>(Xs), y, 5, 0.5, 1);
            H.Exact([0.5 * (-3 - 1), 0.5 * (-1 - 1), 0.5 * (-0.5 - 1), 0.5 * (0 - 1), 0.5 * (0.5 - 1), 0.5 * (1 - 1), 2, 5], y);
            // slope 0.25 with max 6 (not the leaky shortcut): x < 0 -> 0.25 x
            ActivationLayerOps.ReLU(H.A<T>(Xs), y, 6, 0.25, 0);
            H.Exact([-0.75, -0.25, -0.125, 0, 0.5, 1, 2, 6], y);
            // slope only: the leaky shortcut
            ActivationLayerOps.ReLU(H.A<T>(Xs), y, null, 0.25, 0);
            H.Exact([-0.75, -0.25, -0.125, 0, 0.5, 1, 2, 7], y);
        }
    }

    [Fact]
    public void LeakyReLU_SlopeIsAFloat32Attribute()
    {
        var yf = new float[Xs.Length];
        ActivationLayerOps.LeakyReLU(Xs.Select(v => (float)v).ToArray(), yf, 0.3);
        Assert.Equal(Xs.Select(v => v > 0 ? (float)v : (float)v * 0.3f).ToArray(), yf);

        var yd = new double[Xs.Length];
        ActivationLayerOps.LeakyReLU(Xs, yd, 0.3);
        double a = (float)0.3; // 0.30000001192092896: TensorFlow's leaky_relu takes alpha as a float attribute
        Assert.Equal(Xs.Select(v => v > 0 ? v : v * a).ToArray(), yd);
        Assert.NotEqual(-3 * 0.3, yd[0]);
    }

    [Fact]
    public void ELU_ExpMinusOne_TimesAlpha()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var y = new T[Xs.Length];
            ActivationLayerOps.ELU(H.A<T>(Xs), y, 1.0);
            H.Close(Xs.Select(v => v > 0 ? v : Math.Exp(v) - 1).ToArray(), y);
            ActivationLayerOps.ELU(H.A<T>(Xs), y, 0.5);
            H.Close(Xs.Select(v => v > 0 ? v : 0.5 * (Math.Exp(v) - 1)).ToArray(), y);
        }
    }

    [Fact]
    public void ThresholdedReLU_MultipliesByTheIndicator()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var y = new T[4];
            ActivationLayerOps.ThresholdedReLU(H.A<T>(0.5, 1, 1.5, double.NegativeInfinity), y, 1.0);
            H.Exact([0, 0, 1.5, double.NaN], y); // -inf * 0 = NaN, as x * cast(x > theta) in TensorFlow
        }
    }

    [Fact]
    public void PReLU_SharedAxesBroadcastAlpha()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // input (2, 3, 2), shared_axes [1]: alpha shape (1, 2), one slope per feature.
            var x = H.A<T>(-1, -1, 2, -2, -3, 3, /* b1 */ 4, -4, -5, -6, 1, 1);
            var y = new T[12];
            ActivationLayerOps.PReLU("prelu", x, [2, 3, 2], H.A<T>(0.5, 0.25), [1], y);
            H.Exact([-0.5, -0.25, 2, -0.5, -1.5, 3, 4, -1, -2.5, -1.5, 1, 1], y);

            // no shared axes: alpha (3, 2), one slope per element of a sample
            var alpha = H.A<T>(1, 2, 3, 4, 5, 6);
            ActivationLayerOps.PReLU("prelu", x, [2, 3, 2], alpha, ReadOnlySpan<int>.Empty, y);
            H.Exact([-1, -2, 2, -8, -15, 3, 4, -8, -15, -24, 1, 1], y);

            // shared_axes [2]: alpha shape (3, 1), one slope per step i shared by both features.
            ActivationLayerOps.PReLU("prelu", x, [2, 3, 2], H.A<T>(0.5, 2, 4), [2], y);
            H.Exact([-0.5, -0.5, 2, -4, -12, 3, /* b1 */ 4, -2, -10, -12, 1, 1], y);

            var ex = Assert.Throws<ShapeMismatchException>(() => ActivationLayerOps.PReLU("prelu_2", x, [2, 3, 2], H.A<T>(1, 2, 3), [1], y));
            Assert.Contains("prelu_2", ex.Message);
        }
    }

    [Fact]
    public void Softmax_AnyAxis()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // (2, 3, 2), softmax over axis 1: groups (b, ·, j)
            var xt = H.A<T>(H.Rand(12, 21));
            var x = H.D(xt);
            var expected = new double[12];
            var expectedLog = new double[12];
            for (int b = 0; b < 2; b++)
            for (int j = 0; j < 2; j++)
            {
                double s = 0;
                for (int i = 0; i < 3; i++) s += Math.Exp(x[(b * 3 + i) * 2 + j]);
                for (int i = 0; i < 3; i++)
                {
                    expected[(b * 3 + i) * 2 + j] = Math.Exp(x[(b * 3 + i) * 2 + j]) / s;
                    expectedLog[(b * 3 + i) * 2 + j] = x[(b * 3 + i) * 2 + j] - Math.Log(s);
                }
            }
            var y = new T[12];
            ActivationLayerOps.Softmax("s", xt, [2, 3, 2], 1, y);
            H.Close(expected, y);
            ActivationLayerOps.Softmax("s", xt, [2, 3, 2], -2, y);
            H.Close(expected, y);
            ActivationLayerOps.LogSoftmax("s", xt, [2, 3, 2], 1, y);
            H.Close(expectedLog, y, H.Tol<T>() * 2);

            // axes (1, 2): one distribution per batch over 6 values (Keras: exp(x - logsumexp))
            var expected12 = new double[12];
            for (int b = 0; b < 2; b++)
            {
                double s = 0;
                for (int k = 0; k < 6; k++) s += Math.Exp(x[b * 6 + k]);
                for (int k = 0; k < 6; k++) expected12[b * 6 + k] = Math.Exp(x[b * 6 + k]) / s;
            }
            ActivationLayerOps.Softmax("s", xt, [2, 3, 2], [1, 2], ReadOnlySpan<bool>.Empty, false, y);
            H.Close(expected12, y, H.Tol<T>() * 4); // exp of (x − lse) amplifies the rounding of lse by |x − lse|
        }
    }

    [Fact]
    public void Softmax_MaskedPositionsGetALargeNegative()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // the tf.keras docstring example: [1, 2, 1] with mask [T, F, T] -> [0.5, 0, 0.5]
            var y = new T[3];
            bool[] mask = [true, false, true];
            ActivationLayerOps.Softmax("s", H.A<T>(1, 2, 1), [1, 3], [-1], mask, false, y);
            H.Exact([0.5, 0, 0.5], y);
            ActivationLayerOps.Softmax("s", H.A<T>(1, 2, 1), [1, 3], [-1], mask, true, y);
            H.Exact([0.5, 0, 0.5], y);

            // all masked: x - 1e9. In float32, 1 - 1e9 and 2 - 1e9 both round to -1e9 (spacing 64): uniform.
            // In float64 the differences survive: softmax([1, 2, 1]). With robust masking: uniform in both.
            ActivationLayerOps.Softmax("s", H.A<T>(1, 2, 1), [1, 3], [-1], new bool[3], false, y);
            double e = Math.E;
            if (typeof(T) == typeof(float)) H.Close([1 / 3.0, 1 / 3.0, 1 / 3.0], y);
            else H.Close([1 / (2 + e), e / (2 + e), 1 / (2 + e)], y); // 1 − 1e9 and 2 − 1e9 are exact in float64
            ActivationLayerOps.Softmax("s", H.A<T>(1, 2, 1), [1, 3], [-1], new bool[3], true, y);
            H.Close([1 / 3.0, 1 / 3.0, 1 / 3.0], y);
        }
    }

    [Fact]
    public void Softmax_BadArgumentsThrow()
    {
        Assert.Throws<InvalidModelArgumentException>(() => ActivationLayerOps.Softmax("s", new float[6], [2, 3], 2, new float[6]));
        Assert.Throws<ShapeMismatchException>(() => ActivationLayerOps.Softmax("s", new float[6], [2, 3], [-1], new bool[3], false, new float[6]));
        Assert.Throws<ShapeMismatchException>(() => ActivationLayerOps.Softmax("s", new float[5], [2, 3], -1, new float[6]));
        Assert.Throws<ShapeMismatchException>(() => ActivationLayerOps.ReLU(new float[5], new float[6], null, 0, 0));
    }
}
