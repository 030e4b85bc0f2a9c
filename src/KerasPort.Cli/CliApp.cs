using KerasPort.Cli.Commands;

namespace KerasPort.Cli;

/// <summary>Command dispatch of <c>keras-port</c>; runs in-process so tests can call it with their own writers.</summary>
internal static class CliApp
{
    /// <summary>The commands by name. <c>predict</c> and <c>verify</c> are added here by their own command classes.</summary>
    private static readonly Dictionary<string, Func<string[], TextWriter, TextWriter, int>> Commands = new(StringComparer.Ordinal)
    {
        ["inspect"] = InspectCommand.Run,
    };

    public const string Usage =
        "usage: keras-port <command> [options]\n" +
        "commands:\n" +
        "  inspect MODEL... [--config FILE] [--gates] [--json]   show format, versions, layers, parameters and weights\n";

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
