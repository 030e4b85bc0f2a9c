using KerasPort.Formats.Arrays;
using KerasPort.Formats.Reference;
using KerasPort.Tests.Formats;
using Newtonsoft.Json.Linq;
using static KerasPort.Tests.Cli.CliRunner;

namespace KerasPort.Tests.Cli;

/// <summary>
/// <c>keras-port predict</c> on fixtures: the inputs come from the fixture's reference file and the written outputs must equal the
/// reference predictions (Keras / TensorFlow.js values read with ReferenceFile) within 1e-5·max(1,|expected|) (1e-10 in float64).
/// </summary>
public sealed class PredictCommandTests : IDisposable
{
    private readonly TempFiles _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static ReferenceFile Reference(string relative) => ReferenceFile.Read(Fixture(relative));

    /// <summary>Writes <paramref name="arrays"/> as a JSON tensor file by hand, flat row-major, in the given order.</summary>
    private string WriteJsonInputs(string name, IEnumerable<NamedArray> arrays, bool withNames)
    {
        var list = new JArray(arrays.Select(a =>
        {
            var o = new JObject { ["shape"] = new JArray(a.Shape), ["data"] = new JArray(a.Data) };
            if (withNames) o["name"] = a.Name;
            return o;
        }));
        return _tmp.Write(name, new JObject { ["inputs"] = list }.ToString());
    }

    [Fact]
    public void Npy_In_Npy_Out_MatchesKerasPredictions()
    {
        var reference = Reference("lstm/lstm_last.ref.h5");
        var input = _tmp.PathOf("x.npy");
        NpyFormat.Write(input, reference.Inputs[0]);
        var output = _tmp.PathOf("y.npy");

        var r = Run("predict", Fixture("lstm/lstm_last.h5"), "--input", input, "--output", output);

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains(output, r.Stdout);
        var (descr, shape, data) = DecodeNpy(File.ReadAllBytes(output));
        Assert.Equal("<f4", descr);
        AssertClose(reference.Predictions[0], shape, data, 1e-5);
    }

    [Fact]
    public void Npz_In_ByName_Npz_Out_NamedByOutputs()
    {
        // two inputs stored in reverse order: only matching by name can feed them right
        var reference = Reference("functional/func_two_inputs.ref.h5");
        Assert.Equal(["input_1", "input_2"], reference.InputNames);
        var input = _tmp.PathOf("in.npz");
        NpzFormat.Write(input, [reference.Inputs[1], reference.Inputs[0]]);
        var output = _tmp.PathOf("out.npz");

        var r = Run("predict", Fixture("functional/func_two_inputs.h5"), "--input", input, "--output", output);

        Assert.True(r.ExitCode == 0, r.Stderr);
        var entries = DecodeNpz(output);
        Assert.Equal(["head"], entries.Select(e => e.Key));
        Assert.Equal("<f4", entries[0].Descr);
        AssertClose(reference.Predictions[0], entries[0].Shape, entries[0].Data, 1e-5);
    }

    [Fact]
    public void Npz_In_ByPosition_WhenNamesDoNotMatch()
    {
        var reference = Reference("functional/func_two_inputs.ref.h5");
        var input = _tmp.PathOf("in.npz");
        NpzFormat.Write(input, [reference.Inputs[0].WithName("arr_0"), reference.Inputs[1].WithName("arr_1")]);
        var output = _tmp.PathOf("out.json");

        var r = Run("predict", Fixture("functional/func_two_inputs.h5"), "--input", input, "--output", output);

        Assert.True(r.ExitCode == 0, r.Stderr);
        var outputs = (JArray)JObject.Parse(File.ReadAllText(output))["outputs"]!;
        var head = (JObject)Assert.Single(outputs);
        AssertClose(reference.Predictions[0], head["shape"]!.ToObject<int[]>()!, head["data"]!.ToObject<double[]>()!, 1e-5);
    }

