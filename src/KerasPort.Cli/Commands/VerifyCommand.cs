using System.Globalization;
using KerasPort.Verification;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace KerasPort.Cli.Commands;

/// <summary><c>keras-port verify MODEL --reference REF [--config FILE] [--tolerance X] [--dtype float32|float64] [--json]</c>.</summary>
internal static class VerifyCommand
{
    public const string Usage = "usage: keras-port verify MODEL --reference REF [--config FILE] [--tolerance X] [--dtype float32|float64] [--json]";

    private static readonly string[] ValueOptions = ["--reference", "--config", "--tolerance", "--dtype"];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var line = CommandLine.Parse("verify", Usage, args, ValueOptions, ["--json"], stderr);
        if (line is null) return 2;
        if (line.Help)
        {
            stdout.WriteLine(Usage);
            return 0;
        }
        if (line.Positionals.Count != 1)
            return line.UsageError(stderr, line.Positionals.Count == 0 ? "MODEL is missing" : $"one MODEL expected, got {line.Positionals.Count}");
        string? reference = line.Value("--reference");
        if (reference is null) return line.UsageError(stderr, "--reference REF is missing");
        if (!line.TryComputeType(stderr, out var type) || !line.TryPositiveNumber("--tolerance", stderr, out var tolerance)) return 2;
        string modelPath = line.Positionals[0];
        bool json = line.Flag("--json");

        KerasModel model;
        try
        {
            model = CliModels.Load(modelPath, line.Value("--config"), type);
        }
        catch (KerasPortException e)
        {
            return Fail(stdout, stderr, json, modelPath, reference, e, modelPath);
        }

        ParityReport report;
        try
        {
            report = ParityCheck.Run(model, reference, tolerance);
        }
        catch (KerasPortException e)
        {
            return Fail(stdout, stderr, json, modelPath, reference, e, reference);
        }

        if (json) stdout.WriteLine(ToJson(modelPath, reference, model.ComputeType, report).ToString(Formatting.None));
        else WriteHuman(stdout, modelPath, reference, model.ComputeType, report);
        return report.Passed ? 0 : 1;
    }

    private static int Fail(TextWriter stdout, TextWriter stderr, bool json, string model, string reference, KerasPortException e, string context)
    {
        if (!json) return CliModels.Error(stderr, "verify", e, context);
        stdout.WriteLine(new JObject
        {
            ["model"] = model,
            ["reference"] = reference,
            ["passed"] = false,
            ["error"] = new JObject { ["kind"] = e.KindName, ["message"] = CliModels.Message(e, context) },
        }.ToString(Formatting.None));
        return 1;
    }

    private static string Number(double x) =>
        double.IsNaN(x) ? "n/a" : x.ToString(x == 0 ? "0" : "0.00e+00", CultureInfo.InvariantCulture);

    private static string Tolerance(ParityReport report) => report.Tolerance.ToString("0.###e+00", CultureInfo.InvariantCulture);

    /// <summary>The closing line: PASS/FAIL, how many tensors were compared, the worst prediction error.</summary>
    internal static string Summary(ParityReport report)
    {
        int predictions = report.Entries.Count(e => e.Kind == "prediction");
        int activations = report.Entries.Count - predictions;
        var failed = report.Entries.Where(e => !e.Passed).ToList();
        string counted = $"{predictions} prediction(s), {activations} layer activation(s)";
        string tol = Tolerance(report);
        if (report.Passed)
            return $"PASS: all {report.Entries.Count} compared tensors ({counted}) within tolerance {tol}; max prediction rel error {Number(report.MaxPredictionError)}";
        if (predictions == 0)
            return $"FAIL: no model output was compared: the reference holds no predictions ({counted} compared)";
        return $"FAIL: {failed.Count} of {report.Entries.Count} compared tensors ({counted}) exceed tolerance {tol}: " +
            string.Join(", ", failed.Take(5).Select(e => e.Name)) + (failed.Count > 5 ? $", … ({failed.Count - 5} more)" : "");
    }

    private static void WriteHuman(TextWriter o, string model, string reference, ComputeType type, ParityReport report)
    {
        o.WriteLine($"model: {model}  reference: {reference}  compute: {CliModels.Name(type)}  tolerance: {Tolerance(report)}");
        int width = Math.Max(20, report.Entries.Select(e => e.Name.Length).DefaultIfEmpty(0).Max());
        o.WriteLine($"{"kind",-11}{"name".PadRight(width)}  {"max abs err",11}  {"max rel err",11}  result");
        foreach (var e in report.Entries)
        {
            string result = e.Passed ? "ok" : "FAIL";
            if (e.Note is not null) result += $" ({e.Note})";
            o.WriteLine($"{e.Kind,-11}{e.Name.PadRight(width)}  {Number(e.MaxAbsError),11}  {Number(e.MaxRelError),11}  {result}");
        }
        o.WriteLine(Summary(report));
    }

    private static JToken JsonNumber(double x) => double.IsFinite(x) ? new JValue(x) : JValue.CreateNull();

    internal static JObject ToJson(string model, string reference, ComputeType type, ParityReport report) => new()
    {
        ["model"] = model,
        ["reference"] = reference,
        ["compute_type"] = CliModels.Name(type),
        ["tolerance"] = report.Tolerance,
        ["passed"] = report.Passed,
        ["entries"] = new JArray(report.Entries.Select(e => new JObject
        {
            ["kind"] = e.Kind,
            ["name"] = e.Name,
            ["max_abs_error"] = JsonNumber(e.MaxAbsError),
            ["max_rel_error"] = JsonNumber(e.MaxRelError),
            ["passed"] = e.Passed,
            ["note"] = e.Note,
        })),
        ["compared"] = report.Entries.Count,
        ["failed"] = report.Entries.Count(e => !e.Passed),
        ["max_prediction_rel_error"] = JsonNumber(report.MaxPredictionError),
        ["summary"] = Summary(report),
    };
}
