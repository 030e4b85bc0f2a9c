using KerasPort.Formats;
using PureHDF;
using static KerasPort.Tests.Formats.H5Write;

namespace KerasPort.Tests.Formats;

/// <summary>Legacy HDF5 layouts (LAYOUTS.md §1–4) on files the tests write themselves.</summary>
public sealed class LegacyHdf5Tests : IDisposable
{
    private readonly TempFiles _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private const string SequentialConfig = """{"class_name": "Sequential", "config": {"name": "sequential", "layers": [{"class_name": "LSTM", "config": {"name": "lstm_1", "units": 2}}]}}""";

    /// <summary>A tf.keras-style full model: vlen strings, InputLayer with empty weight_names, nested weight paths, top_level_model_weights.</summary>
    private H5File FullModel() => new()
    {
        Attributes = new()
        {
            ["keras_version"] = "2.4.0",
            ["backend"] = "tensorflow",
            ["model_config"] = SequentialConfig,
            ["training_config"] = """{"loss": "mse"}""",
        },
        ["model_weights"] = new H5Group
        {
            Attributes = new()
            {
                ["layer_names"] = new[] { "input_1", "lstm_1", "dense_1" },
                ["keras_version"] = "2.4.0",
                ["backend"] = "tensorflow",
            },
            ["input_1"] = Layer(),
            // weight_names order (kernel, recurrent_kernel, bias) differs from the alphabetical order of the datasets.
            ["lstm_1"] = Layer(
                ("lstm_1/lstm_cell_9/kernel:0", F32([1, 8], Seq(8, 0.5f))),
                ("lstm_1/lstm_cell_9/recurrent_kernel:0", F32([2, 8], Seq(16, -0.25f))),
                ("lstm_1/lstm_cell_9/bias:0", F32([8], Seq(8, 1f, 100f)))),
            // The inner name differs from the layer group name (TF variable scope).
            ["dense_1"] = Layer(
                ("dense_1_3/kernel:0", F32([2, 1], 7.5f, -7.5f)),
                ("dense_1_3/bias:0", F32([1], 0.125f))),
            ["top_level_model_weights"] = Layer(),
        },
        ["optimizer_weights"] = new H5Group { ["iterations:0"] = F32([1], 3f) },
    };

    [Fact]
    public void FullModelYieldsVersionConfigAndWeightsInWeightNamesOrder()
    {
        var path = FullModel().Save(_tmp, "model.h5");
        var content = ModelFileReader.Read(path);

        Assert.Equal(ModelFileFormat.Hdf5FullModel, content.Format);
        Assert.Equal(path, content.Path);
        Assert.Equal("2.4.0", content.KerasVersion);
        Assert.Equal("tensorflow", content.Backend);
        Assert.Equal("Sequential", (string?)content.ModelConfig!["class_name"]);
        Assert.Equal(2, (int)content.ModelConfig.SelectToken("config.layers[0].config.units")!);

        var weights = Assert.IsType<LegacyWeightSet>(content.Weights);
        Assert.Equal(["input_1", "lstm_1", "dense_1"], weights.LayerNames);
        Assert.Equal(3, weights.ByLayer.Count);
        Assert.Empty(weights.ByLayer["input_1"]);

        var lstm = weights.ByLayer["lstm_1"];
        Assert.Equal(["lstm_1/lstm_cell_9/kernel:0", "lstm_1/lstm_cell_9/recurrent_kernel:0", "lstm_1/lstm_cell_9/bias:0"], lstm.Select(t => t.Name));
        Assert.Equal([1, 8], lstm[0].Shape);
        Assert.Equal([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0], lstm[0].Data);
        Assert.Equal([2, 8], lstm[1].Shape);
        Assert.Equal(-0.25, lstm[1].Data[0]);
        Assert.Equal(-4.0, lstm[1].Data[15]);
        Assert.Equal([8], lstm[2].Shape);
        Assert.Equal([101.0, 102, 103, 104, 105, 106, 107, 108], lstm[2].Data);
        Assert.All(lstm, t => Assert.Equal("float32", t.DType));

        var dense = weights.ByLayer["dense_1"];
        Assert.Equal(["dense_1_3/kernel:0", "dense_1_3/bias:0"], dense.Select(t => t.Name));
        Assert.Equal([7.5, -7.5], dense[0].Data);
        Assert.Equal([0.125], dense[1].Data);
    }

