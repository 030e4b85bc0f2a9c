using System.Diagnostics;
using KerasPort.Formats;
using KerasPort.Tests.Infrastructure;
using PureHDF;
using static KerasPort.Tests.Formats.H5Write;

namespace KerasPort.Tests.Formats;

/// <summary>Format detection, JSON architecture files, and every kind of bad input.</summary>
public sealed class ModelFileReaderTests : IDisposable
{
    private readonly TempFiles _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private const string ToJson = """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "dense_1", "units": 1}}]},
         "keras_version": "2.2.4", "backend": "tensorflow"}
        """;

    private string WeightsOnly(string name, string? version)
    {
        var file = new H5File
        {
            Attributes = new() { ["layer_names"] = new[] { "dense_1" } },
            ["dense_1"] = Layer(("dense_1/kernel:0", F32([1, 1], 2f)), ("dense_1/bias:0", F32([1], 0.5f))),
        };
        if (version is not null)
        {
            file.Attributes["keras_version"] = version;
            file.Attributes["backend"] = "theano";
        }
        return file.Save(_tmp, name);
    }

    [Fact]
    public void ArchitectureJsonAloneIsAConfigOnlyContent()
    {
        var path = _tmp.Write("model.json", "\n  " + ToJson);
        var content = ModelFileReader.Read(path);
        Assert.Equal(ModelFileFormat.JsonConfig, content.Format);
        Assert.Null(content.Weights);
        Assert.Equal("2.2.4", content.KerasVersion);
        Assert.Equal("tensorflow", content.Backend);
        Assert.Equal("dense_1", (string?)content.ModelConfig!.SelectToken("config.layers[0].config.name"));
    }

    [Fact]
    public void JsonKeepsDateLikeStringsAndNumbersAsWritten()
    {
        var path = _tmp.Write("config.json", """{"class_name": "Functional", "config": {"name": "2024-01-31T10:00:00", "eps": 1e-07, "n": 3}}""");
        var config = ModelFileReader.Read(path).ModelConfig!;
        Assert.Equal(Newtonsoft.Json.Linq.JTokenType.String, config.SelectToken("config.name")!.Type);
        Assert.Equal("2024-01-31T10:00:00", (string?)config.SelectToken("config.name"));
        Assert.Equal(1e-07, (double)config.SelectToken("config.eps")!);
        Assert.Equal(Newtonsoft.Json.Linq.JTokenType.Integer, config.SelectToken("config.n")!.Type);
    }

    [Fact]
    public void WeightsOnlyFileTakesConfigAndMissingVersionFromTheJson()
    {
        var config = _tmp.Write("model.json", ToJson);
        var content = ModelFileReader.Read(WeightsOnly("w.h5", version: null), config);
        Assert.Equal(ModelFileFormat.Hdf5Weights, content.Format);
        Assert.Equal("2.2.4", content.KerasVersion);
        Assert.Equal("tensorflow", content.Backend);
        Assert.Equal("Sequential", (string?)content.ModelConfig!["class_name"]);
        Assert.Equal([0.5], Assert.IsType<LegacyWeightSet>(content.Weights).ByLayer["dense_1"][1].Data);
    }

    [Fact]
    public void TheWeightsFileVersionWinsOverTheJsonVersion()
    {
        var config = _tmp.Write("model.json", ToJson);
        var content = ModelFileReader.Read(WeightsOnly("w.h5", version: "2.1.3"), config);
        Assert.Equal("2.1.3", content.KerasVersion);
        Assert.Equal("theano", content.Backend);
    }

    [Fact]
    public void AJsonThatIsNotAModelIsNotKeras()
    {
        var path = _tmp.Write("tokenizer.json", """{"word_index": {"a": 1}}""");
        var e = Assert.Throws<NotKerasFileException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("class_name", e.Message);
    }

    [Fact]
    public void BrokenJsonIsCorrupt()
    {
        var path = _tmp.Write("broken.json", """{"class_name": "Sequential", "config": [""");
        var e = Assert.Throws<CorruptModelFileException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void AConfigPathThatIsNotJsonIsNotKeras()
    {
        var weights = WeightsOnly("w.h5", version: null);
        var e = Assert.Throws<NotKerasFileException>(() => ModelFileReader.Read(weights, weights));
        Assert.Contains(weights, e.Message);
    }

    [Fact]
    public void AJsonModelWithASeparateConfigIsAnArgumentError()
    {
        var json = _tmp.Write("model.json", ToJson);
        var e = Assert.Throws<InvalidModelArgumentException>(() => ModelFileReader.Read(json, json));
        Assert.Contains(json, e.Message);
    }

    [Fact]
    public void AMissingFileIsAnIoError()
    {
        var path = _tmp.PathOf("nope.h5");
        var e = Assert.Throws<ModelIOException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Equal("io", e.KindName);
    }

    [Fact]
    public void AMissingConfigFileIsAnIoError()
    {
        var config = _tmp.PathOf("nope.json");
        var e = Assert.Throws<ModelIOException>(() => ModelFileReader.Read(WeightsOnly("w.h5", null), config));
        Assert.Contains(config, e.Message);
    }

    [Fact]
    public void ADirectoryIsAnIoError()
    {
        var e = Assert.Throws<ModelIOException>(() => ModelFileReader.Read(_tmp.Dir));
        Assert.Contains(_tmp.Dir, e.Message);
    }

    [Fact]
    public void RandomBytesAreNotKeras()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        bytes[0] = 0x00;
        var path = _tmp.Write("random.h5", bytes);
        var e = Assert.Throws<NotKerasFileException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("bytes 00", e.Message);
    }

