using System.Numerics;
using KerasPort.Compute.Ops;

namespace KerasPort.Tests.Ops;

public class PoolingOpsTests
{
    [Fact]
    public void OutputLength_ValidAndSame()
    {
        Assert.Equal(2, PoolingOps.OutputLength("p", 5, 2, 2, Padding.Valid)); // floor((5 - 2) / 2) + 1
        Assert.Equal(3, PoolingOps.OutputLength("p", 5, 2, 2, Padding.Same));  // ceil(5 / 2)
        Assert.Equal(3, PoolingOps.OutputLength("p", 7, 3, 2, Padding.Valid)); // floor(4 / 2) + 1
        Assert.Throws<ShapeMismatchException>(() => PoolingOps.OutputLength("p", 2, 3, 1, Padding.Valid));
        Assert.Throws<InvalidModelArgumentException>(() => PoolingOps.OutputLength("p", 5, 2, 2, Padding.Causal));
    }

    [Fact]
    public void MaxPooling_ValidDropsTheIncompleteWindow()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // (1, 5, 2), pool 2, stride 2, valid: windows steps {0,1}, {2,3}; step 4 dropped.
            var x = H.A<T>(1, -1, 5, -5, 2, -2, 0, 7, 9, 9);
            var y = new T[4];
            PoolingOps.MaxPooling1D("p", x, 1, 5, 2, 2, 2, Padding.Valid, DataFormat.ChannelsLast, y);
            H.Exact([5, -1, 2, 7], y);
        }
    }

    [Fact]
    public void MaxPooling_SameIgnoresPaddingEvenForNegativeInputs()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // L = 4, pool 3, stride 1, same: out 4, total pad = 3 + 3 - 4 = 2 -> 1 before, 1 after.
            // windows: {-1,0,1} -> {0,1}; {0,1,2}; {1,2,3}; {2,3,4} -> {2,3}. A padded 0 would win over the negatives.
            var x = H.A<T>(-4, -3, -2, -1);
            var y = new T[4];
            PoolingOps.MaxPooling1D("p", x, 1, 4, 1, 3, 1, Padding.Same, DataFormat.ChannelsLast, y);
            H.Exact([-3, -2, -1, -1], y);
        }
    }

    [Fact]
    public void AveragePooling_SameDividesByTheRealStepsOnly()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // L = 5, pool 3, stride 2, same: out = ceil(5/2) = 3; total pad = (3-1)*2 + 3 - 5 = 2 -> 1 before, 1 after.
            // o=0: steps {-1, 0, 1} -> real {0, 1}, count 2: (1 + 2) / 2
            // o=1: steps {1, 2, 3}, count 3: (2 + 3 + 4) / 3
            // o=2: steps {3, 4, 5} -> real {3, 4}, count 2: (4 + 8) / 2
            var x = H.A<T>(1, 2, 3, 4, 8);
            var y = new T[3];
            PoolingOps.AveragePooling1D("p", x, 1, 5, 1, 3, 2, Padding.Same, DataFormat.ChannelsLast, y);
            H.Exact([(1 + 2) / 2.0, (2 + 3 + 4) / 3.0, (4 + 8) / 2.0], y);

            // L = 4, pool 2, stride 1, same: out 4, total pad = 3 + 2 - 4 = 1 -> 0 before, 1 after: last window holds 1 step.
            var y2 = new T[4];
            PoolingOps.AveragePooling1D("p", H.A<T>(1, 3, 5, 9), 1, 4, 1, 2, 1, Padding.Same, DataFormat.ChannelsLast, y2);
            H.Exact([(1 + 3) / 2.0, (3 + 5) / 2.0, (5 + 9) / 2.0, 9 / 1.0], y2);

            // valid, pool 2, stride 1 on odd length 3
            var y3 = new T[2];
            PoolingOps.AveragePooling1D("p", H.A<T>(1, 2, 4), 1, 3, 1, 2, 1, Padding.Valid, DataFormat.ChannelsLast, y3);
            H.Exact([1.5, 3], y3);
        }
    }

    [Fact]
    public void Pooling_ChannelsFirstMatchesChannelsLast()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            const int batch = 2, length = 7, channels = 3;
            var xl = H.A<T>(H.Rand(batch * length * channels, 7));
            var xf = new T[xl.Length];
            for (int b = 0; b < batch; b++)
            for (int t = 0; t < length; t++)
            for (int c = 0; c < channels; c++)
                xf[(b * channels + c) * length + t] = xl[(b * length + t) * channels + c];
            foreach (bool average in new[] { false, true })
            foreach (var padding in new[] { Padding.Valid, Padding.Same })
            {
                int outLen = PoolingOps.OutputLength("p", length, 3, 2, padding);
                var yl = new T[batch * outLen * channels];
                var yf = new T[yl.Length];
                if (average)
                {
                    PoolingOps.AveragePooling1D("p", xl, batch, length, channels, 3, 2, padding, DataFormat.ChannelsLast, yl);
                    PoolingOps.AveragePooling1D("p", xf, batch, length, channels, 3, 2, padding, DataFormat.ChannelsFirst, yf);
                }
                else
                {
                    PoolingOps.MaxPooling1D("p", xl, batch, length, channels, 3, 2, padding, DataFormat.ChannelsLast, yl);
                    PoolingOps.MaxPooling1D("p", xf, batch, length, channels, 3, 2, padding, DataFormat.ChannelsFirst, yf);
                }
                for (int b = 0; b < batch; b++)
                for (int o = 0; o < outLen; o++)
                for (int c = 0; c < channels; c++)
                    Assert.Equal(yl[(b * outLen + o) * channels + c], yf[(b * channels + c) * outLen + o]);
            }
        }
    }

    [Fact]
    public void GlobalPooling_MaxAndMean()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // (2, 3, 2) channels_last
            var x = H.A<T>(1, -1, 4, -2, 7, -6, /* b1 */ 0.5, 2, 0.25, 3, 0.25, -1);
            var mx = new T[4];
            PoolingOps.GlobalMaxPooling1D("g", x, 2, 3, 2, DataFormat.ChannelsLast, mx);
            H.Exact([7, -1, 0.5, 3], mx);
            var avg = new T[4];
            PoolingOps.GlobalAveragePooling1D("g", x, 2, 3, 2, DataFormat.ChannelsLast, ReadOnlySpan<bool>.Empty, false, avg);
            H.Close([(1 + 4 + 7) / 3.0, (-1 - 2 - 6) / 3.0, (0.5 + 0.25 + 0.25) / 3.0, (2 + 3 - 1) / 3.0], avg);

            // channels_first (2, 2, 3): the same data transposed
            var xf = H.A<T>(1, 4, 7, -1, -2, -6, 0.5, 0.25, 0.25, 2, 3, -1);
            var mxf = new T[4];
            PoolingOps.GlobalMaxPooling1D("g", xf, 2, 3, 2, DataFormat.ChannelsFirst, mxf);
            H.Exact([7, -1, 0.5, 3], mxf);

            Assert.Equal([2, 1, 4], PoolingOps.GlobalPooling1DOutputShape(2, 4, DataFormat.ChannelsLast, true));
            Assert.Equal([2, 4, 1], PoolingOps.GlobalPooling1DOutputShape(2, 4, DataFormat.ChannelsFirst, true));
            Assert.Equal([2, 4], PoolingOps.GlobalPooling1DOutputShape(2, 4, DataFormat.ChannelsFirst, false));
        }
    }

    [Fact]
    public void GlobalAverage_WithMask()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // (2, 3, 1); batch 0 keeps steps 0 and 2, batch 1 keeps nothing.
            var x = H.A<T>(2, double.PositiveInfinity, 5, 1, 1, 1);
            bool[] mask = [true, false, true, false, false, false];
            var y = new T[2];
            PoolingOps.GlobalAveragePooling1D("g", x, 2, 3, 1, DataFormat.ChannelsLast, mask, keras2MaskMultiply: false, y);
            // Keras 3: where(mask, x, 0): (2 + 5) / 2; all masked: 0 / 0 = NaN
            H.Exact([(2 + 5) / 2.0, double.NaN], y);
            PoolingOps.GlobalAveragePooling1D("g", x, 2, 3, 1, DataFormat.ChannelsLast, mask, keras2MaskMultiply: true, y);
            // Keras 2: x * mask turns the masked +inf into inf * 0 = NaN
            H.Exact([double.NaN, double.NaN], y);
        }
    }

    [Fact]
    public void BadShapes_GiveTypedExceptions()
    {
        Assert.Throws<ShapeMismatchException>(() =>
            PoolingOps.MaxPooling1D("p", new float[9], 1, 5, 2, 2, 2, Padding.Valid, DataFormat.ChannelsLast, new float[4]));
        Assert.Throws<ShapeMismatchException>(() =>
            PoolingOps.AveragePooling1D("p", new float[10], 1, 5, 2, 2, 2, Padding.Valid, DataFormat.ChannelsLast, new float[3]));
        var ex = Assert.Throws<ShapeMismatchException>(() =>
            PoolingOps.GlobalAveragePooling1D("gap", new float[6], 2, 3, 1, DataFormat.ChannelsLast, new bool[5], false, new float[2]));
        Assert.Contains("gap", ex.Message);
        Assert.Contains("mask", ex.Message);
        Assert.Throws<InvalidModelArgumentException>(() =>
            PoolingOps.GlobalMaxPooling1D("p", new float[0], 2, 0, 1, DataFormat.ChannelsLast, new float[2]));
    }
}
