using System.Numerics;

namespace KerasPort.Compute.Ops;

/// <summary>
/// Inference math of Keras's advanced-activation layers (<c>ReLU</c>, <c>LeakyReLU</c>, <c>PReLU</c>, <c>ELU</c>,
/// <c>ThresholdedReLU</c>, <c>Softmax</c>) and softmax / log_softmax over any axis. Elementwise functions accept
/// <c>output</c> == <c>input</c>.
/// </summary>
internal static class ActivationLayerOps
{
    /// <summary>
    /// The <c>ReLU</c> layer / <c>relu</c> activation with options, evaluated as Keras's <c>relu</c> does (Keras 2
    /// <c>backend.relu</c> and Keras 3 <c>activations.relu</c> share the algorithm):
    /// <list type="bullet">
    /// <item>negative_slope ≠ 0, no max_value, threshold = 0: <see cref="LeakyReLU{T}"/>.</item>
    /// <item>otherwise <c>neg = relu(−x + threshold)</c> (only used when negative_slope ≠ 0);
    /// <c>y = threshold ≠ 0 ? x · (x &gt; threshold) : relu(x)</c>; <c>y = clip(y, 0, max_value)</c> when max_value is
    /// set; <c>y −= negative_slope · neg</c>.</item>
    /// </list>
    /// So for x ≤ threshold the result is <c>negative_slope · (x − threshold)</c>, for x above it x (capped at max_value).
    /// </summary>
    /// <param name="input">Any shape.</param>
    /// <param name="output">Same shape.</param>
    /// <param name="maxValue">Keras's <c>max_value</c> or null.</param>
    /// <param name="negativeSlope">Keras's <c>negative_slope</c> (Keras 2 <c>alpha</c> of <c>backend.relu</c>).</param>
    /// <param name="threshold">Keras's <c>threshold</c>.</param>
    public static void ReLU<T>(ReadOnlySpan<T> input, Span<T> output, double? maxValue, double negativeSlope, double threshold)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLength(input, output);
        if (negativeSlope != 0 && maxValue is null && threshold == 0)
        {
            LeakyReLU(input, output, negativeSlope);
            return;
        }
        T slope = T.CreateTruncating(negativeSlope);
        T thr = T.CreateTruncating(threshold);
        T max = T.CreateTruncating(maxValue ?? 0);
        bool hasSlope = negativeSlope != 0, hasThr = threshold != 0, hasMax = maxValue is not null;
        for (int i = 0; i < input.Length; i++)
        {
            T x = input[i];
            T neg = hasSlope ? T.Max(-x + thr, T.Zero) : T.Zero;
            T y = hasThr ? x * (x > thr ? T.One : T.Zero) : T.Max(x, T.Zero);
            if (hasMax) y = T.Min(T.Max(y, T.Zero), max);
            if (hasSlope) y -= slope * neg;
            output[i] = y;
        }
    }

    /// <summary>
    /// <c>LeakyReLU</c>: <c>y = x &gt; 0 ? x : x · negative_slope</c> (TensorFlow's <c>leaky_relu</c> kernel). TensorFlow
    /// passes the slope as a float32 op attribute, so it is rounded to float32 even for float64 tensors; this does the
    /// same. Keras 3 names the parameter <c>negative_slope</c> (default 0.3), Keras 2 <c>alpha</c> (default 0.3).
    /// </summary>
    public static void LeakyReLU<T>(ReadOnlySpan<T> input, Span<T> output, double negativeSlope)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLength(input, output);
        T a = T.CreateTruncating((double)(float)negativeSlope);
        for (int i = 0; i < input.Length; i++)
        {
            T x = input[i];
            output[i] = x > T.Zero ? x : x * a;
        }
    }

    /// <summary>
    /// <c>ELU</c>: <c>y = x &gt; 0 ? x : alpha · (exp(x) − 1)</c>. TensorFlow's kernel computes <c>exp(x) − 1</c> (not
    /// expm1) in the tensor dtype, and Keras multiplies by alpha only when alpha ≠ 1.
    /// </summary>
    public static void ELU<T>(ReadOnlySpan<T> input, Span<T> output, double alpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLength(input, output);
        T a = T.CreateTruncating(alpha);
        bool scale = alpha != 1;
        for (int i = 0; i < input.Length; i++)
        {
            T x = input[i];
            if (x > T.Zero) { output[i] = x; continue; }
            T e = x < T.Zero ? T.Exp(x) - T.One : x;
            output[i] = scale ? a * e : e;
        }
    }

    /// <summary>
    /// Keras 2's <c>ThresholdedReLU(theta)</c>: <c>y = x · (x &gt; theta)</c> (a multiplication, so −inf below theta gives
    /// NaN as in TensorFlow). Keras 3 has no such layer; its <c>ReLU(threshold=theta)</c> computes the same values.
    /// </summary>
    public static void ThresholdedReLU<T>(ReadOnlySpan<T> input, Span<T> output, double theta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLength(input, output);
        T t = T.CreateTruncating(theta);
        for (int i = 0; i < input.Length; i++)
        {
            T x = input[i];
            output[i] = x * (x > t ? T.One : T.Zero);
        }
    }

    /// <summary>
    /// <c>PReLU</c>: <c>y = x &gt; 0 ? x : alpha · x</c> (Keras: <c>relu(x) − alpha · relu(−x)</c>), alpha broadcast over
    /// the batch axis and over <c>shared_axes</c>.
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">Input of shape <paramref name="shape"/>.</param>
    /// <param name="shape">The input's shape, batch first.</param>
    /// <param name="alpha">The <c>alpha</c> weight, shape <c>shape[1:]</c> with every shared axis set to 1.</param>
    /// <param name="sharedAxes">Keras's <c>shared_axes</c> (1-based axes of the full input; empty for none).</param>
    /// <param name="output">Output of the input's shape; may be the same span as the input.</param>
    public static void PReLU<T>(string layer, ReadOnlySpan<T> input, ReadOnlySpan<int> shape, ReadOnlySpan<T> alpha,
        ReadOnlySpan<int> sharedAxes, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rank = shape.Length;
        int total = OpShapes.Product(layer, "input", shape);
        OpShapes.RequireLength(layer, "input", input.Length, total, $"(shape {OpShapes.Format(shape)})");
        OpShapes.RequireLength(layer, "output", output.Length, total, $"(shape {OpShapes.Format(shape)})");
        if (rank < 1) throw new ShapeMismatchException($"Layer '{layer}': PReLU needs an input with a batch axis.");
        Span<int> alphaShape = stackalloc int[rank];
        alphaShape[0] = 1;
        for (int d = 1; d < rank; d++) alphaShape[d] = shape[d];
        foreach (int a in sharedAxes)
        {
            if (a < 1 || a >= rank)
                throw new InvalidModelArgumentException($"Layer '{layer}': shared_axes entry {a} is not a non-batch axis of an input of rank {rank}.");
            alphaShape[a] = 1;
        }
        int alphaCount = OpShapes.Product(layer, "alpha", alphaShape);
        OpShapes.RequireLength(layer, "alpha", alpha.Length, alphaCount, $"(shape {OpShapes.Format(alphaShape[1..])})");
        Span<int> strides = stackalloc int[rank], index = stackalloc int[rank];
        OpShapes.RowMajorStrides(alphaShape, strides);
        for (int d = 0; d < rank; d++) if (alphaShape[d] == 1) strides[d] = 0;
        var cur = new StridedCursor(shape, strides, index);
        for (int j = 0; j < total; j++, cur.MoveNext())
        {
            T x = input[j];
            output[j] = x > T.Zero ? x : alpha[cur.Offset] * x;
        }
    }

    /// <summary>Softmax over one axis (TensorFlow's kernel: <c>e = exp(x − max)</c>, <c>y = e · (1 / Σe)</c>).</summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">Input of shape <paramref name="shape"/>.</param>
    /// <param name="shape">The input's shape (batch included).</param>
    /// <param name="axis">Axis (negative counts from the end).</param>
    /// <param name="output">Output of the input's shape; may be the same span as the input.</param>
    public static void Softmax<T>(string layer, ReadOnlySpan<T> input, ReadOnlySpan<int> shape, int axis, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Softmax(layer, input, shape, [axis], ReadOnlySpan<bool>.Empty, false, output);

    /// <summary>
    /// The <c>Softmax</c> layer. With a mask, masked positions first get a large negative: Keras 3 and tf.keras
    /// (default) compute <c>x + (1 − mask) · (−1e9)</c>; tf.keras with <c>robust_masking=True</c> replaces them with
    /// −1e9. With one axis: <c>exp(x − max) · (1 / Σ)</c> as TensorFlow's softmax. With several axes Keras computes
    /// <c>exp(x − logsumexp(x, axes))</c>, where <c>logsumexp = log(Σ exp(x − m)) + m</c> and m is the max over the axes
    /// (0 when that max is not finite), as <c>tf.reduce_logsumexp</c>.
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">Input of shape <paramref name="shape"/>.</param>
    /// <param name="shape">The input's shape (batch included).</param>
    /// <param name="axes">Keras's <c>axis</c> (int or list; negative counts from the end; no duplicates).</param>
    /// <param name="mask">Empty for none, else one flag per input element (true = keep).</param>
    /// <param name="robustMasking">tf.keras's <c>robust_masking</c>.</param>
    /// <param name="output">Output of the input's shape; may be the same span as the input.</param>
    public static void Softmax<T>(string layer, ReadOnlySpan<T> input, ReadOnlySpan<int> shape, ReadOnlySpan<int> axes,
        ReadOnlySpan<bool> mask, bool robustMasking, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int total = OpShapes.Product(layer, "input", shape);
        OpShapes.RequireLength(layer, "input", input.Length, total, $"(shape {OpShapes.Format(shape)})");
        OpShapes.RequireLength(layer, "output", output.Length, total, $"(shape {OpShapes.Format(shape)})");
        if (!mask.IsEmpty) OpShapes.RequireLength(layer, "mask", mask.Length, total, $"(one flag per input element, shape {OpShapes.Format(shape)})");

        if (mask.IsEmpty) input.CopyTo(output);
        else
        {
            T large = T.CreateTruncating(-1e9);
            for (int i = 0; i < total; i++)
            {
                if (robustMasking) output[i] = mask[i] ? input[i] : large;
                else output[i] = input[i] + (T.One - (mask[i] ? T.One : T.Zero)) * large;
            }
        }
        Reduce(layer, output, shape, axes, axes.Length > 1 ? Mode.LogSumExpSoftmax : Mode.Softmax);
    }

    /// <summary>log_softmax over one axis (TensorFlow's kernel: <c>s = x − max</c>, <c>y = s − log(Σ exp(s))</c>).</summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">Input of shape <paramref name="shape"/>.</param>
    /// <param name="shape">The input's shape (batch included).</param>
    /// <param name="axis">Axis (negative counts from the end).</param>
    /// <param name="output">Output of the input's shape; may be the same span as the input.</param>
    public static void LogSoftmax<T>(string layer, ReadOnlySpan<T> input, ReadOnlySpan<int> shape, int axis, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int total = OpShapes.Product(layer, "input", shape);
        OpShapes.RequireLength(layer, "input", input.Length, total, $"(shape {OpShapes.Format(shape)})");
        OpShapes.RequireLength(layer, "output", output.Length, total, $"(shape {OpShapes.Format(shape)})");
        input.CopyTo(output);
        Reduce(layer, output, shape, [axis], Mode.LogSoftmax);
    }

    private enum Mode { Softmax, LogSoftmax, LogSumExpSoftmax }

    /// <summary>Applies the softmax family in place over the given axes of <paramref name="data"/>.</summary>
    private static void Reduce<T>(string layer, Span<T> data, ReadOnlySpan<int> shape, ReadOnlySpan<int> axes, Mode mode)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rank = shape.Length;
        if (axes.IsEmpty) throw new InvalidModelArgumentException($"Layer '{layer}': softmax needs at least one axis.");
        if (data.IsEmpty) return;
        Span<bool> reduced = stackalloc bool[rank];
        OpShapes.MarkAxes(layer, axes, reduced);
        Span<int> keptShape = stackalloc int[rank], keptStrides = stackalloc int[rank];
        Span<int> redShape = stackalloc int[rank], redStrides = stackalloc int[rank];
        var (nk, nr) = OpShapes.SplitAxes(shape, reduced, keptShape, keptStrides, redShape, redStrides);
        int outer = 1, n = 1;
        for (int i = 0; i < nk; i++) outer *= keptShape[i];
        for (int i = 0; i < nr; i++) n *= redShape[i];
        Span<int> ki = stackalloc int[nk], ri = stackalloc int[nr];
        var outerCur = new StridedCursor(keptShape[..nk], keptStrides[..nk], ki);
        var cur = new StridedCursor(redShape[..nr], redStrides[..nr], ri);
        for (int o = 0; o < outer; o++, outerCur.MoveNext())
        {
            int baseOff = outerCur.Offset;
            cur.Reset(baseOff);
            T max = data[cur.Offset];
            for (int r = 1; r < n; r++) { cur.MoveNext(); max = T.Max(max, data[cur.Offset]); }
            switch (mode)
            {
                case Mode.Softmax:
                {
                    T sum = T.Zero;
                    cur.Reset(baseOff);
                    for (int r = 0; r < n; r++, cur.MoveNext())
                    {
                        T e = T.Exp(data[cur.Offset] - max);
                        data[cur.Offset] = e;
                        sum += e;
                    }
                    T inv = T.One / sum;
                    cur.Reset(baseOff);
                    for (int r = 0; r < n; r++, cur.MoveNext()) data[cur.Offset] *= inv;
                    break;
                }
                case Mode.LogSoftmax:
                {
                    T sum = T.Zero;
                    cur.Reset(baseOff);
                    for (int r = 0; r < n; r++, cur.MoveNext()) sum += T.Exp(data[cur.Offset] - max);
                    T logSum = T.Log(sum);
                    cur.Reset(baseOff);
                    for (int r = 0; r < n; r++, cur.MoveNext()) data[cur.Offset] = (data[cur.Offset] - max) - logSum;
                    break;
                }
                default:
                {
                    T m = T.IsFinite(max) ? max : T.Zero;
                    T sum = T.Zero;
                    cur.Reset(baseOff);
                    for (int r = 0; r < n; r++, cur.MoveNext()) sum += T.Exp(data[cur.Offset] - m);
                    T lse = T.Log(sum) + m;
                    cur.Reset(baseOff);
                    for (int r = 0; r < n; r++, cur.MoveNext()) data[cur.Offset] = T.Exp(data[cur.Offset] - lse);
                    break;
                }
            }
        }
    }

    private static void RequireSameLength<T>(ReadOnlySpan<T> input, Span<T> output)
    {
        if (input.Length != output.Length)
            throw new ShapeMismatchException($"Activation output buffer has {output.Length} elements for an input of {input.Length}.");
    }
}
