using KerasPort.Cli;
using Newtonsoft.Json.Linq;

namespace KerasPort.Tests.Cli;

public sealed class InspectCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("keras-port-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        var p = Path.Combine(_dir, name);
        File.WriteAllText(p, content);
        return p;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private const string Config = """
    {"class_name": "Sequential", "keras_version": "2.3.1", "backend": "tensorflow", "config": {"name": "s", "layers": [
      {"class_name": "LSTM", "config": {"name": "lstm_1", "units": 4, "batch_input_shape": [null, 10, 3]}},
      {"class_name": "Dense", "config": {"name": "dense_1", "units": 2}}]}}
    """;

    [Fact]
    public void Json_output_has_one_object_per_file_and_errors_with_their_kind()
    {
        var good = Write("model.json", Config);
        var notKeras = Write("junk.bin", "this is not a model");
        var missing = Path.Combine(_dir, "absent.h5");
        var (code, stdout, stderr) = Run("inspect", good, notKeras, missing, "--json");
        Assert.Equal(1, code);
        Assert.Equal("", stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(JObject.Parse).ToList();
        Assert.Equal(3, lines.Count);
        var m = lines[0];
        Assert.Equal(good, (string?)m["file"]);
        Assert.Equal("json_config", (string?)m["format"]);
        Assert.Equal("2.3.1", (string?)m["keras_version"]);
        Assert.Equal("tensorflow", (string?)m["backend"]);
        var layers = (JArray)m["layers"]!;
        Assert.Equal(["lstm_1", "dense_1"], layers.Select(l => (string)l["name"]!));
        Assert.Equal("LSTM", (string?)layers[0]["class"]);
        Assert.Equal("[null,4]", layers[0]["output_shape"]!.ToString(Newtonsoft.Json.Formatting.None));
        Assert.Equal("[null,2]", layers[1]["output_shape"]!.ToString(Newtonsoft.Json.Formatting.None));
        Assert.Equal(0, (long)m["total_params"]!); // architecture only
        Assert.Equal("not_keras", (string?)lines[1]["error"]!["kind"]);
        Assert.Equal("io", (string?)lines[2]["error"]!["kind"]);
        Assert.Contains("absent.h5", (string?)lines[2]["error"]!["message"]);
    }

    [Fact]
    public void Human_output_shows_versions_and_summary_and_exit_code_zero()
    {
        var good = Write("model.json", Config);
        var (code, stdout, _) = Run("inspect", good);
        Assert.Equal(0, code);
        Assert.Contains("keras_version: 2.3.1", stdout);
        Assert.Contains("backend: tensorflow", stdout);
        Assert.Contains("lstm_1 (LSTM)", stdout);
        Assert.Contains("(None, 4)", stdout);
        Assert.Contains("architecture only", stdout);
    }

    [Fact]
    public void Unsupported_model_is_reported_without_stack_trace()
    {
        var lambda = Write("lambda.json", """
        {"class_name": "Sequential", "config": [{"class_name": "Lambda", "config": {"name": "l", "function": "x", "batch_input_shape": [null, 2]}}]}
        """);
        var (code, stdout, stderr) = Run("inspect", lambda);
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Contains("unsupported", stderr);
        Assert.Contains("never executes", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void Usage_errors_exit_with_two()
    {
        Assert.Equal(2, Run().Code);
        Assert.Equal(2, Run("inspect").Code);
        Assert.Equal(2, Run("inspect", "x.h5", "--bogus").Code);
        Assert.Equal(2, Run("frobnicate").Code);
        Assert.Equal(2, Run("inspect", "x.h5", "--config").Code);
    }
}
