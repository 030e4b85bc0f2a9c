using System.Numerics;
using KerasPort.Compute.Ops;

namespace KerasPort.Tests.Ops;

public class NormalizationOpsTests
{
    [Fact]
    public void BatchNormalization_LastAxis_TextbookFormula()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // (2, 3) input, 3 channels.
            double[] x = [1, 2, 3, -1, 0.5, 4];
            double[] gamma = [2, 0.5, -1], beta = [0.1, 0, 3], mean = [0.5, 1, -2], variance = [4, 0.25, 9];
            const double eps = 1e-3;
            var expected = new double[6];
            for (int i = 0; i < 6; i++)
            {
                int c = i % 3;
                expected[i] = (x[i] - mean[c]) / Math.Sqrt(variance[c] + eps) * gamma[c] + beta[c];
            }
            var y = new T[6];
            NormalizationOps.BatchNormalization("bn", H.A<T>(x), [2, 3], -1, H.A<T>(gamma), H.A<T>(beta), H.A<T>(mean), H.A<T>(variance), eps, y);
            H.Close(expected, y);

            // Fold + Apply gives bit-identical results.
            var scale = new T[3];
            var shift = new T[3];
            NormalizationOps.BatchNormalizationFold("bn", H.A<T>(gamma), H.A<T>(beta), H.A<T>(mean), H.A<T>(variance), eps, scale, shift);
            var y2 = new T[6];
            NormalizationOps.BatchNormalizationApply("bn", H.A<T>(x), [2, 3], 1, scale, shift, y2);
            Assert.Equal(y, y2);