    [Fact]
    public void Json_In_Json_Out_InModelOutputOrder()
    {
        var reference = Reference("functional/func_two_outputs.ref.h5");
        Assert.Equal(["per_step", "summary"], reference.OutputNames);
        var input = WriteJsonInputs("in.json", reference.Inputs, withNames: false);
        var output = _tmp.PathOf("out.json");

        var r = Run("predict", Fixture("functional/func_two_outputs.h5"), "--input", input, "--output", output);

        Assert.True(r.ExitCode == 0, r.Stderr);
        var outputs = ((JArray)JObject.Parse(File.ReadAllText(output))["outputs"]!).Cast<JObject>().ToList();
        Assert.Equal(2, outputs.Count);
        for (int k = 0; k < 2; k++)
        {
            Assert.Equal(reference.OutputNames[k], (string?)outputs[k]["name"]);
            Assert.Equal("float32", (string?)outputs[k]["dtype"]);
            AssertClose(reference.Predictions[k], outputs[k]["shape"]!.ToObject<int[]>()!, outputs[k]["data"]!.ToObject<double[]>()!, 1e-5);
        }
    }

    [Fact]
    public void ReturnState_Npz_Out_NamesEveryOutputTensor()
    {
        var reference = Reference("lstm/lstm_return_state.ref.h5");
        var input = WriteJsonInputs("in.json", reference.Inputs, withNames: true);
        var output = _tmp.PathOf("out.npz");

        var r = Run("predict", Fixture("lstm/lstm_return_state.h5"), "--input", input, "--output", output);

        Assert.True(r.ExitCode == 0, r.Stderr);
        var entries = DecodeNpz(output);
        Assert.Equal(["lstm", "lstm__1", "lstm__2"], entries.Select(e => e.Key));
        for (int k = 0; k < 3; k++) AssertClose(reference.Predictions[k], entries[k].Shape, entries[k].Data, 1e-5);
    }

    [Fact]
    public void Float64Model_WritesFloat64_WithoutDtypeOption()
    {
        var reference = Reference("float64/f64_lstm_seq.ref.h5");
        var input = _tmp.PathOf("x.npy");
        NpyFormat.Write(input, reference.Inputs[0]);
        var output = _tmp.PathOf("y.npy");

        var r = Run("predict", Fixture("float64/f64_lstm_seq.h5"), "--input", input, "--output", output);

        Assert.True(r.ExitCode == 0, r.Stderr);
        var (descr, shape, data) = DecodeNpy(File.ReadAllBytes(output));
        Assert.Equal("<f8", descr);
        AssertClose(reference.Predictions[0], shape, data, 1e-10);
    }

    [Fact]
    public void DtypeOption_ComputesAndWritesFloat64()
    {
        var reference = Reference("lstm/lstm_last.ref.h5");
        var input = _tmp.PathOf("x.npy");
        NpyFormat.Write(input, reference.Inputs[0]);
        var output32 = _tmp.PathOf("y32.npy");
        var output64 = _tmp.PathOf("y64.npy");

        var r32 = Run("predict", Fixture("lstm/lstm_last.h5"), "--input", input, "--output", output32, "--dtype", "float32");
        var r64 = Run("predict", Fixture("lstm/lstm_last.h5"), "--input", input, "--output", output64, "--dtype", "float64");

        Assert.True(r32.ExitCode == 0, r32.Stderr);
        Assert.True(r64.ExitCode == 0, r64.Stderr);
        var (descr32, _, data32) = DecodeNpy(File.ReadAllBytes(output32));
        var (descr64, shape64, data64) = DecodeNpy(File.ReadAllBytes(output64));
        Assert.Equal("<f4", descr32);
        Assert.Equal("<f8", descr64);
        AssertClose(reference.Predictions[0], shape64, data64, 1e-5);
        // float64 arithmetic gives values float32 cannot hold: the file really holds float64 results, not widened float32 ones
        Assert.Contains(data64, v => (double)(float)v != v);
        Assert.NotEqual(data32, data64);
    }

    [Fact]
    public void WeightsOnlyFile_WithConfig()
    {
        var reference = Reference("formats/weights_only_lstm.ref.h5");
        var input = _tmp.PathOf("x.npy");
        NpyFormat.Write(input, reference.Inputs[0]);
        var output = _tmp.PathOf("y.npy");

        var r = Run("predict", Fixture("formats/weights_only_lstm.weights.h5"), "--config", Fixture("formats/weights_only_lstm.json"),
            "--input", input, "--output", output);

        Assert.True(r.ExitCode == 0, r.Stderr);
        var (_, shape, data) = DecodeNpy(File.ReadAllBytes(output));
        AssertClose(reference.Predictions[0], shape, data, 1e-5);
    }

