using KerasPort.Cli.Commands;

namespace KerasPort.Cli;

/// <summary>Command dispatch of <c>keras-port</c>; runs in-process so tests can call it with their own writers.</summary>
internal static class CliApp
{
    /// <summary>The commands by name.</summary>
    private static readonly Dictionary<string, Func<string[], TextWriter, TextWriter, int>> Commands = new(StringComparer.Ordinal)
    {
        ["inspect"] = InspectCommand.Run,
        ["predict"] = PredictCommand.Run,
        ["verify"] = VerifyCommand.Run,
    };

    public const string Usage =
        "usage: keras-port <command> [options]\n" +
        "commands:\n" +
        "  inspect MODEL... [--config FILE] [--gates] [--json]\n" +
        "      show format, versions, layers, parameters and weights\n" +
        "  predict MODEL --input IN --output OUT [--config FILE] [--dtype float32|float64]\n" +
        "      run the model on IN (.npy, .npz or JSON tensors) and write its outputs to OUT (.npy, .npz or .json, by extension)\n" +
        "  verify MODEL --reference REF [--config FILE] [--tolerance X] [--dtype float32|float64] [--json]\n" +
        "      compare predictions and layer activations with a reference .h5 file; exit 1 when any exceeds the tolerance\n" +
        "MODEL: a .h5 or .keras model, or a weights-only file with --config ARCHITECTURE.json\n" +
        "exit codes: 0 ok, 1 a model or data problem (or a failed verification), 2 usage error\n";

    /// <summary>Runs a command line; returns the process exit code (0 success, 1 a model was refused or malformed, 2 usage error).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? stderr : stdout).Write(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        if (!Commands.TryGetValue(args[0], out var command))
        {
            stderr.WriteLine($"keras-port: unknown command '{args[0]}'");
            stderr.Write(Usage);
            return 2;
        }
        try
        {
            return command(args[1..], stdout, stderr);
        }
        catch (Exception e)
        {
            // Last resort: commands report their own errors; nothing may escape as a stack trace.
            stderr.WriteLine($"keras-port: internal error: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }
}