            // center=False, scale=False: (x - mean) / sqrt(var + eps)
            var y3 = new T[6];
            NormalizationOps.BatchNormalization("bn", H.A<T>(x), [2, 3], -1, ReadOnlySpan<T>.Empty, ReadOnlySpan<T>.Empty, H.A<T>(mean), H.A<T>(variance), eps, y3);
            H.Close(x.Select((v, i) => (v - mean[i % 3]) / Math.Sqrt(variance[i % 3] + eps)).ToArray(), y3);
        }
    }

    [Fact]
    public void BatchNormalization_MiddleAxis_InPlace()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // (2, 2, 3) with axis=1 (2 channels): element (b, c, t) at (b*2 + c)*3 + t.
            double[] x = H.Rand(12, 3);
            double[] gamma = [1.5, -0.5], beta = [0.25, 1], mean = [0.1, -0.2], variance = [0.5, 2];
            const double eps = 0.001;
            var xt = H.A<T>(x);
            var xd = H.D(xt);
            var expected = new double[12];
            for (int b = 0; b < 2; b++)
            for (int c = 0; c < 2; c++)
            for (int t = 0; t < 3; t++)
            {
                int i = (b * 2 + c) * 3 + t;
                expected[i] = (xd[i] - mean[c]) / Math.Sqrt(variance[c] + eps) * gamma[c] + beta[c];
            }
            NormalizationOps.BatchNormalization("bn", xt, [2, 2, 3], 1, H.A<T>(gamma), H.A<T>(beta), H.A<T>(mean), H.A<T>(variance), eps, xt);
            H.Close(expected, xt, H.Tol<T>() * 2);
        }
    }

    [Fact]
    public void LayerNormalization_LastAxis_HandComputed()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // x = [1, 2, 3, 4]: mean = 10 / 4 = 2.5; var = (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25
            double[] x = [1, 2, 3, 4, /* row 2 */ -2, -2, -2, 6];
            // row 2: mean = 0; var = (4 + 4 + 4 + 36) / 4 = 12
            double[] gamma = [1, 2, 0.5, -1], beta = [0, 0.5, 1, -0.25];
            const double eps = 1e-3;
            double s1 = Math.Sqrt(1.25 + eps), s2 = Math.Sqrt(12 + eps);
            double[] expected =
            [
                (1 - 2.5) / s1 * 1 + 0, (2 - 2.5) / s1 * 2 + 0.5, (3 - 2.5) / s1 * 0.5 + 1, (4 - 2.5) / s1 * -1 - 0.25,
                -2 / s2 * 1 + 0, -2 / s2 * 2 + 0.5, -2 / s2 * 0.5 + 1, 6 / s2 * -1 - 0.25,
            ];
            foreach (var formula in new[] { LayerNormalizationFormula.ScaleShift, LayerNormalizationFormula.CenterThenScale })
            {
                var y = new T[8];
                NormalizationOps.LayerNormalization("ln", H.A<T>(x), [2, 4], [-1], H.A<T>(gamma), H.A<T>(beta), eps, false, formula, y);
                H.Close(expected, y, H.Tol<T>() * 2);
            }

            // center=False, scale=False
            var y2 = new T[8];
            NormalizationOps.LayerNormalization("ln", H.A<T>(x), [2, 4], [1], ReadOnlySpan<T>.Empty, ReadOnlySpan<T>.Empty, eps, false,
                LayerNormalizationFormula.ScaleShift, y2);
            H.Close([-1.5 / s1, -0.5 / s1, 0.5 / s1, 1.5 / s1, -2 / s2, -2 / s2, -2 / s2, 6 / s2], y2, H.Tol<T>() * 2);
        }
    }

    [Fact]
    public void LayerNormalization_RmsScaling_UsesTheCentredVarianceButUncentredInput()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // x = [1, 2, 3, 4]: var = 1.25 (about the mean 2.5); y = x / sqrt(1.25 + eps) * gamma, beta ignored
            double[] gamma = [1, 2, 0.5, -1];
            const double eps = 1e-3;
            double s = Math.Sqrt(1.25 + eps);
            var y = new T[4];
            NormalizationOps.LayerNormalization("ln", H.A<T>(1, 2, 3, 4), [1, 4], [-1], H.A<T>(gamma), H.A<T>(9, 9, 9, 9), eps, true,
                LayerNormalizationFormula.ScaleShift, y);
            H.Close([1 / s * 1, 2 / s * 2, 3 / s * 0.5, 4 / s * -1], y);
        }
    }

    [Fact]
    public void LayerNormalization_SeveralAndNonTrailingAxes()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // shape (2, 3, 2); element (b, i, j) at (b*3 + i)*2 + j
            var xt = H.A<T>(H.Rand(12, 11));
            var x = H.D(xt);
            const double eps = 1e-5;

            // axes [1, 2] (and the same written [2, 1]): one group per batch of 6 values; gamma row-major over (3, 2).
            double[] g6 = H.D(H.A<T>(H.Rand(6, 12))), b6 = H.D(H.A<T>(H.Rand(6, 13)));
            var expected = new double[12];
            for (int b = 0; b < 2; b++)
            {
                double m = 0, v = 0;
                for (int k = 0; k < 6; k++) m += x[b * 6 + k];
                m /= 6;
                for (int k = 0; k < 6; k++) v += (x[b * 6 + k] - m) * (x[b * 6 + k] - m);
                v /= 6;
                for (int k = 0; k < 6; k++) expected[b * 6 + k] = (x[b * 6 + k] - m) / Math.Sqrt(v + eps) * g6[k] + b6[k];
            }
            foreach (int[] axes in new[] { new[] { 1, 2 }, new[] { 2, 1 }, new[] { -1, -2 } })
            {
                var y = new T[12];
                NormalizationOps.LayerNormalization("ln", xt, [2, 3, 2], axes, H.A<T>(g6), H.A<T>(b6), eps, false, LayerNormalizationFormula.ScaleShift, y);
                H.Close(expected, y, H.Tol<T>() * 10); // x − mean loses relative precision for values near the mean
            }

            // axis [1] only (not trailing): groups over i for each (b, j); gamma indexed by i.
            double[] g3 = [0.5, 1, 2], b3 = [1, 0, -1];
            var expected1 = new double[12];
            for (int b = 0; b < 2; b++)
            for (int j = 0; j < 2; j++)
            {
                double m = 0, v = 0;
                for (int i = 0; i < 3; i++) m += x[(b * 3 + i) * 2 + j];
                m /= 3;
                for (int i = 0; i < 3; i++) v += Math.Pow(x[(b * 3 + i) * 2 + j] - m, 2);
                v /= 3;
                for (int i = 0; i < 3; i++) expected1[(b * 3 + i) * 2 + j] = (x[(b * 3 + i) * 2 + j] - m) / Math.Sqrt(v + eps) * g3[i] + b3[i];
            }
            var y1 = new T[12];
            NormalizationOps.LayerNormalization("ln", xt, [2, 3, 2], [1], H.A<T>(g3), H.A<T>(b3), eps, false, LayerNormalizationFormula.CenterThenScale, y1);
            H.Close(expected1, y1, H.Tol<T>() * 10);
        }
    }

    [Fact]
    public void Keras2FusedPathRule()
    {
        Assert.True(NormalizationOps.Keras2UsesFusedLayerNorm([-1], 3, 1e-3, true));
        Assert.True(NormalizationOps.Keras2UsesFusedLayerNorm([1, 2], 3, 1e-3, true));
        Assert.False(NormalizationOps.Keras2UsesFusedLayerNorm([1], 3, 1e-3, true));     // does not end at the last axis
        Assert.False(NormalizationOps.Keras2UsesFusedLayerNorm([0, 2], 3, 1e-3, true));  // not contiguous
        Assert.False(NormalizationOps.Keras2UsesFusedLayerNorm([-1], 3, 1e-6, true));    // epsilon below 1.001e-5
        Assert.False(NormalizationOps.Keras2UsesFusedLayerNorm([-1], 3, 1e-3, false));   // not float32
    }

    [Fact]
    public void BadShapes_GiveTypedExceptions()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() =>
            NormalizationOps.BatchNormalization("bn_7", new float[6], [2, 3], -1, new float[2], new float[3], new float[3], new float[3], 1e-3, new float[6]));
        Assert.Contains("bn_7", ex.Message);
        Assert.Contains("gamma", ex.Message);
        Assert.Throws<ShapeMismatchException>(() =>
            NormalizationOps.BatchNormalization("bn", new float[5], [2, 3], -1, new float[3], new float[3], new float[3], new float[3], 1e-3, new float[6]));
        Assert.Throws<InvalidModelArgumentException>(() =>
            NormalizationOps.BatchNormalization("bn", new float[6], [2, 3], 2, new float[3], new float[3], new float[3], new float[3], 1e-3, new float[6]));
        Assert.Throws<ShapeMismatchException>(() =>
            NormalizationOps.LayerNormalization("ln", new float[6], [2, 3], [-1], new float[2], ReadOnlySpan<float>.Empty, 1e-3, false, LayerNormalizationFormula.ScaleShift, new float[6]));
        Assert.Throws<InvalidModelArgumentException>(() =>
            NormalizationOps.LayerNormalization("ln", new float[6], [2, 3], [1, -1], ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, 1e-3, false, LayerNormalizationFormula.ScaleShift, new float[6]));
        Assert.Throws<MissingWeightsException>(() =>
            NormalizationOps.LayerNormalization("ln", new float[6], [2, 3], [-1], ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, 1e-3, true, LayerNormalizationFormula.ScaleShift, new float[6]));
    }
}