    [Fact]
    public void Keras1WeightsOnlyFileHasDatasetsDirectlyInTheLayerGroupAndNoVersion()
    {
        var file = new H5File
        {
            Attributes = new() { ["layer_names"] = new[] { "simplernn_1", "dense_1" } },
            ["simplernn_1"] = Layer(
                ("simplernn_1_W:0", F32([1, 2], 1f, 2f)),
                ("simplernn_1_U:0", F32([2, 2], 3f, 4f, 5f, 6f)),
                ("simplernn_1_b:0", F32([2], 7f, 8f))),
            // Theano backend: no ':0' suffix.
            ["dense_1"] = Layer(("dense_1_W", F32([2, 1], 9f, 10f)), ("dense_1_b", F32([1], 11f))),
        };
        var content = ModelFileReader.Read(file.Save(_tmp, "weights.h5"));

        Assert.Equal(ModelFileFormat.Hdf5Weights, content.Format);
        Assert.Null(content.KerasVersion);
        Assert.Null(content.Backend);
        Assert.Null(content.ModelConfig);
        var weights = Assert.IsType<LegacyWeightSet>(content.Weights);
        Assert.Equal(["simplernn_1_W:0", "simplernn_1_U:0", "simplernn_1_b:0"], weights.ByLayer["simplernn_1"].Select(t => t.Name));
        Assert.Equal([3.0, 4, 5, 6], weights.ByLayer["simplernn_1"][1].Data);
        Assert.Equal(["dense_1_W", "dense_1_b"], weights.ByLayer["dense_1"].Select(t => t.Name));
        Assert.Equal("dense_1_W", weights.ByLayer["dense_1"][0].ShortName);
        Assert.Equal([11.0], weights.ByLayer["dense_1"][1].Data);
    }

    [Fact]
    public void FixedLengthStringAttributesReadLikeVariableLengthOnes()
    {
        // PureHDF writes fixed-length strings NULLTERM-padded; Keras/h5py's NULLPAD arrays are covered by the corpus tests.
        var path = FullModel().Save(_tmp, "fixed.h5", fixedStringLength: 256);
        var content = ModelFileReader.Read(path);
        Assert.Equal("2.4.0", content.KerasVersion);
        var weights = Assert.IsType<LegacyWeightSet>(content.Weights);
        Assert.Equal(["input_1", "lstm_1", "dense_1"], weights.LayerNames);
        Assert.Equal("lstm_1/lstm_cell_9/recurrent_kernel:0", weights.ByLayer["lstm_1"][1].Name);
    }

    [Fact]
    public void ChunkedLayerNamesAndWeightNamesAreConcatenatedInOrder()
    {
        // Keras's save_attributes_to_hdf5_group splits a long list into attributes name0, name1, … (np.array_split).
        var dense = new H5Group
        {
            Attributes = new()
            {
                ["weight_names0"] = new[] { "d/kernel:0" },
                ["weight_names1"] = new[] { "d/bias:0" },
            },
        };
        Put(dense, "d/kernel:0", F32([1, 1], 2f));
        Put(dense, "d/bias:0", F32([1], 3f));
        var file = new H5File
        {
            Attributes = new()
            {
                ["keras_version"] = "2.2.4",
                ["backend"] = "tensorflow",
                ["layer_names0"] = new[] { "a", "b" },
                ["layer_names1"] = new[] { "c" },
                ["layer_names2"] = new[] { "dense" },
            },
            ["a"] = Layer(),
            ["b"] = Layer(),
            ["c"] = Layer(),
            ["dense"] = dense,
        };
        var weights = Assert.IsType<LegacyWeightSet>(ModelFileReader.Read(file.Save(_tmp, "chunked.h5")).Weights);
        Assert.Equal(["a", "b", "c", "dense"], weights.LayerNames);
        Assert.Equal(["d/kernel:0", "d/bias:0"], weights.ByLayer["dense"].Select(t => t.Name));
        Assert.Equal([3.0], weights.ByLayer["dense"][1].Data);
    }

    [Fact]
    public void Float64Int8AndScalarDatasetsKeepTheirValuesAndDType()
    {
        var file = new H5File
        {
            Attributes = new() { ["layer_names"] = new[] { "q" } },
            ["q"] = Layer(
                ("q/kernel:0", F64([2], 0.1, -1e-300)),
                ("q/bits:0", new H5Dataset(new sbyte[] { -128, 7, 127 }, fileDims: [3])),
                ("q/scale:0", new H5Dataset(0.75f, fileDims: null))),
        };
        var layer = Assert.IsType<LegacyWeightSet>(ModelFileReader.Read(file.Save(_tmp, "types.h5")).Weights).ByLayer["q"];

        Assert.Equal("float64", layer[0].DType);
        Assert.Equal([0.1, -1e-300], layer[0].Data);
        Assert.Equal("int8", layer[1].DType);
        Assert.Equal([-128.0, 7, 127], layer[1].Data);
        Assert.Equal("float32", layer[2].DType);
        Assert.Empty(layer[2].Shape);
        Assert.Equal([0.75], layer[2].Data);
    }

