using System.Numerics;
using KerasPort.Compute.Ops;

namespace KerasPort.Tests.Ops;

public class CoreEmbeddingMaskingOpsTests
{
    [Fact]
    public void Dense_OverTheLastAxis()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // input (2, 1, 3), kernel (3, 2), bias (2,)
            var x = H.A<T>(1, 2, 3, -1, 0.5, 2);
            var w = H.A<T>(1, -1, /* i=1 */ 0.5, 2, /* i=2 */ -2, 0.25);
            var b = H.A<T>(0.125, -3);
            var y = new T[4];
            CoreOps.Dense("d", x, 3, w, 2, b, y);
            H.Exact(
            [
                1 * 1 + 2 * 0.5 + 3 * -2 + 0.125, 1 * -1 + 2 * 2 + 3 * 0.25 - 3,
                -1 * 1 + 0.5 * 0.5 + 2 * -2 + 0.125, -1 * -1 + 0.5 * 2 + 2 * 0.25 - 3,
            ], y);
            CoreOps.Dense("d", x, 3, w, 2, ReadOnlySpan<T>.Empty, y);
            H.Exact([1 + 1 - 6, -1 + 4 + 0.75, -1 + 0.25 - 4, 1 + 1 + 0.5], y);
        }
    }

    [Fact]
    public void Dense_BadShapesThrow()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => CoreOps.Dense("dense_4", new float[6], 3, new float[5], 2, ReadOnlySpan<float>.Empty, new float[4]));
        Assert.Contains("dense_4", ex.Message);
        Assert.Contains("kernel", ex.Message);
        Assert.Throws<ShapeMismatchException>(() => CoreOps.Dense("d", new float[7], 3, new float[6], 2, ReadOnlySpan<float>.Empty, new float[4]));
        Assert.Throws<ShapeMismatchException>(() => CoreOps.Dense("d", new float[6], 3, new float[6], 2, new float[3], new float[4]));
        Assert.Throws<ShapeMismatchException>(() => CoreOps.Dense("d", new float[6], 3, new float[6], 2, ReadOnlySpan<float>.Empty, new float[5]));
    }

    [Fact]
    public void Embedding_LookupTruncatesAndMasksOnRawValues()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // embeddings (3, 2): row r = (10r, 10r + 1)
            var emb = H.A<T>(0, 1, 10, 11, 20, 21);
            var ids = H.A<T>(2, 0, 1.7, -0.5);
            var y = new T[8];
            EmbeddingOps.Lookup("emb", ids, emb, 3, 2, y);
            H.Exact([20, 21, 0, 1, 10, 11, 0, 1], y); // 1.7 -> 1, -0.5 -> 0 (truncation toward zero)
            var mask = new bool[4];
            EmbeddingOps.MaskZero<T>(ids, mask);
            Assert.Equal([true, false, true, true], mask); // -0.5 != 0 although it reads row 0

            foreach (double bad in new[] { 3, -1, double.NaN, double.PositiveInfinity })
            {
                var ex = Assert.Throws<InvalidModelArgumentException>(() => EmbeddingOps.Lookup("emb_words", H.A<T>(0, bad), emb, 3, 2, new T[4]));
                Assert.Contains("emb_words", ex.Message);
            }
            Assert.Throws<ShapeMismatchException>(() => EmbeddingOps.Lookup("emb", ids, emb, 3, 2, new T[7]));
            Assert.Throws<ShapeMismatchException>(() => EmbeddingOps.Lookup("emb", ids, emb, 4, 2, y));
        }
    }

    [Fact]
    public void Masking_ZeroesRowsWhereEveryFeatureEqualsTheMaskValue()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // (2, 3, 2) with mask_value 0
            var x = H.A<T>(0, 0, 0, 1, 2, 3, /* b1 */ 0, 0, 0, 0, -1, 0);
            var y = new T[12];
            var mask = new bool[6];
            MaskingOps.Apply("m", x, 2, 0.0, y, mask);
            Assert.Equal([false, true, true, false, false, true], mask);
            H.Exact([0, 0, 0, 1, 2, 3, 0, 0, 0, 0, -1, 0], y);

            // mask_value 5: masked rows become 5 * 0 = 0
            var x5 = H.A<T>(5, 5, 5, 4);
            MaskingOps.Apply("m", x5, 2, 5.0, x5, mask.AsSpan(0, 2)); // in place
            Assert.Equal([false, true], mask[..2]);
            H.Exact([0, 0, 5, 4], x5);

            // mask_value +inf: the masked row is inf * 0 = NaN, as Keras's inputs * mask
            var xi = H.A<T>(double.PositiveInfinity, double.PositiveInfinity, 1, 2);
            var yi = new T[4];
            MaskingOps.Apply("m", xi, 2, double.PositiveInfinity, yi, mask.AsSpan(0, 2));
            H.Exact([double.NaN, double.NaN, 1, 2], yi);

            // NaN never equals the mask value: nothing is masked
            var xn = H.A<T>(double.NaN, double.NaN);
            var yn = new T[2];
            MaskingOps.Apply("m", xn, 2, double.NaN, yn, mask.AsSpan(0, 1));
            Assert.True(mask[0]);

            Assert.Throws<ShapeMismatchException>(() => MaskingOps.Apply("m", x, 2, 0.0, y, new bool[5]));
            Assert.Throws<ShapeMismatchException>(() => MaskingOps.Apply("m", x, 5, 0.0, y, new bool[6]));
        }
    }
}
