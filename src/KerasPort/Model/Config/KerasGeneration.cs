using Newtonsoft.Json.Linq;

namespace KerasPort.Model.Config;

/// <summary>The Keras generation whose config conventions and numerics a file follows.</summary>
public enum KerasGeneration
{
    /// <summary>Keras 1.x: <c>output_dim</c>, <c>inner_activation</c>, split LSTM/GRU weights.</summary>
    Keras1,
    /// <summary>Keras 2.x and tf.keras 2.x (including tf.keras 2.13–2.15 <c>.keras</c> archives).</summary>
    Keras2,
    /// <summary>Keras 3.x: <c>module</c>/<c>registered_name</c> objects, DTypePolicy, <c>batch_shape</c>.</summary>
    Keras3,
}

/// <summary>Decides the <see cref="KerasGeneration"/> of a file.</summary>
internal static class KerasGenerationDetector
{
    /// <summary>From the stored <c>keras_version</c> when there is one, else from the config's style.</summary>
    public static KerasGeneration Detect(string? kerasVersion, JObject? modelConfig)
    {
        var fromVersion = FromVersion(kerasVersion);
        if (fromVersion is not null) return fromVersion.Value;
        return modelConfig is null ? KerasGeneration.Keras2 : FromStyle(modelConfig);
    }

    /// <summary>"1.2.2" → Keras1, "2.2.4-tf" → Keras2, "3.8.0" → Keras3; null when unparsable.</summary>
    public static KerasGeneration? FromVersion(string? version)
    {
        if (string.IsNullOrWhiteSpace(version)) return null;
        var v = version.Trim();
        int dot = v.IndexOf('.');
        var major = dot < 0 ? v : v[..dot];
        return major switch
        {
            "1" => KerasGeneration.Keras1,
            "2" => KerasGeneration.Keras2,
            "3" => KerasGeneration.Keras3,
            _ => null,
        };
    }

    /// <summary>
    /// Without a version: <c>module</c>/<c>registered_name</c> keys mean Keras 3 (tf.keras 2.15 archives, module
    /// <c>keras.src.engine.*</c>, mean Keras 2); Keras 1 keys (<c>output_dim</c> on Dense/recurrent layers,
    /// <c>inner_activation</c>, <c>border_mode</c>, <c>nb_filter</c>, <c>W_regularizer</c>) mean Keras 1; else Keras 2.
    /// </summary>
    public static KerasGeneration FromStyle(JObject modelConfig)
    {
        if (modelConfig["module"] is JValue { Type: JTokenType.String } m)
            return ((string)m!).StartsWith("keras.src.engine", StringComparison.Ordinal) ? KerasGeneration.Keras2 : KerasGeneration.Keras3;
        if (modelConfig.ContainsKey("registered_name")) return KerasGeneration.Keras3;
        foreach (var layer in modelConfig.Descendants().OfType<JObject>())
        {
            if (layer["config"] is not JObject cfg) continue;
            var cls = (string?)layer["class_name"];
            if (cfg.ContainsKey("inner_activation") || cfg.ContainsKey("border_mode") || cfg.ContainsKey("nb_filter") ||
                cfg.ContainsKey("W_regularizer") || cfg.ContainsKey("consume_less"))
                return KerasGeneration.Keras1;
            if (cfg.ContainsKey("output_dim") && cls is not "Embedding") return KerasGeneration.Keras1;
            if (cls is "Merge" or "TimeDistributedDense" or "Convolution1D") return KerasGeneration.Keras1;
        }
        return KerasGeneration.Keras2;
    }
}
