using KerasPort.Formats.Reference;
using KerasPort.Tests.Infrastructure;
using PureHDF;
using Xunit.Abstractions;
using static KerasPort.Tests.Formats.H5Write;

namespace KerasPort.Tests.Formats;

/// <summary>DL4J reference files from the corpus and exporter-style files written by the tests.</summary>
public sealed class ReferenceFileTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFiles _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void EveryCorpusReferenceFileReads()
    {
        if (TestPaths.Corpus is not { } corpus)
        {
            output.WriteLine("corpus absent: skipped");
            return;
        }
        var index = CorpusIndex.Load(corpus);
        var files = index.FilesByMagic(hdf5: true, zip: false).Where(CorpusIndex.IsReferenceFile).ToList();
        Assert.NotEmpty(files);
        int withPredictions = 0;
        foreach (var rel in files)
        {
            var reference = ReferenceFile.Read(index.Full(rel));
            Assert.Null(reference.DType);
            Assert.Empty(reference.Calls);
            var input = Assert.Single(reference.Inputs);
            Assert.Equal(Assert.Single(reference.InputNames), input.Name);
            Assert.Equal("float32", input.DType);
            Assert.Single(reference.OutputNames);
            if (reference.HasPredictions)
            {
                withPredictions++;
                var prediction = Assert.Single(reference.Predictions);
                Assert.Equal(reference.OutputNames[0], prediction.Name);
                Assert.Equal(input.Shape[0], prediction.Shape[0]); // batch-first, one prediction per sample
                Assert.Contains(prediction.Name, reference.Activations.Keys);
                Assert.Equal(prediction.Data, reference.Activations[prediction.Name].Data);
            }
        }
        // INDEX.md: every DL4J reference file but simple_lstm_tf_keras_2's has Keras predictions.
        Assert.Equal(files.Count - 1, withPredictions);
        output.WriteLine($"{files.Count} reference files, {withPredictions} with predictions");
    }

    [Fact]
    public void SimpleLstmReferenceMatchesItsKnownLayout()
    {
        if (TestPaths.Corpus is not { } corpus) return;
        var path = Path.Combine(corpus, "dl4j-test-resources", "modelimport", "keras", "examples", "simple_lstm", "simple_lstm_tf_keras_1_inputs_and_outputs.h5");
        if (!File.Exists(path)) return;
        var reference = ReferenceFile.Read(path);
        Assert.Equal(["lstm_input_1"], reference.InputNames);
        Assert.Equal(["dense_1"], reference.OutputNames);
        Assert.Equal([100, 1, 1], reference.Inputs[0].Shape);
        Assert.Equal([100, 1], reference.Predictions[0].Shape);
        Assert.Equal(["dense_1", "lstm_1"], reference.Activations.Keys.Order());
        Assert.Equal([100, 50], reference.Activations["lstm_1"].Shape);
        Assert.False(reference.Activations.ContainsKey("loss"));
    }

    [Fact]
    public void SimpleLstmKeras2ReferenceHasNoPredictions()
    {
        if (TestPaths.Corpus is not { } corpus) return;
        var path = Path.Combine(corpus, "dl4j-test-resources", "modelimport", "keras", "examples", "simple_lstm", "simple_lstm_tf_keras_2_inputs_and_outputs.h5");
        if (!File.Exists(path)) return;
        var reference = ReferenceFile.Read(path);
        Assert.False(reference.HasPredictions);
        Assert.Empty(reference.Predictions);
        Assert.Single(reference.Inputs);
    }

    [Fact]
    public void ExporterFileKeepsDeclaredOrderDTypeAndSource()
    {
        var file = new H5File
        {
            Attributes = new()
            {
                ["inputs"] = """{"inputs": ["encoder_in", "decoder_in"]}""",
                ["outputs"] = """{"outputs": ["out_b", "out_a"]}""",
                ["dtype"] = "float64",
                ["source"] = "keras 3.8.0 / tensorflow",
            },
            // Storage order is alphabetical: decoder_in before encoder_in, out_a before out_b.
            ["inputs"] = new H5Group { ["encoder_in"] = F64([1, 2], 1.0, 2.0), ["decoder_in"] = F64([1, 1], 3.0) },
            ["predictions"] = new H5Group { ["out_a"] = F64([1, 1], 0.25), ["out_b"] = F64([1, 2], 0.5, 0.75) },
            ["outputs"] = new H5Group { ["out_a"] = F64([1, 1], 99.0) },
            ["scores"] = new H5Group { ["loss"] = F64([1], 1.5) },
        };
        var reference = ReferenceFile.Read(file.Save(_tmp, "seq2seq_reference.h5"));

        Assert.Equal("float64", reference.DType);
        Assert.Equal("keras 3.8.0 / tensorflow", reference.Source);
        Assert.Equal(["encoder_in", "decoder_in"], reference.InputNames);
        Assert.Equal(["encoder_in", "decoder_in"], reference.Inputs.Select(a => a.Name));
        Assert.Equal([1.0, 2.0], reference.Inputs[0].Data);
        Assert.Equal(["out_b", "out_a"], reference.Predictions.Select(a => a.Name));
        Assert.Equal([0.5, 0.75], reference.Predictions[0].Data);
        Assert.Equal([0.25], reference.Predictions[1].Data); // the prediction, not the training target 99
        Assert.All(reference.Predictions, p => Assert.Equal("float64", p.DType));
        Assert.Empty(reference.Activations);
    }

    [Fact]
    public void StatefulCallsAreReadInNumericOrder()
    {
        var calls = new H5Group();
        for (int k = 0; k < 11; k++)
        {
            calls[k.ToString()] = new H5Group
            {
                ["inputs"] = new H5Group { ["x"] = F32([1, 1, 1], k) },
                ["predictions"] = new H5Group { ["y"] = F32([1, 1], k * 10f) },
            };
        }
        var file = new H5File
        {
            Attributes = new() { ["inputs"] = """{"inputs": ["x"]}""", ["outputs"] = """{"outputs": ["y"]}""", ["dtype"] = "float32" },
            ["calls"] = calls,
        };
        var reference = ReferenceFile.Read(file.Save(_tmp, "stateful.h5"));

        Assert.True(reference.HasPredictions);
        Assert.Empty(reference.Inputs);
        Assert.Equal(["x"], reference.InputNames);
        Assert.Equal(11, reference.Calls.Count);
        Assert.Equal(Enumerable.Range(0, 11), reference.Calls.Select(c => c.Index));
        Assert.Equal(Enumerable.Range(0, 11).Select(k => (double)k), reference.Calls.Select(c => c.Inputs[0].Data[0]));
        Assert.Equal(Enumerable.Range(0, 11).Select(k => k * 10.0), reference.Calls.Select(c => c.Predictions[0].Data[0]));
    }

    [Fact]
    public void ADeclaredInputWithoutDatasetIsCorrupt()
    {
        var file = new H5File
        {
            Attributes = new() { ["inputs"] = """{"inputs": ["a", "b"]}""" },
            ["inputs"] = new H5Group { ["a"] = F32([1], 1f) },
        };
        var path = file.Save(_tmp, "partial.h5");
        var e = Assert.Throws<CorruptModelFileException>(() => ReferenceFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("/inputs/b", e.Message);
    }

    [Fact]
    public void AGapInCallsIsCorrupt()
    {
        var file = new H5File
        {
            ["calls"] = new H5Group
            {
                ["0"] = new H5Group { ["inputs"] = new H5Group { ["x"] = F32([1], 1f) } },
                ["2"] = new H5Group { ["inputs"] = new H5Group { ["x"] = F32([1], 1f) } },
            },
        };
        var path = file.Save(_tmp, "gap.h5");
        var e = Assert.Throws<CorruptModelFileException>(() => ReferenceFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("call 1", e.Message);
    }

    [Fact]
    public void NonReferenceFilesAreTypedErrors()
    {
        var model = new H5File { Attributes = new() { ["layer_names"] = new[] { "a" } }, ["a"] = Layer() }.Save(_tmp, "model.h5");
        Assert.Contains(model, Assert.Throws<NotKerasFileException>(() => ReferenceFile.Read(model)).Message);

        var json = _tmp.Write("x.json", "{}");
        Assert.Contains(json, Assert.Throws<NotKerasFileException>(() => ReferenceFile.Read(json)).Message);

        var missing = _tmp.PathOf("none.h5");
        Assert.Contains(missing, Assert.Throws<ModelIOException>(() => ReferenceFile.Read(missing)).Message);

        var bytes = File.ReadAllBytes(new H5File
        {
            Attributes = new() { ["inputs"] = """{"inputs": ["x"]}""" },
            ["inputs"] = new H5Group { ["x"] = F32([10000], new float[10000]) },
        }.Save(_tmp, "whole_ref.h5"));
        var cut = _tmp.Write("cut_ref.h5", bytes[..(bytes.Length / 2)]);
        Assert.Contains(cut, Assert.Throws<CorruptModelFileException>(() => ReferenceFile.Read(cut)).Message);
    }
}