    [Fact]
    public void ChunkedDeflatedDatasetsLargerThanTheFileRead()
    {
        // Keras never compresses, but a file re-saved with h5py compression must still load.
        var zeros = new float[200_000];
        zeros[123_456] = 4.5f;
        var file = new H5File
        {
            Attributes = new() { ["layer_names"] = new[] { "e" } },
            ["e"] = Layer(("e/embeddings:0", new H5Dataset(zeros, chunks: [250, 200], fileDims: [1000, 200],
                datasetCreation: new PureHDF.VOL.Native.H5DatasetCreation(Filters: [PureHDF.Filters.DeflateFilter.Id])))),
        };
        var path = file.Save(_tmp, "deflated.h5");
        Assert.True(new FileInfo(path).Length < zeros.Length * 4 / 10);
        var t = Assert.IsType<LegacyWeightSet>(ModelFileReader.Read(path).Weights).ByLayer["e"][0];
        Assert.Equal([1000, 200], t.Shape);
        Assert.Equal(4.5, t.Data[123_456]);
        Assert.Equal(4.5, t.Data.Sum());
    }

    [Fact]
    public void Float32ValuesConvertExactly()
    {
        float awkward = 0.1f; // not representable; its float64 widening is 0.100000001490116…
        var file = new H5File
        {
            Attributes = new() { ["layer_names"] = new[] { "d" } },
            ["d"] = Layer(("d/bias:0", F32([3], awkward, float.Epsilon, -3.4028235e38f))),
        };
        var data = Assert.IsType<LegacyWeightSet>(ModelFileReader.Read(file.Save(_tmp, "exact.h5")).Weights).ByLayer["d"][0].Data;
        Assert.Equal(0.100000001490116119384765625, data[0]);
        Assert.Equal(1.40129846432481707e-45, data[1]);
        Assert.Equal(-3.4028234663852886e38, data[2]);
    }

    [Fact]
    public void AWeightNameThatPointsNowhereIsMissingWeightsNamingFileLayerAndTensor()
    {
        var file = new H5File
        {
            Attributes = new() { ["layer_names"] = new[] { "lstm_1" } },
            ["lstm_1"] = new H5Group
            {
                Attributes = new() { ["weight_names"] = new[] { "lstm_1/kernel:0", "lstm_1/recurrent_kernel:0" } },
                ["lstm_1"] = new H5Group { ["kernel:0"] = F32([1, 4], 1f, 2f, 3f, 4f) },
            },
        };
        var path = file.Save(_tmp, "missing_tensor.h5");
        var e = Assert.Throws<MissingWeightsException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("lstm_1", e.Message);
        Assert.Contains("/lstm_1/lstm_1/recurrent_kernel:0", e.Message);
        Assert.Equal(KerasErrorKind.MissingWeights, e.Kind);
    }

    [Fact]
    public void ALayerNameWithoutGroupIsMissingWeights()
    {
        var file = new H5File
        {
            Attributes = new() { ["layer_names"] = new[] { "dense_1", "dense_2" } },
            ["dense_1"] = Layer(),
        };
        var path = file.Save(_tmp, "missing_layer.h5");
        var e = Assert.Throws<MissingWeightsException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("'dense_2'", e.Message);
    }

    [Fact]
    public void AFullModelWithoutModelWeightsIsMissingWeights()
    {
        var file = new H5File { Attributes = new() { ["model_config"] = SequentialConfig } };
        var path = file.Save(_tmp, "no_weights.h5");
        var e = Assert.Throws<MissingWeightsException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("/model_weights", e.Message);
    }

    [Fact]
    public void AModelConfigThatIsNotJsonIsCorrupt()
    {
        var file = FullModel();
        file.Attributes["model_config"] = "{\"class_name\": \"Sequential\", ";
        var path = file.Save(_tmp, "bad_config.h5");
        var e = Assert.Throws<CorruptModelFileException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("model_config", e.Message);
    }

    [Fact]
    public void LayerNamesThatAreNumbersAreCorrupt()
    {
        var file = new H5File { Attributes = new() { ["layer_names"] = new double[] { 1, 2 } } };
        var path = file.Save(_tmp, "numeric_names.h5");
        var e = Assert.Throws<CorruptModelFileException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("layer_names", e.Message);
    }

    [Fact]
    public void AnHdf5FileWithoutKerasContentIsNotKeras()
    {
        var file = new H5File { ["data"] = F32([2], 1f, 2f), Attributes = new() { ["title"] = "x" } };
        var path = file.Save(_tmp, "plain.h5");
        var e = Assert.Throws<NotKerasFileException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("title", e.Message);
    }

    [Fact]
    public void MagicBytesDecideNotTheExtension()
    {
        // tf.keras 2.10 wrote plain HDF5 under a .keras name.
        var path = FullModel().Save(_tmp, "model.keras");
        Assert.Equal(ModelFileFormat.Hdf5FullModel, ModelFileReader.Read(path).Format);
    }
}
