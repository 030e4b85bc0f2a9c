using System.Globalization;
using System.Text;
using KerasPort.Formats;
using KerasPort.Model;
using KerasPort.Model.Layers;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace KerasPort.Cli.Commands;

/// <summary><c>keras-port inspect MODEL... [--config FILE] [--gates] [--json]</c>.</summary>
internal static class InspectCommand
{
    private const string Usage = "usage: keras-port inspect MODEL... [--config FILE] [--gates] [--json]";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var files = new List<string>();
        string? config = null;
        bool gates = false, json = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config":
                    if (i + 1 >= args.Length)
                    {
                        stderr.WriteLine("keras-port inspect: --config needs a FILE");
                        stderr.WriteLine(Usage);
                        return 2;
                    }
                    config = args[++i];
                    break;
                case "--gates":
                    gates = true;
                    break;
                case "--json":
                    json = true;
                    break;
                case "-h" or "--help":
                    stdout.WriteLine(Usage);
                    return 0;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        stderr.WriteLine($"keras-port inspect: unknown option '{args[i]}'");
                        stderr.WriteLine(Usage);
                        return 2;
                    }
                    files.Add(args[i]);
                    break;
            }
        }
        if (files.Count == 0)
        {
            stderr.WriteLine(Usage);
            return 2;
        }
        bool allLoaded = true;
        foreach (var file in files)
        {
            KerasModel model;
            try
            {
                model = config is null ? KerasModel.Load(file) : KerasModel.Load(file, config);
            }
            catch (Exception e)
            {
                allLoaded = false;
                var (kind, message) = e is KerasPortException k ? (k.KindName, k.Message) : ("internal", $"{e.GetType().Name}: {e.Message}");
                if (json) stdout.WriteLine(new JObject { ["file"] = file, ["error"] = new JObject { ["kind"] = kind, ["message"] = message } }.ToString(Formatting.None));
                else stderr.WriteLine($"{file}: error ({kind}): {message}");
                continue;
            }
            try
            {
                if (json) stdout.WriteLine(ToJson(file, model, gates).ToString(Formatting.None));
                else WriteHuman(stdout, file, model, gates);
            }
            catch (KerasPortException e)
            {
                allLoaded = false;
                if (json) stdout.WriteLine(new JObject { ["file"] = file, ["error"] = new JObject { ["kind"] = e.KindName, ["message"] = e.Message } }.ToString(Formatting.None));
                else stderr.WriteLine($"{file}: error ({e.KindName}): {e.Message}");
            }
        }
        return allLoaded ? 0 : 1;
    }

    /// <summary><c>Hdf5FullModel</c> → <c>hdf5_full_model</c>.</summary>
    internal static string FormatName(ModelFileFormat f)
    {
        var s = f.ToString();
        var sb = new StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (i > 0 && char.IsUpper(s[i]) && !char.IsUpper(s[i - 1])) sb.Append('_');
            sb.Append(char.ToLowerInvariant(s[i]));
        }
        return sb.ToString();
    }

    private static JToken ShapeJson(int?[] s) => new JArray(s.Select(d => d is int v ? new JValue(v) : JValue.CreateNull()));

    internal static JObject ToJson(string file, KerasModel model, bool gates)
    {
        var layers = new JArray();
        foreach (var l in model.Layers)
        {
            var o = new JObject
            {
                ["name"] = l.Name,
                ["class"] = l.StoredClassName,
                ["output_shape"] = l.OutputShapes.Count == 1 ? ShapeJson(l.OutputShapes[0]) : new JArray(l.OutputShapes.Select(ShapeJson)),
                ["params"] = l.ParameterCount,
                ["weights"] = new JArray(l.Weights.Select(w => new JObject
                {
                    ["name"] = w.Name,
                    ["shape"] = new JArray(w.Shape),
                    ["dtype"] = w.DType,
                })),
            };
            if (gates && l is RecurrentLayer or BidirectionalLayer && model.HasWeights)
                o["gates"] = new JArray(model.GetGates(l.Name).Select(g => new JObject
                {
                    ["direction"] = g.Direction,
                    ["kind"] = g.Kind.ToString(),
                    ["units"] = g.Units,
                    ["gates"] = new JArray(g.Gates.Select(gw => new JObject
                    {
                        ["gate"] = gw.Gate,
                        ["kernel"] = new JArray(gw.Kernel.Shape),
                        ["recurrent_kernel"] = new JArray(gw.RecurrentKernel.Shape),
                        ["bias"] = gw.Bias is null ? null : new JArray(gw.Bias.Shape),
                        ["recurrent_bias"] = gw.RecurrentBias is null ? null : new JArray(gw.RecurrentBias.Shape),
                    })),
                }));
            layers.Add(o);
        }
        return new JObject
        {
            ["file"] = file,
            ["format"] = FormatName(model.Format),
            ["keras_version"] = model.KerasVersion,
            ["backend"] = model.Backend,
            ["layers"] = layers,
            ["total_params"] = model.TotalParameters,
        };
    }

    private static string Stats(WeightTensor w)
    {
        if (w.Data.Length == 0) return "empty";
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
        foreach (var v in w.Data)
        {
            if (v < min) min = v;
            if (v > max) max = v;
            sum += v;
        }
        return string.Create(CultureInfo.InvariantCulture, $"min={min:G6} max={max:G6} mean={sum / w.Data.Length:G6}");
    }

    private static void WriteHuman(TextWriter o, string file, KerasModel model, bool gates)
    {
        o.WriteLine($"== {file}");
        o.WriteLine($"format: {FormatName(model.Format)}  keras_version: {model.KerasVersion ?? "(unknown)"}  backend: {model.Backend ?? "(unknown)"}  dtype: {model.DType}");
        o.Write(model.Summary());
        if (!model.HasWeights)
        {
            o.WriteLine("(architecture only: no weights)");
            o.WriteLine();
            return;
        }
        o.WriteLine("Weights:");
        int width = Math.Max(50, model.Layers.SelectMany(l => l.Weights).Select(w => w.Name.Length).DefaultIfEmpty(0).Max());
        foreach (var l in model.Layers)
            foreach (var w in l.Weights)
                o.WriteLine($"  {w.Name.PadRight(width)} {w.ShapeText,-14} {w.DType,-8} {Stats(w)}");
        if (gates)
        {
            foreach (var l in model.Layers.Where(l => l is RecurrentLayer or BidirectionalLayer))
            {
                foreach (var g in model.GetGates(l.Name))
                {
                    o.WriteLine($"Gates of {g.LayerName}{(g.Direction is null ? "" : " [" + g.Direction + "]")} ({g.Kind}, units={g.Units}):");
                    foreach (var gw in g.Gates)
                    {
                        foreach (var t in new[] { gw.Kernel, gw.RecurrentKernel, gw.Bias, gw.RecurrentBias })
                            if (t is not null) o.WriteLine($"  {t.Name,-14} {t.ShapeText,-14} {Stats(t)}");
                    }
                }
            }
        }
        o.WriteLine();
    }
}
