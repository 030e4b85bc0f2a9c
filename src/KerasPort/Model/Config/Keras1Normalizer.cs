using Newtonsoft.Json.Linq;

namespace KerasPort.Model.Config;

/// <summary>
/// Rewrites Keras 1.x layer configs into Keras 2 key names, following Keras 2's <c>legacy/interfaces.py</c> converters
/// (output_dim→units, inner_activation→recurrent_activation, consume_less→implementation, nb_filter→filters…).
/// </summary>
internal static class Keras1Normalizer
{
    private static readonly Dictionary<string, string> ClassNames = new()
    {
        ["Convolution1D"] = "Conv1D",
        ["AtrousConvolution1D"] = "Conv1D",
        ["Convolution2D"] = "Conv2D",
        ["Convolution3D"] = "Conv3D",
        ["AtrousConvolution2D"] = "Conv2D",
        ["Deconvolution2D"] = "Conv2DTranspose",
        ["SeparableConvolution2D"] = "SeparableConv2D",
    };

    private static readonly (string Old, string New)[] CommonKeys =
    [
        ("output_dim", "units"),
        ("init", "kernel_initializer"),
        ("inner_init", "recurrent_initializer"),
        ("inner_activation", "recurrent_activation"),
        ("W_regularizer", "kernel_regularizer"),
        ("U_regularizer", "recurrent_regularizer"),
        ("b_regularizer", "bias_regularizer"),
        ("W_constraint", "kernel_constraint"),
        ("U_constraint", "recurrent_constraint"),
        ("b_constraint", "bias_constraint"),
        ("dropout_W", "dropout"),
        ("dropout_U", "recurrent_dropout"),
        ("bias", "use_bias"),
        ("nb_filter", "filters"),
        ("filter_length", "kernel_size"),
        ("subsample_length", "strides"),
        ("atrous_rate", "dilation_rate"),
        ("border_mode", "padding"),
        ("pool_length", "pool_size"),
        ("stride", "strides"),
        ("p", "rate"),
        ("sigma", "stddev"),
    ];

    /// <summary>Returns the Keras 2 class name and a rewritten copy of <paramref name="config"/>.</summary>
    public static (string ClassName, JObject Config) Normalize(string className, JObject config)
    {
        var cls = ClassNames.TryGetValue(className, out var mapped) ? mapped : className;
        var c = (JObject)config.DeepClone();
        if (cls == "Embedding")
        {
            // Embedding keeps output_dim in Keras 2; its W is the embeddings matrix.
            Rename(c, "init", "embeddings_initializer");
            Rename(c, "W_regularizer", "embeddings_regularizer");
            Rename(c, "W_constraint", "embeddings_constraint");
            return (cls, c);
        }
        foreach (var (o, n) in CommonKeys) Rename(c, o, n);
        if (c["consume_less"] is JValue { Type: JTokenType.String } cl)
        {
            c["implementation"] = (string)cl! switch { "cpu" => 0, "mem" => 1, "gpu" => 2, _ => 0 };
            c.Remove("consume_less");
        }
        if (cls == "LSTM" && c["forget_bias_init"] is JValue fb)
        {
            c["unit_forget_bias"] = (string?)fb == "one";
            c.Remove("forget_bias_init");
        }
        if (cls == "InputLayer") Rename(c, "input_dtype", "dtype");
        bool sequenceInput = cls is "Conv1D" or "LSTM" or "GRU" or "SimpleRNN";
        if ((sequenceInput || cls is "Dense" or "TimeDistributedDense") && c["input_dim"] is JValue { Type: JTokenType.Integer } &&
            c["batch_input_shape"] is null or { Type: JTokenType.Null })
        {
            // Keras 1 Dense(input_dim=n) builds input_shape (n,); recurrent and Conv1D layers build (input_length, input_dim).
            var dim = c["input_dim"]!;
            c["batch_input_shape"] = sequenceInput
                ? new JArray(JValue.CreateNull(), c["input_length"] ?? JValue.CreateNull(), dim)
                : new JArray(JValue.CreateNull(), dim);
        }
        return (cls, c);
    }

    private static void Rename(JObject c, string oldKey, string newKey)
    {
        if (!c.ContainsKey(oldKey) || c.ContainsKey(newKey)) return;
        c[newKey] = c[oldKey];
        c.Remove(oldKey);
    }
}
