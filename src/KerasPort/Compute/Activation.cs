namespace KerasPort.Compute;

/// <summary>The activation functions Keras offers (by config name), as KerasPort computes them.</summary>
public enum ActivationKind
{
    /// <summary><c>linear</c> / None: identity.</summary>
    Linear,
    /// <summary><c>relu</c>, with optional negative slope, max value and threshold.</summary>
    Relu,
    /// <summary><c>sigmoid</c>: 1 / (1 + exp(-x)).</summary>
    Sigmoid,
    /// <summary><c>tanh</c>.</summary>
    Tanh,
    /// <summary><c>hard_sigmoid</c> of Keras 1/2: clip(0.2x + 0.5, 0, 1).</summary>
    HardSigmoid,
    /// <summary><c>hard_sigmoid</c> of Keras 3: relu6(x + 3) / 6.</summary>
    HardSigmoidKeras3,
    /// <summary><c>softmax</c> over <see cref="Activation.Axis"/>.</summary>
    Softmax,
    /// <summary><c>log_softmax</c> over <see cref="Activation.Axis"/>.</summary>
    LogSoftmax,
    /// <summary><c>elu</c> with <see cref="Activation.Alpha"/>.</summary>
    Elu,
    /// <summary><c>selu</c>.</summary>
    Selu,
    /// <summary><c>softplus</c>: log(1 + exp(x)).</summary>
    Softplus,
    /// <summary><c>softsign</c>: x / (1 + |x|).</summary>
    Softsign,
    /// <summary><c>exponential</c>: exp(x).</summary>
    Exponential,
    /// <summary><c>swish</c> / <c>silu</c>: x · sigmoid(x).</summary>
    Swish,
    /// <summary><c>gelu</c>, exact (erf) form.</summary>
    Gelu,
    /// <summary><c>gelu</c> with <c>approximate=True</c> (tanh form).</summary>
    GeluTanh,
    /// <summary><c>relu6</c>: min(max(x, 0), 6).</summary>
    Relu6,
    /// <summary><c>leaky_relu</c> with <see cref="Activation.Alpha"/> as negative slope.</summary>
    LeakyRelu,
    /// <summary><c>mish</c>: x · tanh(softplus(x)).</summary>
    Mish,
    /// <summary><c>hard_silu</c> / <c>hard_swish</c>: x · relu6(x + 3) / 6.</summary>
    HardSilu,
}

/// <summary>An activation with its parameters, as read from a layer config.</summary>
/// <param name="Kind">Which function.</param>
/// <param name="Alpha">Negative slope (relu, leaky_relu) or ELU alpha.</param>
/// <param name="MaxValue">relu's max_value, or null for none.</param>
/// <param name="Threshold">relu's threshold.</param>
/// <param name="Axis">Axis for softmax / log_softmax (negative counts from the end).</param>
public readonly record struct Activation(ActivationKind Kind, double Alpha = 0, double? MaxValue = null, double Threshold = 0, int Axis = -1)
{
    /// <summary>The identity.</summary>
    public static Activation Linear => new(ActivationKind.Linear);

    /// <summary>True when the function is applied independently to each element (everything but softmax and log_softmax).</summary>
    public bool IsElementwise => Kind is not (ActivationKind.Softmax or ActivationKind.LogSoftmax);
}
