using System.Numerics;
using KerasPort.Compute.Ops;

namespace KerasPort.Tests.Ops;

public class ConvolutionOpsTests
{
    [Fact]
    public void OutputLength_FollowsKerasConvOutputLength()
    {
        // valid: ceil((L - dk + 1) / s) with dk = (k - 1) * d + 1
        Assert.Equal(6, ConvolutionOps.OutputLength("c", 10, 3, 1, Padding.Valid, 2)); // dk = 5, 10 - 5 + 1 = 6
        Assert.Equal(3, ConvolutionOps.OutputLength("c", 10, 3, 3, Padding.Valid, 1)); // ceil(8 / 3) = 3
        Assert.Equal(4, ConvolutionOps.OutputLength("c", 10, 3, 3, Padding.Same, 1));  // ceil(10 / 3) = 4
        Assert.Equal(3, ConvolutionOps.OutputLength("c", 5, 4, 2, Padding.Causal, 1)); // ceil(5 / 2) = 3
        Assert.Equal(1, ConvolutionOps.OutputLength("c", 5, 5, 1, Padding.Valid, 1));
        var ex = Assert.Throws<ShapeMismatchException>(() => ConvolutionOps.OutputLength("conv_a", 4, 3, 1, Padding.Valid, 2));
        Assert.Contains("conv_a", ex.Message);
        Assert.Throws<InvalidModelArgumentException>(() => ConvolutionOps.OutputLength("c", 4, 0, 1, Padding.Valid, 1));
        Assert.Throws<InvalidModelArgumentException>(() => ConvolutionOps.OutputLength("c", 4, 2, 0, Padding.Valid, 1));
    }

    [Fact]
    public void SamePadding_PutsTheOddZeroAfter()
    {
        // L = 5, k = 2, s = 2: out = 3, total pad = (3 - 1) * 2 + 2 - 5 = 1 -> 0 before, 1 after.
        Assert.Equal(0, ConvolutionOps.PadBefore(5, 2, 2, Padding.Same, 1, 3));
        // L = 5, k = 3, d = 2, s = 1: dk = 5, total = 4 + 5 - 5 = 4 -> 2 before.
        Assert.Equal(2, ConvolutionOps.PadBefore(5, 3, 1, Padding.Same, 2, 5));
        // L = 4, k = 4, s = 1: total = 3 + 4 - 4 = 3 -> 1 before, 2 after.
        Assert.Equal(1, ConvolutionOps.PadBefore(4, 4, 1, Padding.Same, 1, 4));
        // causal: d * (k - 1)
        Assert.Equal(4, ConvolutionOps.PadBefore(5, 3, 1, Padding.Causal, 2, 5));
    }

