using System.Numerics;

namespace KerasPort.Compute.Ops;

/// <summary>Inference math of Keras's 1-D pooling layers (TensorFlow's pooling semantics).</summary>
internal static class PoolingOps
{
    /// <summary>
    /// Output length of <c>MaxPooling1D</c> / <c>AveragePooling1D</c>: <c>valid</c> gives
    /// <c>ceil((length − pool_size + 1) / strides)</c>, <c>same</c> gives <c>ceil(length / strides)</c>.
    /// Keras's default <c>strides=None</c> means <c>strides = pool_size</c>: the caller resolves it.
    /// </summary>
    public static int OutputLength(string layer, int length, int poolSize, int strides, Padding padding)
    {
        if (padding == Padding.Causal)
            throw new InvalidModelArgumentException($"Layer '{layer}': pooling does not accept padding 'causal' (only 'valid' or 'same').");
        OpShapes.RequirePositive(layer, "pool_size", poolSize);
        OpShapes.RequirePositive(layer, "strides", strides);
        OpShapes.RequireNonNegative(layer, "input length", length);
        long n = padding == Padding.Valid ? (long)length - poolSize + 1 : length;
        if (n <= 0)
            throw new ShapeMismatchException($"Layer '{layer}': an input of length {length} is shorter than pool_size {poolSize} with padding 'valid'.");
        return (int)((n + strides - 1) / strides);
    }

