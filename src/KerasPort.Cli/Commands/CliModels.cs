namespace KerasPort.Cli.Commands;

/// <summary>What <c>predict</c> and <c>verify</c> share: loading MODEL (with <c>--config</c>, <c>--dtype</c>) and reporting errors.</summary>
internal static class CliModels
{
    /// <summary>Loads a full model file, or a weights-only file with its architecture JSON, computing in <paramref name="type"/> (null: the model's own).</summary>
    /// <exception cref="KerasPortException">The model cannot be loaded.</exception>
    public static KerasModel Load(string model, string? config, ComputeType? type)
    {
        var options = new KerasModelLoadOptions { ComputeType = type };
        var loaded = config is null ? KerasModel.Load(model, options) : KerasModel.Load(model, config, options);
        if (!loaded.HasWeights)
            throw new InvalidModelArgumentException(
                $"{model}: the file holds an architecture but no weights; pass the weights file as MODEL and this file with --config");
        return loaded;
    }

    /// <summary><c>float32</c> or <c>float64</c>.</summary>
    public static string Name(ComputeType type) => type == ComputeType.Float32 ? "float32" : "float64";

    /// <summary>The error's message, prefixed with <paramref name="context"/> unless the message already names it.</summary>
    public static string Message(KerasPortException e, string? context) =>
        context is null || e.Message.Contains(context, StringComparison.Ordinal) ? e.Message : $"{context}: {e.Message}";

    /// <summary>Writes <c>keras-port COMMAND: error (KIND): MESSAGE</c> to <paramref name="stderr"/>; returns exit code 1.</summary>
    public static int Error(TextWriter stderr, string command, KerasPortException e, string? context = null)
    {
        stderr.WriteLine($"keras-port {command}: error ({e.KindName}): {Message(e, context)}");
        return 1;
    }
}
