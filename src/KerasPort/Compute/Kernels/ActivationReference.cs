using System.Numerics;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// The scalar reference of every Keras activation: one element at a time, written as directly as possible from
/// Keras's own definitions (keras/src/activations/activations.py, keras/src/backend/tensorflow/nn.py, and the
/// Keras 2 backend). Piecewise-linear functions (relu family, hard_sigmoid, hard_silu, relu6, leaky_relu,
/// softsign, linear) are computed in T with the same operations and roundings TensorFlow performs, so fast paths
/// must match them bit for bit; transcendental ones are computed in double and rounded once to T (the correctly
/// rounded value up to the ~1 ulp of the double libm), which fast paths must match within a few ulp.
/// </summary>
public static class ActivationReference
{
    /// <summary>SELU's α (TensorFlow's constant).</summary>
    public const double SeluAlpha = 1.6732632423543772848170429916717;
    /// <summary>SELU's scale (TensorFlow's constant).</summary>
    public const double SeluScale = 1.0507009873554804934193349852946;
    /// <summary>√(2/π), the constant of the tanh form of GELU.</summary>
    public const double GeluTanhScale = 0.7978845608028654;
    /// <summary>The cubic coefficient of the tanh form of GELU.</summary>
    public const double GeluTanhCubic = 0.044715;

