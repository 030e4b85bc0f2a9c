using System.Numerics;
using KerasPort.Compute.Ops;

namespace KerasPort.Tests.Ops;

public class ReshapingOpsTests
{
    [Fact]
    public void RepeatVector_RepeatsEachSample()
    {
        var y = new float[2 * 3 * 2];
        ReshapingOps.RepeatVector("r", [1f, 2f, 3f, 4f], 2, 2, 3, y);
        Assert.Equal([1f, 2f, 1f, 2f, 1f, 2f, 3f, 4f, 3f, 4f, 3f, 4f], y);
        Assert.Throws<ShapeMismatchException>(() => ReshapingOps.RepeatVector("r", new float[4], 2, 2, 3, new float[11]));
    }

    [Fact]
    public void Reshape_ResolvesOneMinusOne()
    {
        Assert.Equal([5, 3, 4], ReshapingOps.ReshapeOutputShape("r", [5, 12], [3, 4]));
        Assert.Equal([5, 3, 2, 2], ReshapingOps.ReshapeOutputShape("r", [5, 12], [-1, 2, 2]));
        Assert.Equal([5, 12], ReshapingOps.ReshapeOutputShape("r", [5, 3, 4], [-1]));
        var ex = Assert.Throws<ShapeMismatchException>(() => ReshapingOps.ReshapeOutputShape("reshape_9", [5, 12], [5, -1]));
        Assert.Contains("reshape_9", ex.Message);
        Assert.Throws<ShapeMismatchException>(() => ReshapingOps.ReshapeOutputShape("r", [5, 12], [3, 5]));
        Assert.Throws<InvalidModelArgumentException>(() => ReshapingOps.ReshapeOutputShape("r", [5, 12], [-1, -1]));
    }

    [Fact]
    public void Flatten_ChannelsFirstMovesChannelsLast()
    {
        // (1, 2, 3) channels_first: channels c in {0,1}, steps t in {0,1,2}; x[c, t] = 10c + t.
        float[] x = [0, 1, 2, 10, 11, 12];
        var last = new float[6];
        ReshapingOps.Flatten("f", x, [1, 2, 3], DataFormat.ChannelsLast, last);
        Assert.Equal(x, last);
        var first = new float[6];
        ReshapingOps.Flatten("f", x, [1, 2, 3], DataFormat.ChannelsFirst, first);
        // transposed to (1, 3, 2): [x[0,0], x[1,0], x[0,1], x[1,1], x[0,2], x[1,2]]
        Assert.Equal([0f, 10f, 1f, 11f, 2f, 12f], first);
    }

    [Fact]
    public void Permute_OneBasedDims()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // (1, 2, 3) with dims (2, 1) -> (1, 3, 2): y[0, j, i] = x[0, i, j]
            Assert.Equal([1, 3, 2], ReshapingOps.PermuteOutputShape("p", [1, 2, 3], [2, 1]));
            var y = new T[6];
            ReshapingOps.Permute("p", H.A<T>(1, 2, 3, 4, 5, 6), [1, 2, 3], [2, 1], y);
            H.Exact([1, 4, 2, 5, 3, 6], y);

            // (1, 2, 3, 2) with dims (3, 1, 2) -> (1, 2, 2, 3): y[0, k, i, j] = x[0, i, j, k]
            var x = Enumerable.Range(0, 12).Select(v => (double)v).ToArray(); // x[0, i, j, k] = 6i + 2j + k
            Assert.Equal([1, 2, 2, 3], ReshapingOps.PermuteOutputShape("p", [1, 2, 3, 2], [3, 1, 2]));
            var y2 = new T[12];
            ReshapingOps.Permute("p", H.A<T>(x), [1, 2, 3, 2], [3, 1, 2], y2);
            var expected = new double[12];
            for (int k = 0; k < 2; k++)
            for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                expected[(k * 2 + i) * 3 + j] = 6 * i + 2 * j + k;
            H.Exact(expected, y2);
        }
    }

    [Fact]
    public void Permute_BadDimsThrow()
    {
        Assert.Throws<InvalidModelArgumentException>(() => ReshapingOps.PermuteOutputShape("p", [1, 2, 3], [0, 1]));
        Assert.Throws<InvalidModelArgumentException>(() => ReshapingOps.PermuteOutputShape("p", [1, 2, 3], [1, 1]));
        Assert.Throws<ShapeMismatchException>(() => ReshapingOps.PermuteOutputShape("p", [1, 2, 3], [1]));
        Assert.Throws<ShapeMismatchException>(() => ReshapingOps.Permute("p", new float[5], [1, 2, 3], [2, 1], new float[6]));
    }
}
