using System.Numerics;

namespace KerasPort.Compute.Ops;

/// <summary>How LayerNormalization combines the statistics with gamma and beta (they differ by rounding only).</summary>
internal enum LayerNormalizationFormula
{
    /// <summary>
    /// <c>inv = rsqrt(var + ε) · gamma; y = x · inv + (beta − mean · inv)</c>: Keras 3 (all backends but torch), and
    /// Keras 2 / tf.keras when it does not take the fused path (<c>tf.nn.batch_normalization</c>).
    /// </summary>
    ScaleShift,
    /// <summary>
    /// <c>y = ((x − mean) · rsqrt(var + ε)) · gamma + beta</c>: Keras 2 / tf.keras's fused path
    /// (<c>fused_batch_norm</c>, taken when the axes are contiguous and end at the last axis, ε ≥ 1.001e-5 and the
    /// layer dtype is float32); see <see cref="NormalizationOps.Keras2UsesFusedLayerNorm"/>.
    /// </summary>
    CenterThenScale,
}

/// <summary>Inference math of Keras's <c>BatchNormalization</c> and <c>LayerNormalization</c> layers.</summary>
internal static class NormalizationOps
{
    /// <summary>
    /// Folds the inference statistics of <c>BatchNormalization</c> into one scale and shift per channel, exactly as
    /// <c>tf.nn.batch_normalization</c> (used by Keras 2 and 3) evaluates them:
    /// <c>scale = rsqrt(moving_variance + ε) · gamma</c> (no gamma when <c>scale=False</c>),
    /// <c>shift = beta − moving_mean · scale</c> (<c>−moving_mean · scale</c> when <c>center=False</c>).
    /// Then <see cref="BatchNormalizationApply{T}"/> computes <c>y = x · scale + shift</c>.
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="gamma">(channels,) or empty when <c>scale=False</c>.</param>
    /// <param name="beta">(channels,) or empty when <c>center=False</c>.</param>
    /// <param name="movingMean">(channels,).</param>
    /// <param name="movingVariance">(channels,).</param>
    /// <param name="epsilon">Keras's <c>epsilon</c>, converted to T as Keras converts it.</param>
    /// <param name="scale">Output (channels,).</param>
    /// <param name="shift">Output (channels,).</param>
    public static void BatchNormalizationFold<T>(string layer, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta,
        ReadOnlySpan<T> movingMean, ReadOnlySpan<T> movingVariance, double epsilon, Span<T> scale, Span<T> shift)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = movingMean.Length;
        OpShapes.RequireLength(layer, "moving_variance", movingVariance.Length, n, $"(as moving_mean, ({n},))");
        if (!gamma.IsEmpty) OpShapes.RequireLength(layer, "gamma", gamma.Length, n, $"(as moving_mean, ({n},))");
        if (!beta.IsEmpty) OpShapes.RequireLength(layer, "beta", beta.Length, n, $"(as moving_mean, ({n},))");
        OpShapes.RequireLength(layer, "scale buffer", scale.Length, n, $"(({n},))");
        OpShapes.RequireLength(layer, "shift buffer", shift.Length, n, $"(({n},))");
        T eps = T.CreateTruncating(epsilon);
        for (int c = 0; c < n; c++)
        {
            T inv = T.One / T.Sqrt(movingVariance[c] + eps);
            if (!gamma.IsEmpty) inv *= gamma[c];
            scale[c] = inv;
            shift[c] = beta.IsEmpty ? -movingMean[c] * inv : beta[c] - movingMean[c] * inv;
        }
    }

    /// <summary>
    /// Applies folded BatchNormalization: <c>y = x · scale[c] + shift[c]</c> where c is the index along
    /// <paramref name="axis"/>.
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">Input of shape <paramref name="shape"/> (batch included).</param>
    /// <param name="shape">The input's shape, batch first.</param>
    /// <param name="axis">Keras's <c>axis</c> (negative counts from the end; default −1).</param>
    /// <param name="scale">(shape[axis],) from <see cref="BatchNormalizationFold{T}"/>.</param>
    /// <param name="shift">(shape[axis],) from <see cref="BatchNormalizationFold{T}"/>.</param>
    /// <param name="output">Output of the input's shape; may be the same span as the input.</param>
    public static void BatchNormalizationApply<T>(string layer, ReadOnlySpan<T> input, ReadOnlySpan<int> shape, int axis,
        ReadOnlySpan<T> scale, ReadOnlySpan<T> shift, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (outer, n, inner) = SplitAtAxis(layer, input.Length, shape, axis, output.Length);
        OpShapes.RequireLength(layer, "scale", scale.Length, n, $"(input axis {axis} has size {n})");
        OpShapes.RequireLength(layer, "shift", shift.Length, n, $"(input axis {axis} has size {n})");
        int p = 0;
        for (int o = 0; o < outer; o++)
        {
            for (int c = 0; c < n; c++)
            {
                T s = scale[c], h = shift[c];
                for (int i = 0; i < inner; i++, p++) output[p] = input[p] * s + h;
            }
        }
    }

    /// <summary>
    /// <c>BatchNormalization</c> inference in one call (folds the statistics per channel on the fly, so it needs no
    /// scratch): <c>y = x · inv + (beta − moving_mean · inv)</c> with <c>inv = rsqrt(moving_variance + ε) · gamma</c>.
    /// Same values as <see cref="BatchNormalizationFold{T}"/> followed by <see cref="BatchNormalizationApply{T}"/>.
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">Input of shape <paramref name="shape"/> (batch included).</param>
    /// <param name="shape">The input's shape, batch first.</param>
    /// <param name="axis">Keras's <c>axis</c> (negative counts from the end).</param>
    /// <param name="gamma">(shape[axis],) or empty when <c>scale=False</c>.</param>
    /// <param name="beta">(shape[axis],) or empty when <c>center=False</c>.</param>
    /// <param name="movingMean">(shape[axis],).</param>
    /// <param name="movingVariance">(shape[axis],).</param>
    /// <param name="epsilon">Keras's <c>epsilon</c>.</param>
    /// <param name="output">Output of the input's shape; may be the same span as the input.</param>
    public static void BatchNormalization<T>(string layer, ReadOnlySpan<T> input, ReadOnlySpan<int> shape, int axis,
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> movingMean, ReadOnlySpan<T> movingVariance,
        double epsilon, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (outer, n, inner) = SplitAtAxis(layer, input.Length, shape, axis, output.Length);
        OpShapes.RequireLength(layer, "moving_mean", movingMean.Length, n, $"(input axis {axis} has size {n})");
        OpShapes.RequireLength(layer, "moving_variance", movingVariance.Length, n, $"(input axis {axis} has size {n})");
        if (!gamma.IsEmpty) OpShapes.RequireLength(layer, "gamma", gamma.Length, n, $"(input axis {axis} has size {n})");
        if (!beta.IsEmpty) OpShapes.RequireLength(layer, "beta", beta.Length, n, $"(input axis {axis} has size {n})");
        T eps = T.CreateTruncating(epsilon);
        int p = 0;
        for (int o = 0; o < outer; o++)
        {
            for (int c = 0; c < n; c++)
            {
                T inv = T.One / T.Sqrt(movingVariance[c] + eps);
                if (!gamma.IsEmpty) inv *= gamma[c];
                T h = beta.IsEmpty ? -movingMean[c] * inv : beta[c] - movingMean[c] * inv;
                for (int i = 0; i < inner; i++, p++) output[p] = input[p] * inv + h;
            }
        }
    }

    /// <summary>
    /// True when Keras 2 / tf.keras's LayerNormalization takes its fused path (then pass
    /// <see cref="LayerNormalizationFormula.CenterThenScale"/>): the normalized axes are contiguous and include the last
    /// axis, <c>epsilon ≥ 1.001e-5</c>, and the layer dtype is float32.
    /// </summary>
    public static bool Keras2UsesFusedLayerNorm(ReadOnlySpan<int> axes, int rank, double epsilon, bool layerDtypeIsFloat32)
    {
        if (axes.IsEmpty || epsilon < 1.001e-5 || !layerDtypeIsFloat32) return false;
        int min = int.MaxValue, max = int.MinValue;
        foreach (int a0 in axes)
        {
            int a = a0 < 0 ? a0 + rank : a0;
            min = Math.Min(min, a);
            max = Math.Max(max, a);
        }
        return max == rank - 1 && max - min == axes.Length - 1;
    }

    /// <summary>
    /// <c>LayerNormalization</c> over the axes <paramref name="axes"/> (any set, batch axis excluded in practice), for each
    /// position of the other axes: <c>mean = Σx / n</c>, <c>var = Σ(x − mean)² / n</c> (two passes, accumulated in T, as
    /// <c>tf.nn.moments</c> does in the layer dtype), then per <paramref name="formula"/>. gamma and beta hold one value
    /// per position of the normalized axes, row-major over those axes in ascending axis order (Keras reshapes them to the
    /// broadcast shape, which is that order whatever order <c>axis</c> lists).
    /// With <paramref name="rmsScaling"/> (Keras 3's <c>rms_scaling=True</c>) beta is unused and
    /// <c>y = (x · rsqrt(var + ε)) · gamma</c> where var is still the mean-centred variance (Keras computes
    /// <c>ops.var</c>, not the mean of squares, and does not subtract the mean from x).
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">Input of shape <paramref name="shape"/>.</param>
    /// <param name="shape">The input's shape, batch first.</param>
    /// <param name="axes">Keras's <c>axis</c> (int or list; negative counts from the end; no duplicates).</param>
    /// <param name="gamma">Product of the normalized dims values, or empty when <c>scale=False</c> (required with rmsScaling).</param>
    /// <param name="beta">Product of the normalized dims values, or empty when <c>center=False</c>.</param>
    /// <param name="epsilon">Keras's <c>epsilon</c>.</param>
    /// <param name="rmsScaling">Keras 3's <c>rms_scaling</c>.</param>
    /// <param name="formula">See <see cref="LayerNormalizationFormula"/>.</param>
    /// <param name="output">Output of the input's shape; may be the same span as the input.</param>
    public static void LayerNormalization<T>(string layer, ReadOnlySpan<T> input, ReadOnlySpan<int> shape, ReadOnlySpan<int> axes,
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, double epsilon, bool rmsScaling, LayerNormalizationFormula formula,
        Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rank = shape.Length;
        int total = OpShapes.Product(layer, "input", shape);
        OpShapes.RequireLength(layer, "input", input.Length, total, $"(shape {OpShapes.Format(shape)})");
        OpShapes.RequireLength(layer, "output", output.Length, total, $"(shape {OpShapes.Format(shape)})");
        if (axes.IsEmpty) throw new InvalidModelArgumentException($"Layer '{layer}': LayerNormalization needs at least one axis.");

        Span<bool> reduced = stackalloc bool[rank];
        OpShapes.MarkAxes(layer, axes, reduced);
        Span<int> keptShape = stackalloc int[rank], keptStrides = stackalloc int[rank];
        Span<int> redShape = stackalloc int[rank], redStrides = stackalloc int[rank];
        var (nk, nr) = OpShapes.SplitAxes(shape, reduced, keptShape, keptStrides, redShape, redStrides);
        int outer = 1, n = 1;
        for (int i = 0; i < nk; i++) outer *= keptShape[i];
        for (int i = 0; i < nr; i++) n *= redShape[i];
        if (!gamma.IsEmpty) OpShapes.RequireLength(layer, "gamma", gamma.Length, n, $"(the normalized axes hold {n} values)");
        if (!beta.IsEmpty) OpShapes.RequireLength(layer, "beta", beta.Length, n, $"(the normalized axes hold {n} values)");
        if (rmsScaling && gamma.IsEmpty)
            throw new MissingWeightsException($"Layer '{layer}': rms_scaling=True needs the gamma weight.");
        if (total == 0) return;

        T eps = T.CreateTruncating(epsilon);
        T count = T.CreateTruncating(n);
        Span<int> ki = stackalloc int[nk], ri = stackalloc int[nr];
        var outerCur = new StridedCursor(keptShape[..nk], keptStrides[..nk], ki);
        var cur = new StridedCursor(redShape[..nr], redStrides[..nr], ri);
        for (int o = 0; o < outer; o++, outerCur.MoveNext())
        {
            int baseOff = outerCur.Offset;
            T sum = T.Zero;
            cur.Reset(baseOff);
            for (int r = 0; r < n; r++, cur.MoveNext()) sum += input[cur.Offset];
            T mean = sum / count;
            T sq = T.Zero;
            cur.Reset(baseOff);
            for (int r = 0; r < n; r++, cur.MoveNext())
            {
                T dlt = input[cur.Offset] - mean;
                sq += dlt * dlt;
            }
            T variance = sq / count;
            T rs = T.One / T.Sqrt(variance + eps);

            cur.Reset(baseOff);
            if (rmsScaling)
            {
                for (int r = 0; r < n; r++, cur.MoveNext()) output[cur.Offset] = input[cur.Offset] * rs * gamma[r];
            }
            else if (formula == LayerNormalizationFormula.CenterThenScale)
            {
                for (int r = 0; r < n; r++, cur.MoveNext())
                {
                    T y = (input[cur.Offset] - mean) * rs;
                    if (!gamma.IsEmpty) y *= gamma[r];
                    if (!beta.IsEmpty) y += beta[r];
                    output[cur.Offset] = y;
                }
            }
            else
            {
                for (int r = 0; r < n; r++, cur.MoveNext())
                {
                    T inv = gamma.IsEmpty ? rs : rs * gamma[r];
                    T res = -mean * inv;
                    if (!beta.IsEmpty) res += beta[r];
                    output[cur.Offset] = input[cur.Offset] * inv + res;
                }
            }
        }
    }

    /// <summary>Splits a shape into (product before axis, size of axis, product after axis), validating lengths.</summary>
    internal static (int Outer, int N, int Inner) SplitAtAxis(string layer, int inputLength, ReadOnlySpan<int> shape, int axis, int outputLength)
    {
        int total = OpShapes.Product(layer, "input", shape);
        OpShapes.RequireLength(layer, "input", inputLength, total, $"(shape {OpShapes.Format(shape)})");
        OpShapes.RequireLength(layer, "output", outputLength, total, $"(shape {OpShapes.Format(shape)})");
        int a = OpShapes.NormalizeAxis(layer, axis, shape.Length);
        int outer = 1, inner = 1;
        for (int d = 0; d < a; d++) outer *= shape[d];
        for (int d = a + 1; d < shape.Length; d++) inner *= shape[d];
        return (outer, shape[a], inner);
    }
}
