using KerasPort.Compute;
using Newtonsoft.Json.Linq;

namespace KerasPort.Model.Config;

/// <summary>Reads an activation from a config value: a name, a Keras 3 serialized function, or an activation layer dict.</summary>
internal static class ActivationParser
{
    /// <summary>Parses <paramref name="token"/>; null/absent gives <paramref name="fallback"/>.</summary>
    public static Activation Parse(JToken? token, string fallback, KerasGeneration generation, Func<Exception> bad)
    {
        switch (token)
        {
            case null or { Type: JTokenType.Null }:
                return FromName(fallback, generation) ?? throw bad();
            case JValue { Type: JTokenType.String } v:
                return FromName((string)v!, generation) ?? throw bad();
            case JObject o:
                // Keras 3: {"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "function"}
                if (o["config"] is JValue { Type: JTokenType.String } fn)
                    return FromName((string)fn!, generation) ?? throw bad();
                var cls = (string?)o["class_name"];
                var cfg = o["config"] as JObject ?? [];
                return cls switch
                {
                    "ReLU" => new Activation(ActivationKind.Relu,
                        Alpha: cfg.Value<double?>("negative_slope") ?? 0,
                        MaxValue: cfg.Value<double?>("max_value"),
                        Threshold: cfg.Value<double?>("threshold") ?? 0),
                    "LeakyReLU" => new Activation(ActivationKind.LeakyRelu, Alpha: cfg.Value<double?>("negative_slope") ?? cfg.Value<double?>("alpha") ?? (generation == KerasGeneration.Keras3 ? 0.2 : 0.3)),
                    "ELU" => new Activation(ActivationKind.Elu, Alpha: cfg.Value<double?>("alpha") ?? 1.0),
                    "Softmax" => new Activation(ActivationKind.Softmax, Axis: cfg.Value<int?>("axis") ?? -1),
                    "Activation" => Parse(cfg["activation"], fallback, generation, bad),
                    _ => throw bad(),
                };
            default:
                throw bad();
        }
    }

    /// <summary>The activation Keras registers under <paramref name="name"/>, or null when unknown.</summary>
    public static Activation? FromName(string name, KerasGeneration generation) => name switch
    {
        "linear" or "" => Activation.Linear,
        "relu" => new Activation(ActivationKind.Relu),
        "sigmoid" => new Activation(ActivationKind.Sigmoid),
        "tanh" => new Activation(ActivationKind.Tanh),
        // Keras 1/2: clip(0.2x + 0.5, 0, 1); Keras 3 redefined it as relu6(x + 3) / 6.
        "hard_sigmoid" => new Activation(generation == KerasGeneration.Keras3 ? ActivationKind.HardSigmoidKeras3 : ActivationKind.HardSigmoid),
        "softmax" => new Activation(ActivationKind.Softmax, Axis: -1),
        "log_softmax" => new Activation(ActivationKind.LogSoftmax, Axis: -1),
        "elu" => new Activation(ActivationKind.Elu, Alpha: 1.0),
        "selu" => new Activation(ActivationKind.Selu),
        "softplus" => new Activation(ActivationKind.Softplus),
        "softsign" => new Activation(ActivationKind.Softsign),
        "exponential" => new Activation(ActivationKind.Exponential),
        "swish" or "silu" => new Activation(ActivationKind.Swish),
        "gelu" => new Activation(ActivationKind.Gelu),
        "relu6" => new Activation(ActivationKind.Relu6),
        // keras.activations.leaky_relu(x, negative_slope=0.2) (Keras 3; tf.keras 2.x alpha=0.2).
        "leaky_relu" => new Activation(ActivationKind.LeakyRelu, Alpha: 0.2),
        "mish" => new Activation(ActivationKind.Mish),
        "hard_silu" or "hard_swish" => new Activation(ActivationKind.HardSilu),
        // gelu with approximate=True has no built-in name; KerasNLP / KerasHub register it as a function
        // (keras_nlp.src.utils.keras_utils.gelu_approximate = keras.activations.gelu(x, approximate=True)).
        "keras_nlp>gelu_approximate" or "keras_hub>gelu_approximate" or "gelu_approximate" => new Activation(ActivationKind.GeluTanh),
        _ => null,
    };
}
