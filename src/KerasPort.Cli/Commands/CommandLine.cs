using System.Globalization;

namespace KerasPort.Cli.Commands;

/// <summary>
/// A parsed command line of one command: positional arguments, options with a value (<c>--input FILE</c>) and flags (<c>--json</c>).
/// Parsing problems are usage errors (exit code 2), reported with the command's usage line.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CommandLine(string command, string usage)
    {
        Command = command;
        UsageLine = usage;
    }

    /// <summary>The command name, e.g. <c>predict</c>.</summary>
    public string Command { get; }

    /// <summary>The command's usage line.</summary>
    public string UsageLine { get; }

    /// <summary>Arguments that are not options, in order.</summary>
    public List<string> Positionals { get; } = [];

    /// <summary>True when <c>-h</c>/<c>--help</c> was given (usage printed to stdout, exit 0).</summary>
    public bool Help { get; private set; }

    /// <summary>An option's value, or null when it was not given.</summary>
    public string? Value(string option) => _values.TryGetValue(option, out var v) ? v : null;

    /// <summary>Whether a flag was given.</summary>
    public bool Flag(string flag) => _flags.Contains(flag);

    /// <summary>
    /// Parses <paramref name="args"/>; returns null after writing the problem and the usage line to <paramref name="stderr"/>
    /// (unknown option, option without value, option given twice).
    /// </summary>
    public static CommandLine? Parse(string command, string usage, string[] args, IReadOnlyCollection<string> valueOptions,
        IReadOnlyCollection<string> flags, TextWriter stderr)
    {
        var line = new CommandLine(command, usage);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "-h" or "--help")
            {
                line.Help = true;
            }
            else if (valueOptions.Contains(a))
            {
                if (i + 1 >= args.Length)
                    return line.Fail(stderr, $"{a} needs a value");
                if (!line._values.TryAdd(a, args[++i]))
                    return line.Fail(stderr, $"{a} is given twice");
            }
            else if (flags.Contains(a))
            {
                line._flags.Add(a);
            }
            else if (a.StartsWith("--", StringComparison.Ordinal) || a.Length > 1 && a[0] == '-' && !char.IsDigit(a[1]))
            {
                return line.Fail(stderr, $"unknown option '{a}'");
            }
            else
            {
                line.Positionals.Add(a);
            }
        }
        return line;
    }

    /// <summary>Writes a usage error and returns null (for <see cref="Parse"/>).</summary>
    private CommandLine? Fail(TextWriter stderr, string problem)
    {
        UsageError(stderr, problem);
        return null;
    }

    /// <summary>Writes <c>keras-port COMMAND: PROBLEM</c> and the usage line to <paramref name="stderr"/>; returns exit code 2.</summary>
    public int UsageError(TextWriter stderr, string problem)
    {
        stderr.WriteLine($"keras-port {Command}: {problem}");
        stderr.WriteLine(UsageLine);
        return 2;
    }

    /// <summary>Reads <c>--dtype</c>: null when absent; false (after a usage error) when it is neither float32 nor float64.</summary>
    public bool TryComputeType(TextWriter stderr, out ComputeType? type)
    {
        type = null;
        switch (Value("--dtype"))
        {
            case null:
                return true;
            case "float32":
                type = ComputeType.Float32;
                return true;
            case "float64":
                type = ComputeType.Float64;
                return true;
            case var other:
                UsageError(stderr, $"--dtype must be float32 or float64, not '{other}'");
                return false;
        }
    }

    /// <summary>Reads a positive finite number option such as <c>--tolerance</c>; false (after a usage error) when it is not one.</summary>
    public bool TryPositiveNumber(string option, TextWriter stderr, out double? value)
    {
        value = null;
        var text = Value(option);
        if (text is null) return true;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v) || v <= 0)
        {
            UsageError(stderr, $"{option} must be a positive number such as 1e-5, not '{text}'");
            return false;
        }
        value = v;
        return true;
    }
}
