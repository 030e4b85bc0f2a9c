using KerasPort.Formats.Reference;
using KerasPort.Tests.Formats;
using Newtonsoft.Json.Linq;
using PureHDF;
using static KerasPort.Tests.Cli.CliRunner;

namespace KerasPort.Tests.Cli;

/// <summary><c>keras-port verify</c>: exit 0 when the model reproduces a reference file, 1 when it does not, 2 on usage errors.</summary>
public sealed class VerifyCommandTests : IDisposable
{
    private readonly TempFiles _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void PassingFixture_Exit0_PrintsEveryTensorAndSummary()
    {
        var r = Run("verify", Fixture("functional/func_two_outputs.h5"), "--reference", Fixture("functional/func_two_outputs.ref.h5"));

        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("prediction per_step", StringComparison.Ordinal) && l.EndsWith("ok", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("prediction summary", StringComparison.Ordinal) && l.EndsWith("ok", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("activation gru", StringComparison.Ordinal) && l.EndsWith("ok", StringComparison.Ordinal));
        Assert.StartsWith("PASS: all 6 compared tensors (2 prediction(s), 4 layer activation(s)) within tolerance 1e-05", lines[^1]);
    }

    [Fact]
    public void ReferenceOfAnotherModelWithTheSameShapes_Exit1()
    {
        // act_relu and act_tanh share layers and shapes (Dense → LSTM → SimpleRNN) but differ in the Dense activation
        var relu = ReferenceFile.Read(Fixture("activations/act_relu.ref.h5"));
        var tanh = ReferenceFile.Read(Fixture("activations/act_tanh.ref.h5"));
        Assert.Equal(relu.Inputs.Select(a => a.Shape), tanh.Inputs.Select(a => a.Shape));
        Assert.Equal(relu.Predictions.Select(a => a.Shape), tanh.Predictions.Select(a => a.Shape));

        var r = Run("verify", Fixture("activations/act_relu.h5"), "--reference", Fixture("activations/act_tanh.ref.h5"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains(r.Stdout.Split('\n'), l => l.StartsWith("prediction simple_rnn", StringComparison.Ordinal) && l.TrimEnd().EndsWith("FAIL", StringComparison.Ordinal));
        Assert.Contains("FAIL: ", r.Stdout);
    }

    [Fact]
    public void Json_OneObject_WithEntriesAndVerdict()
    {
        var pass = Run("verify", Fixture("lstm/lstm_last.h5"), "--reference", Fixture("lstm/lstm_last.ref.h5"), "--json");
        var fail = Run("verify", Fixture("activations/act_relu.h5"), "--reference", Fixture("activations/act_tanh.ref.h5"), "--json");

        Assert.Equal(0, pass.ExitCode);
        Assert.Equal(1, fail.ExitCode);
        var ok = JObject.Parse(pass.Stdout);
        Assert.True((bool)ok["passed"]!);
        Assert.Equal("float32", (string?)ok["compute_type"]);
        Assert.Equal(1e-5, (double)ok["tolerance"]!);
        var entries = ((JArray)ok["entries"]!).Cast<JObject>().ToList();
        Assert.Contains(entries, e => (string?)e["kind"] == "prediction" && (string?)e["name"] == "lstm");
        Assert.All(entries, e => Assert.True((bool)e["passed"]! && (double)e["max_rel_error"]! <= 1e-5));

        var bad = JObject.Parse(fail.Stdout);
        Assert.False((bool)bad["passed"]!);
        var prediction = ((JArray)bad["entries"]!).Cast<JObject>().Single(e => (string?)e["kind"] == "prediction");
        Assert.False((bool)prediction["passed"]!);
        Assert.True((double)prediction["max_rel_error"]! > 1e-2);
    }

    [Fact]
    public void Tolerance_IsApplied()
    {
        var json = Run("verify", Fixture("activations/act_relu.h5"), "--reference", Fixture("activations/act_tanh.ref.h5"), "--json");
        double worst = ((JArray)JObject.Parse(json.Stdout)["entries"]!).Max(e => (double)e["max_rel_error"]!);

        var loose = Run("verify", Fixture("activations/act_relu.h5"), "--reference", Fixture("activations/act_tanh.ref.h5"),
            "--tolerance", (worst * 1.01).ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        var tight = Run("verify", Fixture("activations/act_relu.h5"), "--reference", Fixture("activations/act_tanh.ref.h5"),
            "--tolerance", (worst * 0.99).ToString("R", System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(0, loose.ExitCode);
        Assert.Equal(1, tight.ExitCode);
    }

    /// <summary>Rewrites a fixture reference (inputs and predictions only) with PureHDF, optionally nudging one prediction value.</summary>
    private string Rewrite(string fixtureReference, string name, double nudge)
    {
        var source = ReferenceFile.Read(Fixture(fixtureReference));
        var file = new H5File
        {
            Attributes = new()
            {
                ["inputs"] = new JObject { ["inputs"] = new JArray(source.InputNames) }.ToString(Newtonsoft.Json.Formatting.None),
                ["outputs"] = new JObject { ["outputs"] = new JArray(source.OutputNames) }.ToString(Newtonsoft.Json.Formatting.None),
            },
        };
        foreach (var a in source.Inputs)
            H5Write.Put(file, "inputs/" + a.Name, H5Write.F32(a.Shape, a.Data.Select(v => (float)v).ToArray()));
        for (int k = 0; k < source.Predictions.Count; k++)
        {
            var p = source.Predictions[k];
            var values = p.Data.Select(v => (float)v).ToArray();
            if (k == 0) values[values.Length / 2] += (float)nudge;
            H5Write.Put(file, "predictions/" + p.Name, H5Write.F32(p.Shape, values));
        }
        return file.Save(_tmp, name);
    }

    [Fact]
    public void TamperedReference_Exit1_UntamperedCopy_Exit0()
    {
        var copy = Rewrite("gru/gru_reset_after_true.ref.h5", "copy.ref.h5", 0);
        var tampered = Rewrite("gru/gru_reset_after_true.ref.h5", "tampered.ref.h5", 1e-3);

        var ok = Run("verify", Fixture("gru/gru_reset_after_true.h5"), "--reference", copy);
        var bad = Run("verify", Fixture("gru/gru_reset_after_true.h5"), "--reference", tampered, "--json");

        Assert.True(ok.ExitCode == 0, ok.Stdout + ok.Stderr);
        Assert.Equal(1, bad.ExitCode);
        var entry = (JObject)Assert.Single((JArray)JObject.Parse(bad.Stdout)["entries"]!);
        Assert.False((bool)entry["passed"]!);
        Assert.InRange((double)entry["max_abs_error"]!, 0.9e-3, 1.1e-3);
    }

    [Fact]
    public void MissingReference_Exit1_NamesTheFile()
    {
        var missing = _tmp.PathOf("nothing.ref.h5");

        var human = Run("verify", Fixture("lstm/lstm_last.h5"), "--reference", missing);
        var json = Run("verify", Fixture("lstm/lstm_last.h5"), "--reference", missing, "--json");

        Assert.Equal(1, human.ExitCode);
        Assert.Contains(missing, human.Stderr);
        Assert.Contains("error (io)", human.Stderr);
        Assert.Equal(1, json.ExitCode);
        var error = (JObject)JObject.Parse(json.Stdout)["error"]!;
        Assert.Equal("io", (string?)error["kind"]);
        Assert.Contains(missing, (string?)error["message"]);
    }

    [Fact]
    public void MissingModel_Exit1_NamesTheFile()
    {
        var missing = _tmp.PathOf("nothing.h5");

        var r = Run("verify", missing, "--reference", Fixture("lstm/lstm_last.ref.h5"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains(missing, r.Stderr);
    }

    [Fact]
    public void ReferenceForAModelWithOtherInputs_Exit1_ShapeMismatch()
    {
        // func_two_inputs' reference holds two inputs; lstm_last takes one
        var r = Run("verify", Fixture("lstm/lstm_last.h5"), "--reference", Fixture("functional/func_two_inputs.ref.h5"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error (shape_mismatch)", r.Stderr);
        Assert.Contains("func_two_inputs.ref.h5", r.Stderr);
    }

    [Theory]
    [InlineData]
    [InlineData("m.h5")]
    [InlineData("--reference", "r.h5")]
    [InlineData("m.h5", "--reference", "r.h5", "--tolerance", "abc")]
    [InlineData("m.h5", "--reference", "r.h5", "--tolerance", "-1")]
    [InlineData("m.h5", "--reference", "r.h5", "--tolerance", "0")]
    [InlineData("m.h5", "--reference", "r.h5", "--dtype", "double")]
    [InlineData("m.h5", "--reference")]
    [InlineData("m.h5", "--reference", "r.h5", "--verbose")]
    public void BadArguments_Exit2_WithUsage(params string[] args)
    {
        var r = Run(["verify", .. args]);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("usage: keras-port verify MODEL --reference REF", r.Stderr);
    }
}