    [Fact]
    public void Causal_Length5_Kernel3_Dilation2()
    {
        Causal<float>();
        Causal<double>();

        static void Causal<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // x = [1, 2, 3, 4, 5], kernel taps w = [0.5, -1, 2], bias 0.25; causal pad = 2 * (3 - 1) = 4.
            // y[o] = x[o - 4] * 0.5 + x[o - 2] * (-1) + x[o] * 2 + 0.25 (x outside [0, 5) is 0)
            var x = H.A<T>(1, 2, 3, 4, 5);
            var w = H.A<T>(0.5, -1, 2); // shape (3, 1, 1)
            var b = H.A<T>(0.25);
            var y = new T[5];
            ConvolutionOps.Conv1D("c", x, 1, 5, 1, w, 3, 1, b, 1, Padding.Causal, 2, 1, DataFormat.ChannelsLast, y);
            H.Exact(
            [
                0 * 0.5 + 0 * -1 + 1 * 2 + 0.25, // o=0: x[-4], x[-2], x[0]
                0 * 0.5 + 0 * -1 + 2 * 2 + 0.25, // o=1: x[-3], x[-1], x[1]
                0 * 0.5 + 1 * -1 + 3 * 2 + 0.25, // o=2: x[-2], x[0],  x[2]
                0 * 0.5 + 2 * -1 + 4 * 2 + 0.25, // o=3: x[-1], x[1],  x[3]
                1 * 0.5 + 3 * -1 + 5 * 2 + 0.25, // o=4: x[0],  x[2],  x[4]
            ], y);
        }
    }

    [Fact]
    public void Valid_TwoChannels_ThreeFilters_Stride2()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // x (1, 5, 2): step t = [t+1, -(t+1)]; kernel (2, 2, 3); strides 2 -> out length ceil((5 - 2 + 1) / 2) = 2.
            var x = H.A<T>(1, -1, 2, -2, 3, -3, 4, -4, 5, -5);
            // kernel[k, c, f]
            var w = H.A<T>(
                1, 0, 2,    // k=0, c=0
                0, 1, 1,    // k=0, c=1
                -1, 0.5, 0, // k=1, c=0
                0, 0, 3);   // k=1, c=1
            var y = new T[2 * 3];
            ConvolutionOps.Conv1D("c", x, 1, 5, 2, w, 2, 3, ReadOnlySpan<T>.Empty, 2, Padding.Valid, 1, 1, DataFormat.ChannelsLast, y);
            // o=0 covers steps 0,1: x0 = (1,-1), x1 = (2,-2)
            // f0 = 1*1 + (-1)*0 + 2*(-1) + (-2)*0 = -1
            // f1 = 1*0 + (-1)*1 + 2*0.5 + (-2)*0 = 0
            // f2 = 1*2 + (-1)*1 + 2*0 + (-2)*3 = -5
            // o=1 covers steps 2,3: x2 = (3,-3), x3 = (4,-4)
            // f0 = 3 - 4 = -1; f1 = -3 + 2 = -1; f2 = 6 - 3 - 12 = -9
            H.Exact([-1, 0, -5, -1, -1, -9], y);
        }
    }

    [Fact]
    public void Same_EvenKernel_PadsAfter()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // L = 5, k = 2, s = 2, same: out 3, pad 0 before / 1 after. w = [1, 10].
            // y0 = x0 + 10 x1 = 1 + 20; y1 = x2 + 10 x3 = 3 + 40; y2 = x4 + 10 * 0 = 5
            var y = new T[3];
            ConvolutionOps.Conv1D("c", H.A<T>(1, 2, 3, 4, 5), 1, 5, 1, H.A<T>(1, 10), 2, 1, ReadOnlySpan<T>.Empty, 2, Padding.Same, 1, 1,
                DataFormat.ChannelsLast, y);
            H.Exact([21, 43, 5], y);
        }
    }

    [Fact]
    public void Groups_EachFilterSeesOnlyItsGroupsChannels()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // 4 channels, groups 2, 2 filters, kernel 1: kernel shape (1, 2, 2); filter 0 reads channels 0,1, filter 1 channels 2,3.
            // kernel[0, c, f]: c=0: (1, 10), c=1: (100, 1000)
            var w = H.A<T>(1, 10, 100, 1000);
            var x = H.A<T>(1, 2, 3, 4, /* step 1 */ 5, 6, 7, 8);
            var y = new T[4];
            ConvolutionOps.Conv1D("c", x, 1, 2, 4, w, 1, 2, H.A<T>(0.5, -0.5), 1, Padding.Valid, 1, 2, DataFormat.ChannelsLast, y);
            // step 0: f0 = x0*1 + x1*100 = 1 + 200; f1 = x2*10 + x3*1000 = 30 + 4000
            // step 1: f0 = 5 + 600; f1 = 70 + 8000
            H.Exact([201.5, 4029.5, 605.5, 8069.5], y);
        }
    }

    [Fact]
    public void Random_MatchesExplicitlyPaddedReference_AllPaddings_BothLayouts()
    {
        Run<float>();
        Run<double>();

        static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            int seed = 1;
            foreach (var (padding, strides, dilation, groups, kernelSize) in new[]
                     {
                         (Padding.Valid, 1, 1, 1, 3), (Padding.Valid, 3, 1, 1, 3), (Padding.Same, 1, 2, 1, 3), (Padding.Same, 2, 1, 3, 3),
                         (Padding.Causal, 1, 3, 1, 3), (Padding.Causal, 2, 1, 3, 3), (Padding.Same, 3, 1, 1, 3), (Padding.Valid, 1, 2, 3, 3),
                         (Padding.Same, 1, 1, 1, 4), (Padding.Same, 2, 1, 3, 2), (Padding.Same, 1, 2, 1, 2), (Padding.Causal, 1, 1, 1, 4),
                     })
            {
                const int batch = 2, length = 7, channels = 3, filters = 6;
                int cg = channels / groups, fg = filters / groups;
                var xd = H.D(H.A<T>(H.Rand(batch * length * channels, seed++)));
                var wd = H.D(H.A<T>(H.Rand(kernelSize * cg * filters, seed++)));
                var bd = H.D(H.A<T>(H.Rand(filters, seed++)));
                var expected = Reference(xd, batch, length, channels, wd, kernelSize, filters, bd, strides, padding, dilation, groups, out int outLen, out var scale);
                Assert.Equal(outLen, ConvolutionOps.OutputLength("c", length, kernelSize, strides, padding, dilation));

                var y = new T[expected.Length];
                ConvolutionOps.Conv1D("c", H.A<T>(xd), batch, length, channels, H.A<T>(wd), kernelSize, filters, H.A<T>(bd), strides, padding,
                    dilation, groups, DataFormat.ChannelsLast, y);
                H.CloseScaled(expected, scale, y, H.Tol<T>());

                // channels_first: transpose input (b, t, c) -> (b, c, t) and output back.
                var xcf = new double[xd.Length];
                for (int b = 0; b < batch; b++)
                for (int t = 0; t < length; t++)
                for (int c = 0; c < channels; c++)
                    xcf[(b * channels + c) * length + t] = xd[(b * length + t) * channels + c];
                var ycf = new T[expected.Length];
                ConvolutionOps.Conv1D("c", H.A<T>(xcf), batch, length, channels, H.A<T>(wd), kernelSize, filters, H.A<T>(bd), strides, padding,
                    dilation, groups, DataFormat.ChannelsFirst, ycf);
                for (int b = 0; b < batch; b++)
                for (int o = 0; o < outLen; o++)
                for (int f = 0; f < filters; f++)
                    Assert.Equal(y[(b * outLen + o) * filters + f], ycf[(b * filters + f) * outLen + o]); // same summation order: identical
            }
        }
    }

    /// <summary>Independent reference: materialize the zero-padded input (Keras's explicit pads), then a valid dilated conv in double.</summary>
    private static double[] Reference(double[] x, int batch, int length, int channels, double[] w, int k, int filters, double[] bias,
        int strides, Padding padding, int dilation, int groups, out int outLen, out double[] scale)
    {
        int dk = (k - 1) * dilation + 1;
        int before, after;
        if (padding == Padding.Valid) { before = 0; after = 0; }
        else if (padding == Padding.Causal) { before = dk - 1; after = 0; }
        else
        {
            int o = (length + strides - 1) / strides; // TF SAME output size
            int total = Math.Max((o - 1) * strides + dk - length, 0);
            before = total / 2;
            after = total - before;
        }
        int plen = length + before + after;
        var xp = new double[batch, plen, channels];
        for (int b = 0; b < batch; b++)
        for (int t = 0; t < length; t++)
        for (int c = 0; c < channels; c++)
            xp[b, t + before, c] = x[(b * length + t) * channels + c];
        outLen = (plen - dk) / strides + 1;
        int cg = channels / groups, fg = filters / groups;
        var y = new double[batch * outLen * filters];
        scale = new double[y.Length];
        for (int b = 0; b < batch; b++)
        for (int o = 0; o < outLen; o++)
        for (int f = 0; f < filters; f++)
        {
            int g = f / fg;
            double s = 0, m = Math.Abs(bias[f]);
            for (int kk = 0; kk < k; kk++)
            for (int c = 0; c < cg; c++)
            {
                double term = xp[b, o * strides + kk * dilation, g * cg + c] * w[(kk * cg + c) * filters + f];
                s += term;
                m += Math.Abs(term);
            }
            y[(b * outLen + o) * filters + f] = s + bias[f];
            scale[(b * outLen + o) * filters + f] = m;
        }
        return y;
    }

    [Fact]
    public void BadShapes_GiveTypedExceptions()
    {
        var y = new float[3];
        var ex = Assert.Throws<ShapeMismatchException>(() =>
            ConvolutionOps.Conv1D("conv_k", new float[5], 1, 5, 1, new float[2], 3, 1, ReadOnlySpan<float>.Empty, 1, Padding.Valid, 1, 1, DataFormat.ChannelsLast, y));
        Assert.Contains("conv_k", ex.Message);
        Assert.Contains("kernel", ex.Message);
        Assert.Throws<ShapeMismatchException>(() => // input too short for its declared shape
            ConvolutionOps.Conv1D("c", new float[4], 1, 5, 1, new float[3], 3, 1, ReadOnlySpan<float>.Empty, 1, Padding.Valid, 1, 1, DataFormat.ChannelsLast, y));
        Assert.Throws<ShapeMismatchException>(() => // output buffer of the wrong size
            ConvolutionOps.Conv1D("c", new float[5], 1, 5, 1, new float[3], 3, 1, ReadOnlySpan<float>.Empty, 1, Padding.Valid, 1, 1, DataFormat.ChannelsLast, new float[4]));
        Assert.Throws<ShapeMismatchException>(() => // bias of the wrong size
            ConvolutionOps.Conv1D("c", new float[5], 1, 5, 1, new float[3], 3, 1, new float[2], 1, Padding.Valid, 1, 1, DataFormat.ChannelsLast, y));
        Assert.Throws<ShapeMismatchException>(() => // channels not divisible by groups
            ConvolutionOps.Conv1D("c", new float[15], 1, 5, 3, new float[3], 1, 2, ReadOnlySpan<float>.Empty, 1, Padding.Valid, 1, 2, DataFormat.ChannelsLast, new float[10]));
        Assert.Throws<InvalidModelArgumentException>(() => // filters not divisible by groups
            ConvolutionOps.Conv1D("c", new float[20], 1, 5, 4, new float[6], 1, 3, ReadOnlySpan<float>.Empty, 1, Padding.Valid, 1, 2, DataFormat.ChannelsLast, new float[15]));
    }
}