    /// <summary>
    /// <c>MaxPooling1D</c>: <c>y[b, o, c] = max over the window [o·strides − pad, o·strides − pad + pool_size) ∩ [0, length)</c>
    /// of x[b, t, c], with TensorFlow's SAME pad <c>max((out − 1) · strides + pool_size − length, 0) / 2</c> before
    /// (0 for valid). Padded positions are ignored (never a 0 in the max). Every window holds at least one real step.
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">(batch, length, channels) for channels_last, (batch, channels, length) for channels_first.</param>
    /// <param name="batch">Batch size.</param>
    /// <param name="length">Steps of the input.</param>
    /// <param name="channels">Channels (features).</param>
    /// <param name="poolSize">Keras's <c>pool_size</c>.</param>
    /// <param name="strides">Keras's <c>strides</c> (already resolved: None → pool_size).</param>
    /// <param name="padding"><c>valid</c> or <c>same</c>.</param>
    /// <param name="dataFormat">Keras's <c>data_format</c> (applies to input and output).</param>
    /// <param name="output">(batch, out_length, channels) or (batch, channels, out_length); must not overlap the input.</param>
    public static void MaxPooling1D<T>(string layer, ReadOnlySpan<T> input, int batch, int length, int channels,
        int poolSize, int strides, Padding padding, DataFormat dataFormat, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Pool(layer, input, batch, length, channels, poolSize, strides, padding, dataFormat, output, average: false);

    /// <summary>
    /// <c>AveragePooling1D</c>: the sum of the window's real steps (see <see cref="MaxPooling1D{T}"/> for the windows)
    /// divided by the number of real steps in it. With <c>same</c> padding the edge windows therefore divide by fewer than
    /// pool_size (TensorFlow's <c>avg_pool</c> and Keras's JAX backend exclude padding from the count).
    /// </summary>
    /// <inheritdoc cref="MaxPooling1D{T}"/>
    public static void AveragePooling1D<T>(string layer, ReadOnlySpan<T> input, int batch, int length, int channels,
        int poolSize, int strides, Padding padding, DataFormat dataFormat, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Pool(layer, input, batch, length, channels, poolSize, strides, padding, dataFormat, output, average: true);

    private static void Pool<T>(string layer, ReadOnlySpan<T> input, int batch, int length, int channels,
        int poolSize, int strides, Padding padding, DataFormat dataFormat, Span<T> output, bool average)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        OpShapes.RequireNonNegative(layer, "batch size", batch);
        OpShapes.RequirePositive(layer, "channels", channels);
        int outLen = OutputLength(layer, length, poolSize, strides, padding);
        bool last = dataFormat == DataFormat.ChannelsLast;
        OpShapes.RequireLength(layer, "input", input.Length, (long)batch * length * channels,
            $"(shape {(last ? $"({batch}, {length}, {channels})" : $"({batch}, {channels}, {length})")})");
        OpShapes.RequireLength(layer, "output", output.Length, (long)batch * outLen * channels,
            $"(shape {(last ? $"({batch}, {outLen}, {channels})" : $"({batch}, {channels}, {outLen})")})");
        int pad = padding == Padding.Same ? (int)(Math.Max((long)(outLen - 1) * strides + poolSize - length, 0) / 2) : 0;

        // Element (b, t, c) lives at b*bs + t*ts + c*cs in both layouts.
        int bs = length * channels;
        int ts = last ? channels : 1;
        int cs = last ? 1 : length;
        int obs = outLen * channels, ots = last ? channels : 1, ocs = last ? 1 : outLen;
        for (int b = 0; b < batch; b++)
        {
            for (int o = 0; o < outLen; o++)
            {
                int start = Math.Max(o * strides - pad, 0);
                int end = Math.Min(o * strides - pad + poolSize, length);
                int count = end - start;
                for (int c = 0; c < channels; c++)
                {
                    int baseIn = b * bs + c * cs;
                    T acc = input[baseIn + start * ts];
                    for (int t = start + 1; t < end; t++)
                    {
                        T v = input[baseIn + t * ts];
                        acc = average ? acc + v : T.Max(acc, v);
                    }
                    output[b * obs + o * ots + c * ocs] = average ? acc / T.CreateTruncating(count) : acc;
                }
            }
        }
    }

    /// <summary>
    /// <c>GlobalMaxPooling1D</c>: <c>y[b, c] = max_t x[b, t, c]</c>. Keras ignores any incoming mask here (Keras 3 drops it;
    /// Keras 2 refuses a mask on this layer), so there is no mask parameter. <c>keepdims</c> changes only the shape
    /// ((batch, 1, channels) or (batch, channels, 1)), not the data: the same buffer serves both.
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">(batch, steps, channels) for channels_last, (batch, channels, steps) for channels_first.</param>
    /// <param name="batch">Batch size.</param>
    /// <param name="steps">Steps (must be at least 1).</param>
    /// <param name="channels">Channels.</param>
    /// <param name="dataFormat">Keras's <c>data_format</c>.</param>
    /// <param name="output">(batch, channels).</param>
    public static void GlobalMaxPooling1D<T>(string layer, ReadOnlySpan<T> input, int batch, int steps, int channels,
        DataFormat dataFormat, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckGlobal(layer, input.Length, batch, steps, channels, dataFormat, output.Length, ReadOnlySpan<bool>.Empty);
        bool last = dataFormat == DataFormat.ChannelsLast;
        int ts = last ? channels : 1, cs = last ? 1 : steps;
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                int baseIn = b * steps * channels + c * cs;
                T acc = input[baseIn];
                for (int t = 1; t < steps; t++) acc = T.Max(acc, input[baseIn + t * ts]);
                output[b * channels + c] = acc;
            }
        }
    }

    /// <summary>
    /// <c>GlobalAveragePooling1D</c>. Without a mask: <c>y[b, c] = (Σ_t x[b, t, c]) / steps</c>. With a mask (one flag per
    /// (batch, step)): <c>y[b, c] = (Σ_t masked x) / (number of kept steps)</c>, which is NaN (0/0) for a row with no kept
    /// step, as in Keras. Keras 3 zeroes masked steps with <c>where(mask, x, 0)</c>; Keras 2 multiplies <c>x · mask</c>, which
    /// turns a masked ±inf or NaN into NaN: <paramref name="keras2MaskMultiply"/> selects the latter.
    /// <c>keepdims</c> changes only the shape, not the data.
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">(batch, steps, channels) for channels_last, (batch, channels, steps) for channels_first.</param>
    /// <param name="batch">Batch size.</param>
    /// <param name="steps">Steps (must be at least 1).</param>
    /// <param name="channels">Channels.</param>
    /// <param name="dataFormat">Keras's <c>data_format</c>.</param>
    /// <param name="mask">Empty for no mask, else (batch, steps) flags, true = keep.</param>
    /// <param name="keras2MaskMultiply">True for Keras 2's <c>x · mask</c>, false for Keras 3's <c>where</c>.</param>
    /// <param name="output">(batch, channels).</param>
    public static void GlobalAveragePooling1D<T>(string layer, ReadOnlySpan<T> input, int batch, int steps, int channels,
        DataFormat dataFormat, ReadOnlySpan<bool> mask, bool keras2MaskMultiply, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckGlobal(layer, input.Length, batch, steps, channels, dataFormat, output.Length, mask);
        bool last = dataFormat == DataFormat.ChannelsLast;
        int ts = last ? channels : 1, cs = last ? 1 : steps;
        bool masked = !mask.IsEmpty;
        for (int b = 0; b < batch; b++)
        {
            int kept = steps;
            if (masked)
            {
                kept = 0;
                for (int t = 0; t < steps; t++) if (mask[b * steps + t]) kept++;
            }
            T divisor = T.CreateTruncating(kept);
            for (int c = 0; c < channels; c++)
            {
                int baseIn = b * steps * channels + c * cs;
                T sum = T.Zero;
                for (int t = 0; t < steps; t++)
                {
                    T v = input[baseIn + t * ts];
                    if (masked && !mask[b * steps + t]) v = keras2MaskMultiply ? v * T.Zero : T.Zero;
                    sum += v;
                }
                output[b * channels + c] = sum / divisor;
            }
        }
    }

    /// <summary>The Keras output shape of a 1-D global pooling layer (the data layout is the same with or without keepdims).</summary>
    public static int[] GlobalPooling1DOutputShape(int batch, int channels, DataFormat dataFormat, bool keepdims) =>
        !keepdims ? [batch, channels] : dataFormat == DataFormat.ChannelsLast ? [batch, 1, channels] : [batch, channels, 1];

    private static void CheckGlobal(string layer, int inputLength, int batch, int steps, int channels, DataFormat dataFormat,
        int outputLength, ReadOnlySpan<bool> mask)
    {
        OpShapes.RequireNonNegative(layer, "batch size", batch);
        OpShapes.RequirePositive(layer, "steps", steps);
        OpShapes.RequirePositive(layer, "channels", channels);
        bool last = dataFormat == DataFormat.ChannelsLast;
        OpShapes.RequireLength(layer, "input", inputLength, (long)batch * steps * channels,
            $"(shape {(last ? $"({batch}, {steps}, {channels})" : $"({batch}, {channels}, {steps})")})");
        OpShapes.RequireLength(layer, "output", outputLength, (long)batch * channels, $"(shape ({batch}, {channels}))");
        if (!mask.IsEmpty) OpShapes.RequireLength(layer, "mask", mask.Length, (long)batch * steps, $"(shape ({batch}, {steps}))");
    }
}