    /// <summary>
    /// Applies <paramref name="activation"/> in place. Element-wise kinds ignore <paramref name="rowLength"/>;
    /// softmax and log_softmax normalise each consecutive row of <paramref name="rowLength"/> elements (the last axis).
    /// </summary>
    /// <exception cref="ArgumentException">For softmax/log_softmax when the length is not a multiple of a positive row length.</exception>
    public static void Apply<T>(in Activation activation, Span<T> values, int rowLength) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Kernels.Num.EnsureSupported<T>();
        if (activation.Kind is ActivationKind.Softmax or ActivationKind.LogSoftmax)
        {
            if (rowLength <= 0 || values.Length % rowLength != 0)
                throw new ArgumentException($"softmax over rows of {rowLength} elements: the length {values.Length} is not a multiple of it.", nameof(rowLength));
            for (int start = 0; start < values.Length; start += rowLength)
                SoftmaxRow(values.Slice(start, rowLength), activation.Kind == ActivationKind.LogSoftmax);
            return;
        }
        for (int i = 0; i < values.Length; i++) values[i] = Scalar(activation, values[i]);
    }

    /// <summary>One element of an element-wise activation (throws for softmax/log_softmax).</summary>
    public static T Scalar<T>(in Activation activation, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double d = double.CreateTruncating(x);
        switch (activation.Kind)
        {
            case ActivationKind.Linear: return x;
            case ActivationKind.Relu: return Relu(x, T.CreateTruncating(activation.Alpha), activation.MaxValue is { } mv ? T.CreateTruncating(mv) : null, T.CreateTruncating(activation.Threshold));
            case ActivationKind.Relu6: return Relu6(x);
            case ActivationKind.LeakyRelu: return x > T.Zero ? x : T.CreateTruncating(activation.Alpha) * x;
            case ActivationKind.HardSigmoid: return HardSigmoidKeras2(x);
            case ActivationKind.HardSigmoidKeras3: return HardSigmoidKeras3(x);
            case ActivationKind.HardSilu: return x * HardSigmoidKeras3(x);
            case ActivationKind.Softsign: return x / (T.Abs(x) + T.One);
            case ActivationKind.Sigmoid: return T.CreateTruncating(Sigmoid(d));
            case ActivationKind.Tanh: return T.CreateTruncating(Math.Tanh(d));
            case ActivationKind.Exponential: return T.CreateTruncating(Math.Exp(d));
            case ActivationKind.Softplus: return T.CreateTruncating(Softplus(d));
            case ActivationKind.Swish: return T.CreateTruncating(d * Sigmoid(d));
            case ActivationKind.Mish: return T.CreateTruncating(d * Math.Tanh(Softplus(d)));
            case ActivationKind.Elu:
            {
                double alpha = double.CreateTruncating(T.CreateTruncating(activation.Alpha));
                return d > 0 ? x : T.CreateTruncating(alpha * ScalarMath.Expm1(d));
            }
            case ActivationKind.Selu: return T.CreateTruncating(SeluScale * (d > 0 ? d : SeluAlpha * ScalarMath.Expm1(d)));
            case ActivationKind.Gelu: return T.CreateTruncating(0.5 * d * (1.0 + ScalarMath.Erf(d / Math.Sqrt(2.0))));
            case ActivationKind.GeluTanh: return T.CreateTruncating(0.5 * d * (1.0 + Math.Tanh(GeluTanhScale * (d + GeluTanhCubic * d * d * d))));
            default: throw new ArgumentException($"{activation.Kind} is not an element-wise activation.", nameof(activation));
        }
    }

    /// <summary>max(x, 0) as TensorFlow computes it (std::max(x, 0): NaN stays NaN).</summary>
    public static T ReluPlain<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x < T.Zero ? T.Zero : x;

    /// <summary>min(max(x, 0), 6).</summary>
    public static T Relu6<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T r = ReluPlain(x);
        T six = T.CreateTruncating(6);
        return six < r ? six : r;
    }

    /// <summary>
    /// Keras's relu(x, negative_slope, max_value, threshold) (identical in Keras 2 and 3):
    /// leaky_relu when only the slope is set; else x·[x &gt; threshold] (threshold ≠ 0) or relu/relu6, clipped to
    /// [0, max_value], minus negative_slope·relu(threshold − x).
    /// </summary>
    public static T Relu<T>(T x, T negativeSlope, T? maxValue, T threshold) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (negativeSlope != T.Zero && maxValue is null && threshold == T.Zero)
            return x > T.Zero ? x : x * negativeSlope;
        T negativePart = T.Zero;
        if (negativeSlope != T.Zero)
            negativePart = ReluPlain(threshold != T.Zero ? -x + threshold : -x);
        bool clipMax = maxValue is not null;
        T y;
        if (threshold != T.Zero) y = x * (x > threshold ? T.One : T.Zero);
        else if (maxValue is { } six && six == T.CreateTruncating(6)) { y = Relu6(x); clipMax = false; }
        else y = ReluPlain(x);
        if (clipMax) y = ClipByValue(y, T.Zero, maxValue!.Value);
        if (negativeSlope != T.Zero) y -= negativeSlope * negativePart;
        return y;
    }

    /// <summary>tf.clip_by_value: maximum(minimum(x, hi), lo).</summary>
    public static T ClipByValue<T>(T x, T lo, T hi) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T t = hi < x ? hi : x;
        return t < lo ? lo : t;
    }

    /// <summary>Keras 1/2 hard_sigmoid: clip(0.2·x + 0.5, 0, 1), a multiply then an add in T.</summary>
    public static T HardSigmoidKeras2<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T y = x * T.CreateTruncating(0.2);
        y += T.CreateTruncating(0.5);
        return ClipByValue(y, T.Zero, T.One);
    }

    /// <summary>Keras 3 hard_sigmoid: relu6(x + 3) / 6.</summary>
    public static T HardSigmoidKeras3<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
        => Relu6(x + T.CreateTruncating(3)) / T.CreateTruncating(6);

    /// <summary>1 / (1 + e^{−x}) in double.</summary>
    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    /// <summary>log(1 + e^x) in double, as max(x, 0) + log1p(e^{−|x|}).</summary>
    public static double Softplus(double x) => double.IsNaN(x) ? x : Math.Max(x, 0) + ScalarMath.Log1p(Math.Exp(-Math.Abs(x)));

    /// <summary>Softmax (e^{x−max} / Σ) or log_softmax (x − max − log Σ e^{x−max}) of one row, in double.</summary>
    public static void SoftmaxRow<T>(Span<T> row, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double max = double.NegativeInfinity;
        foreach (T v in row) max = Math.Max(max, double.CreateTruncating(v));
        double sum = 0;
        foreach (T v in row) sum += Math.Exp(double.CreateTruncating(v) - max);
        double logSum = Math.Log(sum);
        for (int i = 0; i < row.Length; i++)
        {
            double shifted = double.CreateTruncating(row[i]) - max;
            row[i] = T.CreateTruncating(log ? shifted - logSum : Math.Exp(shifted) / sum);
        }
    }
}