    [Fact]
    public void AnEmptyFileIsNotKeras()
    {
        var path = _tmp.Write("empty.keras", []);
        var e = Assert.Throws<NotKerasFileException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void AnHdf5FileCutInHalfIsCorrupt()
    {
        var whole = File.ReadAllBytes(WeightsOnly("whole.h5", "2.1.3"));
        var path = _tmp.Write("half.h5", whole[..(whole.Length / 2)]);
        var e = Assert.Throws<CorruptModelFileException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Equal(KerasErrorKind.Corrupt, e.Kind);
    }

    [Fact]
    public void TheHdf5SignatureAloneIsCorrupt()
    {
        var path = _tmp.Write("sig.h5", [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]);
        var e = Assert.Throws<CorruptModelFileException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void CorpusFilesCutInHalfAreCorrupt()
    {
        if (TestPaths.Corpus is not { } corpus) return;
        foreach (var rel in new[]
        {
            "dl4j-test-resources/modelimport/keras/weights/lstm_tensorflow_1.h5",
            "gh-delladeldel-LSTM-Seq2Seq/decoder_model.h5",
            "gh-delladeldel-LSTM-Seq2Seq/my_model.keras",
        })
        {
            var source = Path.Combine(corpus, rel);
            if (!File.Exists(source)) continue;
            var bytes = File.ReadAllBytes(source);
            var path = _tmp.Write("cut_" + Path.GetFileName(rel), bytes[..(bytes.Length / 2)]);
            var e = Assert.Throws<CorruptModelFileException>(() => ModelFileReader.Read(path));
            Assert.Contains(path, e.Message);
        }
    }

    [Fact]
    public void ReferenceDataFilesAreNotModels()
    {
        var file = new H5File
        {
            Attributes = new() { ["inputs"] = """{"inputs": ["x"]}""", ["outputs"] = """{"outputs": ["y"]}""" },
            ["inputs"] = new H5Group { ["x"] = F32([1, 1], 1f) },
            ["predictions"] = new H5Group { ["y"] = F32([1, 1], 2f) },
        };
        var path = file.Save(_tmp, "x_inputs_and_outputs.h5");
        var e = Assert.Throws<NotKerasFileException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("reference", e.Message);
    }

    /// <summary>
    /// Truncations at every 2% and random byte changes never escape as anything but a typed KerasPort error (or a successful read,
    /// when only unused bytes changed), and never take long.
    /// </summary>
    [Fact]
    public void MutatedFilesFailWithTypedErrorsQuickly()
    {
        var sources = new List<(string Name, byte[] Bytes)>
        {
            ("own.h5", File.ReadAllBytes(WeightsOnly("seed.h5", "2.1.3"))),
        };
        if (TestPaths.Corpus is { } corpus)
        {
            foreach (var rel in new[] { "dl4j-test-resources/modelimport/keras/examples/simple_lstm/simple_lstm_tf_keras_2_weights.h5", "gh-delladeldel-LSTM-Seq2Seq/my_model.keras" })
            {
                var p = Path.Combine(corpus, rel);
                if (File.Exists(p)) sources.Add((Path.GetFileName(rel), File.ReadAllBytes(p)));
            }
        }

        var rng = new Random(20240531);
        var escapes = new List<string>();
        double slowest = 0;
        foreach (var (name, bytes) in sources)
        {
            for (int trial = 0; trial < 150; trial++)
            {
                byte[] mutated;
                if (trial < 50)
                {
                    mutated = bytes[..(int)((long)bytes.Length * trial / 50)];
                }
                else
                {
                    mutated = (byte[])bytes.Clone();
                    int limit = trial % 2 == 0 ? Math.Min(4096, bytes.Length) : bytes.Length; // bias towards the metadata at the start
                    for (int k = 1 + rng.Next(8); k > 0; k--) mutated[rng.Next(limit)] = (byte)rng.Next(256);
                }
                var path = _tmp.Write("mutated_" + name, mutated);
                var sw = Stopwatch.StartNew();
                try
                {
                    ModelFileReader.Read(path);
                }
                catch (KerasPortException e)
                {
                    if (!e.Message.Contains(path)) escapes.Add($"{name} #{trial}: message does not name the file: {e.Message}");
                }
                catch (Exception e)
                {
                    escapes.Add($"{name} #{trial}: {e.GetType().Name}: {e.Message}");
                }
                slowest = Math.Max(slowest, sw.Elapsed.TotalMilliseconds);
            }
        }
        Assert.True(escapes.Count == 0, string.Join("\n", escapes));
        Assert.True(slowest < 5000, $"slowest read took {slowest:F0} ms");
    }
}
