using System.Numerics;
using System.Numerics.Tensors;

namespace KerasPort.Compute.Ops;

/// <summary>Inference math of Keras's <c>Conv1D</c> layer (cross-correlation, as Keras and TensorFlow compute it).</summary>
internal static class ConvolutionOps
{
    /// <summary>
    /// Keras's <c>conv_output_length</c>: with the dilated kernel <c>dk = (kernel_size − 1) · dilation_rate + 1</c>,
    /// <c>valid</c> gives <c>ceil((length − dk + 1) / strides)</c>, <c>same</c> and <c>causal</c> give
    /// <c>ceil(length / strides)</c>. Throws <see cref="ShapeMismatchException"/> when the result is below 1 (Keras refuses
    /// such an input at build time).
    /// </summary>
    public static int OutputLength(string layer, int length, int kernelSize, int strides, Padding padding, int dilationRate)
    {
        OpShapes.RequirePositive(layer, "kernel_size", kernelSize);
        OpShapes.RequirePositive(layer, "strides", strides);
        OpShapes.RequirePositive(layer, "dilation_rate", dilationRate);
        OpShapes.RequireNonNegative(layer, "input length", length);
        long dk = (long)(kernelSize - 1) * dilationRate + 1;
        long n = padding == Padding.Valid ? length - dk + 1 : length;
        long outLen = n <= 0 ? 0 : (n + strides - 1) / strides;
        if (outLen < 1)
            throw new ShapeMismatchException(
                $"Layer '{layer}': an input of length {length} is too short for kernel_size {kernelSize} with dilation_rate {dilationRate} and padding '{PaddingName(padding)}' (output length would be {(n <= 0 ? n : outLen)}).");
        return (int)outLen;
    }

    /// <summary>
    /// Zeros padded before the first step: 0 for <c>valid</c>; <c>dilation_rate · (kernel_size − 1)</c> for <c>causal</c>;
    /// for <c>same</c> TensorFlow's rule <c>max((out − 1) · strides + dk − length, 0) / 2</c> (rounded down, so the odd
    /// extra zero goes after the end).
    /// </summary>
    public static int PadBefore(int length, int kernelSize, int strides, Padding padding, int dilationRate, int outputLength)
    {
        long dk = (long)(kernelSize - 1) * dilationRate + 1;
        return padding switch
        {
            Padding.Causal => (int)(dk - 1),
            Padding.Same => (int)(Math.Max((long)(outputLength - 1) * strides + dk - length, 0) / 2),
            _ => 0,
        };
    }