    [Fact]
    public void MissingModel_Exit1_NamesTheFile()
    {
        var missing = _tmp.PathOf("no_such_model.h5");
        var input = _tmp.PathOf("x.npy");
        NpyFormat.Write(input, new NamedArray("x", [1, 5, 3], new double[15]));

        var r = Run("predict", missing, "--input", input, "--output", _tmp.PathOf("y.npy"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error (io)", r.Stderr);
        Assert.Contains(missing, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.False(File.Exists(_tmp.PathOf("y.npy")));
    }

    [Fact]
    public void MissingInput_Exit1_NamesTheFile()
    {
        var missing = _tmp.PathOf("no_such_input.npz");

        var r = Run("predict", Fixture("lstm/lstm_last.h5"), "--input", missing, "--output", _tmp.PathOf("y.npy"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error (io)", r.Stderr);
        Assert.Contains(missing, r.Stderr);
    }

    [Fact]
    public void WrongInputShape_Exit1_ShapeMismatch()
    {
        // lstm_last takes (batch, time, 3): give it 4 features
        var input = _tmp.PathOf("x.npy");
        NpyFormat.Write(input, new NamedArray("x", [2, 6, 4], new double[48]));

        var r = Run("predict", Fixture("lstm/lstm_last.h5"), "--input", input, "--output", _tmp.PathOf("y.npy"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error (shape_mismatch)", r.Stderr);
        Assert.Contains(input, r.Stderr);
        Assert.Contains("input 'lstm_input' expects shape (None, 6, 3) but got (2, 6, 4)", r.Stderr);
        Assert.Contains("array 'x' is input 'lstm_input'", r.Stderr);
    }

    [Fact]
    public void WrongInputCount_Exit1()
    {
        var input = _tmp.PathOf("x.npy");
        NpyFormat.Write(input, new NamedArray("x", [2, 5, 3], new double[30]));

        var r = Run("predict", Fixture("functional/func_two_inputs.h5"), "--input", input, "--output", _tmp.PathOf("y.npy"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error (invalid_argument)", r.Stderr);
        Assert.Contains("holds 1 array(s) (x) but the model takes 2 input(s) (input_1, input_2)", r.Stderr);
    }

    [Fact]
    public void PartlyNamedInputs_InTheWrongPlace_Exit1()
    {
        var reference = Reference("functional/func_two_inputs.ref.h5");
        var input = _tmp.PathOf("in.npz");
        NpzFormat.Write(input, [reference.Inputs[1], reference.Inputs[0].WithName("other")]);

        var r = Run("predict", Fixture("functional/func_two_inputs.h5"), "--input", input, "--output", _tmp.PathOf("y.npz"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("array 0 is named 'input_2', which is model input 1", r.Stderr);
    }

    [Fact]
    public void SeveralOutputs_ToNpy_Exit1_SuggestsNpz()
    {
        var reference = Reference("functional/func_two_outputs.ref.h5");
        var input = _tmp.PathOf("x.npy");
        NpyFormat.Write(input, reference.Inputs[0]);
        var output = _tmp.PathOf("y.npy");

        var r = Run("predict", Fixture("functional/func_two_outputs.h5"), "--input", input, "--output", output);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("the model has 2 outputs (per_step, summary); write .npz or .json", r.Stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void InputOfUnknownFormat_Exit1()
    {
        var input = _tmp.Write("x.txt", "1 2 3");

        var r = Run("predict", Fixture("lstm/lstm_last.h5"), "--input", input, "--output", _tmp.PathOf("y.npy"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{input}: not a .npy, .npz or JSON tensor file", r.Stderr);
    }

    [Theory]
    [InlineData]
    [InlineData("--input", "x.npy", "--output", "y.npy")]
    [InlineData("m.h5", "--output", "y.npy")]
    [InlineData("m.h5", "--input", "x.npy")]
    [InlineData("m.h5", "--input", "x.npy", "--output", "y.csv")]
    [InlineData("m.h5", "--input", "x.npy", "--output", "y.npy", "--dtype", "float16")]
    [InlineData("m.h5", "--input", "x.npy", "--output", "y.npy", "--frobnicate")]
    [InlineData("m.h5", "--input", "x.npy", "--output")]
    [InlineData("m.h5", "--input", "x.npy", "--input", "z.npy", "--output", "y.npy")]
    [InlineData("m.h5", "n.h5", "--input", "x.npy", "--output", "y.npy")]
    public void BadArguments_Exit2_WithUsage(params string[] args)
    {
        var r = Run(["predict", .. args]);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("usage: keras-port predict MODEL --input IN --output OUT", r.Stderr);
    }
}
