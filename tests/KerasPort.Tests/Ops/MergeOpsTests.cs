using System.Numerics;
using KerasPort.Compute.Ops;

namespace KerasPort.Tests.Ops;

public class MergeOpsTests
{
    private static ReadOnlyMemory<T>[] M<T>(params T[][] arrays) => arrays.Select(a => (ReadOnlyMemory<T>)a).ToArray();

    [Fact]
    public void Concatenate_LastAndMiddleAxis()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // (2, 2) ++ (2, 1) on axis -1 -> (2, 3)
            int[][] shapes = [[2, 2], [2, 1]];
            Assert.Equal([2, 3], MergeOps.ConcatenateOutputShape("c", shapes, -1));
            var y = new T[6];
            MergeOps.Concatenate("c", M(H.A<T>(1, 2, 3, 4), H.A<T>(9, 8)), shapes, -1, y);
            H.Exact([1, 2, 9, 3, 4, 8], y);

            // (2, 1, 2) ++ (2, 2, 2) on axis 1 -> (2, 3, 2)
            int[][] shapes2 = [[2, 1, 2], [2, 2, 2]];
            Assert.Equal([2, 3, 2], MergeOps.ConcatenateOutputShape("c", shapes2, 1));
            var y2 = new T[12];
            MergeOps.Concatenate("c", M(H.A<T>(1, 2, 3, 4), H.A<T>(10, 11, 12, 13, 20, 21, 22, 23)), shapes2, 1, y2);
            H.Exact([1, 2, 10, 11, 12, 13, /* b1 */ 3, 4, 20, 21, 22, 23], y2);
        }
    }

    [Fact]
    public void Concatenate_MismatchedShapesThrow()
    {
        int[][] shapes = [[2, 3, 4], [2, 2, 4]];
        var ex = Assert.Throws<ShapeMismatchException>(() => MergeOps.ConcatenateOutputShape("concat_1", shapes, -1));
        Assert.Contains("concat_1", ex.Message);
        Assert.Contains("(2, 2, 4)", ex.Message);
        Assert.Throws<ShapeMismatchException>(() => MergeOps.ConcatenateOutputShape("c", [[2, 3], [2, 3, 1]], -1));
        Assert.Throws<ShapeMismatchException>(() => // data shorter than its declared shape
            MergeOps.Concatenate("c", M(new float[6], new float[5]), [[2, 3], [2, 3]], -1, new float[12]));
    }

    [Fact]
    public void Elementwise_AllOpsFoldLeftToRight()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            int[][] shapes = [[1, 3], [1, 3], [1, 3]];
            var a = H.A<T>(1, -2, 3);
            var b = H.A<T>(4, 5, -6);
            var c = H.A<T>(0.5, 0.25, 2);
            var inputs = M(a, b, c);
            var y = new T[3];
            MergeOps.Elementwise("m", MergeOp.Add, inputs, shapes, y);
            H.Exact([1 + 4 + 0.5, -2 + 5 + 0.25, 3 - 6 + 2], y);
            MergeOps.Elementwise("m", MergeOp.Multiply, inputs, shapes, y);
            H.Exact([1 * 4 * 0.5, -2 * 5 * 0.25, 3 * -6 * 2], y);
            MergeOps.Elementwise("m", MergeOp.Average, inputs, shapes, y);
            H.Close([(1 + 4 + 0.5) / 3, (-2 + 5 + 0.25) / 3, (3 - 6 + 2) / 3.0], y);
            MergeOps.Elementwise("m", MergeOp.Maximum, inputs, shapes, y);
            H.Exact([4, 5, 3], y);
            MergeOps.Elementwise("m", MergeOp.Minimum, inputs, shapes, y);
            H.Exact([0.5, -2, -6], y);
            MergeOps.Elementwise("m", MergeOp.Subtract, M(a, b), [[1, 3], [1, 3]], y);
            H.Exact([1 - 4, -2 - 5, 3 + 6], y);

            // output may be input 0 itself
            var acc = H.A<T>(1, 2, 3);
            MergeOps.Elementwise("m", MergeOp.Add, M(acc, H.A<T>(10, 20, 30)), [[1, 3], [1, 3]], acc);
            H.Exact([11, 22, 33], acc);
        }
    }

    [Fact]
    public void Elementwise_BroadcastsAfterInsertingAxesAfterBatch()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // (2, 3) + (2, 2, 3): the first becomes (2, 1, 3) and repeats along axis 1.
            int[][] shapes = [[2, 3], [2, 2, 3]];
            Assert.Equal([2, 2, 3], MergeOps.ElementwiseOutputShape("m", MergeOp.Add, shapes));
            var y = new T[12];
            MergeOps.Elementwise("m", MergeOp.Add, M(H.A<T>(1, 2, 3, 4, 5, 6), H.A<T>(10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120)), shapes, y);
            H.Exact([11, 22, 33, 41, 52, 63, /* b1 */ 74, 85, 96, 104, 115, 126], y);

            // (2, 2, 1) - (2, 3): (2, 1, 3) -> out (2, 2, 3), y[b, i, j] = p[b, i] - q[b, j]
            int[][] shapes2 = [[2, 2, 1], [2, 3]];
            Assert.Equal([2, 2, 3], MergeOps.ElementwiseOutputShape("m", MergeOp.Subtract, shapes2));
            var y2 = new T[12];
            MergeOps.Elementwise("m", MergeOp.Subtract, M(H.A<T>(100, 200, 300, 400), H.A<T>(1, 2, 3, 4, 5, 6)), shapes2, y2);
            H.Exact([99, 98, 97, 199, 198, 197, /* b1 */ 296, 295, 294, 396, 395, 394], y2);
        }
    }

    [Fact]
    public void Elementwise_BadInputsThrow()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => MergeOps.ElementwiseOutputShape("add_3", MergeOp.Add, [[2, 3], [4, 3]]));
        Assert.Contains("batch", ex.Message);
        Assert.Throws<ShapeMismatchException>(() => MergeOps.ElementwiseOutputShape("m", MergeOp.Add, [[2, 3], [2, 4]]));
        Assert.Throws<ShapeMismatchException>(() => MergeOps.ElementwiseOutputShape("m", MergeOp.Add, [[2, 4], [2, 4, 3]]));
        Assert.Throws<InvalidModelArgumentException>(() => MergeOps.ElementwiseOutputShape("m", MergeOp.Subtract, [[2, 3], [2, 3], [2, 3]]));
        Assert.Throws<ShapeMismatchException>(() =>
            MergeOps.Elementwise("m", MergeOp.Add, M(new float[6], new float[6]), [[2, 3], [2, 3]], new float[5]));
    }
}