    /// <summary>
    /// <c>Conv1D</c>: for batch b, output step o and filter f in group g = f / (filters / groups):
    /// <c>y[b, o, f] = (Σ_k Σ_c x[b, o·strides − pad + k·dilation_rate, g·cg + c] · kernel[k, c, f]) + bias[f]</c>,
    /// where cg = channels / groups, positions outside [0, length) read zero, the sum runs k-major then c, and the bias is
    /// added after the sum. <c>causal</c> pads left only (Keras pads then runs a <c>valid</c> convolution).
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">(batch, length, channels) for channels_last, (batch, channels, length) for channels_first.</param>
    /// <param name="batch">Batch size.</param>
    /// <param name="length">Steps of the input.</param>
    /// <param name="channels">Input channels (must be divisible by <paramref name="groups"/>).</param>
    /// <param name="kernel">The <c>kernel</c> weight, shape (kernel_size, channels / groups, filters).</param>
    /// <param name="kernelSize">Keras's <c>kernel_size</c>.</param>
    /// <param name="filters">Keras's <c>filters</c> (must be divisible by <paramref name="groups"/>).</param>
    /// <param name="bias">The <c>bias</c> weight, shape (filters,), or empty when <c>use_bias=False</c>.</param>
    /// <param name="strides">Keras's <c>strides</c>.</param>
    /// <param name="padding">Keras's <c>padding</c>.</param>
    /// <param name="dilationRate">Keras's <c>dilation_rate</c>.</param>
    /// <param name="groups">Keras's <c>groups</c>.</param>
    /// <param name="dataFormat">Keras's <c>data_format</c> (applies to both input and output).</param>
    /// <param name="output">(batch, out_length, filters) for channels_last, (batch, filters, out_length) for channels_first,
    /// with out_length from <see cref="OutputLength"/>; must not overlap the input.</param>
    public static void Conv1D<T>(string layer, ReadOnlySpan<T> input, int batch, int length, int channels,
        ReadOnlySpan<T> kernel, int kernelSize, int filters, ReadOnlySpan<T> bias,
        int strides, Padding padding, int dilationRate, int groups, DataFormat dataFormat, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        OpShapes.RequireNonNegative(layer, "batch size", batch);
        OpShapes.RequirePositive(layer, "input channels", channels);
        OpShapes.RequirePositive(layer, "filters", filters);
        OpShapes.RequirePositive(layer, "groups", groups);
        if (channels % groups != 0)
            throw new ShapeMismatchException($"Layer '{layer}': the input has {channels} channels, not divisible by groups={groups}.");
        if (filters % groups != 0)
            throw new InvalidModelArgumentException($"Layer '{layer}': filters={filters} is not divisible by groups={groups}.");
        int outLen = OutputLength(layer, length, kernelSize, strides, padding, dilationRate);
        int cg = channels / groups, fg = filters / groups;
        OpShapes.RequireLength(layer, "input", input.Length, (long)batch * length * channels,
            $"(shape {(dataFormat == DataFormat.ChannelsLast ? $"({batch}, {length}, {channels})" : $"({batch}, {channels}, {length})")})");
        OpShapes.RequireLength(layer, "kernel", kernel.Length, (long)kernelSize * cg * filters, $"(shape ({kernelSize}, {cg}, {filters}))");
        if (!bias.IsEmpty) OpShapes.RequireLength(layer, "bias", bias.Length, filters, $"(shape ({filters},))");
        OpShapes.RequireLength(layer, "output", output.Length, (long)batch * outLen * filters,
            $"(shape {(dataFormat == DataFormat.ChannelsLast ? $"({batch}, {outLen}, {filters})" : $"({batch}, {filters}, {outLen})")})");
        int pad = PadBefore(length, kernelSize, strides, padding, dilationRate, outLen);

        if (dataFormat == DataFormat.ChannelsLast)
        {
            for (int b = 0; b < batch; b++)
            {
                for (int o = 0; o < outLen; o++)
                {
                    var y = output.Slice((b * outLen + o) * filters, filters);
                    y.Clear();
                    for (int k = 0; k < kernelSize; k++)
                    {
                        int pos = o * strides - pad + k * dilationRate;
                        if ((uint)pos >= (uint)length) continue;
                        var x = input.Slice((b * length + pos) * channels, channels);
                        for (int g = 0; g < groups; g++)
                        {
                            var yg = y.Slice(g * fg, fg);
                            for (int c = 0; c < cg; c++)
                                TensorPrimitives.MultiplyAdd(kernel.Slice((k * cg + c) * filters + g * fg, fg), x[g * cg + c], yg, yg);
                        }
                    }
                    if (!bias.IsEmpty) TensorPrimitives.Add(y, bias, y);
                }
            }
            return;
        }

        for (int b = 0; b < batch; b++)
        {
            for (int f = 0; f < filters; f++)
            {
                int g = f / fg;
                for (int o = 0; o < outLen; o++)
                {
                    T sum = T.Zero;
                    for (int k = 0; k < kernelSize; k++)
                    {
                        int pos = o * strides - pad + k * dilationRate;
                        if ((uint)pos >= (uint)length) continue;
                        for (int c = 0; c < cg; c++)
                            sum += input[(b * channels + g * cg + c) * length + pos] * kernel[(k * cg + c) * filters + f];
                    }
                    output[(b * filters + f) * outLen + o] = bias.IsEmpty ? sum : sum + bias[f];
                }
            }
        }
    }

    internal static string PaddingName(Padding padding) => padding switch
    {
        Padding.Same => "same",
        Padding.Causal => "causal",
        _ => "valid",
    };
}
