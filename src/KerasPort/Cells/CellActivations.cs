using System.Numerics;
using KerasPort.Compute;

namespace KerasPort.Cells;

/// <summary>
/// Keras's element-wise activations in generic form, for use inside <see cref="CustomCell.Step{T}"/>. The functions the
/// built-in cells use (linear, tanh, sigmoid, hard_sigmoid, relu) are computed by the very same code as in LSTM/GRU/SimpleRNN.
/// Over dual numbers each is differentiated exactly (piecewise functions take the derivative of the branch the value is on).
/// </summary>
public static class CellActivations
{
    /// <summary>Applies <paramref name="activation"/> to one value.</summary>
    /// <exception cref="NotSupportedException">softmax, log_softmax (not element-wise) or exact gelu (needs erf).</exception>
    public static T Apply<T>(in Activation activation, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (activation.Kind)
        {
            case ActivationKind.Linear: return x;
            case ActivationKind.Tanh: return T.Tanh(x);
            case ActivationKind.Sigmoid: return Sigmoid(x);
            case ActivationKind.HardSigmoid:
                return T.Clamp(T.CreateTruncating(0.2) * x + T.CreateTruncating(0.5), T.Zero, T.One);
            case ActivationKind.HardSigmoidKeras3:
                return T.Clamp(x + T.CreateTruncating(3.0), T.Zero, T.CreateTruncating(6.0)) / T.CreateTruncating(6.0);
            case ActivationKind.Relu: return Relu(activation, x);
            case ActivationKind.Elu:
            {
                T alpha = T.CreateTruncating(activation.Alpha == 0 ? 1.0 : activation.Alpha);
                return x > T.Zero ? x : alpha * T.ExpM1(x);
            }
            case ActivationKind.Selu:
            {
                T alpha = T.CreateTruncating(1.6732632423543772848170429916717);
                T scale = T.CreateTruncating(1.0507009873554804934193349852946);
                return x > T.Zero ? scale * x : scale * alpha * T.ExpM1(x);
            }
            case ActivationKind.Softplus: return Softplus(x);
            case ActivationKind.Softsign: return x / (T.One + T.Abs(x));
            case ActivationKind.Exponential: return T.Exp(x);
            case ActivationKind.Swish: return x * Sigmoid(x);
            case ActivationKind.GeluTanh:
            {
                T half = T.CreateTruncating(0.5);
                T c = T.CreateTruncating(0.7978845608028654); // sqrt(2/π)
                T k = T.CreateTruncating(0.044715);
                return half * x * (T.One + T.Tanh(c * (x + k * x * x * x)));
            }
            case ActivationKind.Relu6: return T.Min(T.Max(x, T.Zero), T.CreateTruncating(6.0));
            case ActivationKind.LeakyRelu:
                return x >= T.Zero ? x : T.CreateTruncating(activation.Alpha) * x;
            case ActivationKind.Mish: return x * T.Tanh(Softplus(x));
            case ActivationKind.HardSilu:
                return x * T.Clamp(x + T.CreateTruncating(3.0), T.Zero, T.CreateTruncating(6.0)) / T.CreateTruncating(6.0);
            default:
                throw new NotSupportedException($"activation {activation.Kind} cannot be applied element-wise in a custom cell");
        }
    }

    /// <summary>Applies <paramref name="activation"/> in place to every value of <paramref name="values"/>.</summary>
    public static void Apply<T>(in Activation activation, Span<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++) values[i] = Apply(activation, values[i]);
    }

    private static T Sigmoid<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));

    /// <summary>Keras relu(x, negative_slope, max_value, threshold): x above the threshold (clipped), slope·(x − threshold) below.</summary>
    private static T Relu<T>(in Activation a, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T thr = T.CreateTruncating(a.Threshold);
        T y = x > thr ? x : T.CreateTruncating(a.Alpha) * (x - thr);
        if (a.MaxValue is double mv) y = T.Min(y, T.CreateTruncating(mv));
        return y;
    }

    /// <summary>log(1 + exp(x)), without overflow for large x.</summary>
    private static T Softplus<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        x > T.Zero ? x + T.LogP1(T.Exp(-x)) : T.LogP1(T.Exp(x));

    /// <summary>The activation for a Keras name (<c>tanh</c>, <c>hard_sigmoid</c>, ...), or null when unknown or not usable element-wise.</summary>
    /// <param name="name">The Keras function name.</param>
    /// <param name="keras3">Whether the file comes from Keras 3 (whose hard_sigmoid is relu6(x + 3) / 6).</param>
    public static Activation? FromName(string name, bool keras3 = false) =>
        Model.Config.ActivationParser.FromName(name == "None" ? "linear" : name, keras3 ? Model.Config.KerasGeneration.Keras3 : Model.Config.KerasGeneration.Keras2)
            is Activation a && a.IsElementwise && a.Kind != ActivationKind.Gelu ? a : null;
}
