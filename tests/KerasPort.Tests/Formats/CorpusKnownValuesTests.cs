using KerasPort.Formats;
using KerasPort.Tests.Infrastructure;

namespace KerasPort.Tests.Formats;

/// <summary>Specific corpus files checked against values printed by the HDF5 tools' <c>h5dump -m %.9g</c> (an independent reader).</summary>
public sealed class CorpusKnownValuesTests
{
    private static string? CorpusFile(params string[] parts)
    {
        if (TestPaths.Corpus is not { } corpus) return null;
        var path = Path.Combine([corpus, .. parts]);
        return File.Exists(path) ? path : null;
    }

    [Fact]
    public void Keras1TensorflowLstmValues()
    {
        if (CorpusFile("dl4j-test-resources", "modelimport", "keras", "weights", "lstm_tensorflow_1.h5") is not { } path) return;
        var content = ModelFileReader.Read(path);
        Assert.Equal("1.2.2", content.KerasVersion);
        var lstm = Assert.IsType<LegacyWeightSet>(content.Weights).ByLayer["lstm_1"];
        // Keras 1 stores i, c, f, o gates as separate arrays, in this weight_names order.
        Assert.Equal(
            ["lstm_1_W_i:0", "lstm_1_U_i:0", "lstm_1_b_i:0", "lstm_1_W_c:0", "lstm_1_U_c:0", "lstm_1_b_c:0",
             "lstm_1_W_f:0", "lstm_1_U_f:0", "lstm_1_b_f:0", "lstm_1_W_o:0", "lstm_1_U_o:0", "lstm_1_b_o:0"],
            lstm.Select(t => t.Name));
        Assert.Equal([1, 6], lstm[0].Shape);
        float[] expected = [0.303724885f, -0.327009797f, -0.299634039f, 0.246717572f, -0.489990205f, -0.464033812f];
        Assert.Equal(expected.Select(v => (double)v), lstm[0].Data);
        Assert.Equal(0.0, lstm[11].Data[0]);
    }

    [Fact]
    public void Keras3ArchiveTreeAndValues()
    {
        if (CorpusFile("gh-delladeldel-LSTM-Seq2Seq", "my_model.keras") is not { } path) return;
        var content = ModelFileReader.Read(path);
        Assert.Equal(ModelFileFormat.KerasArchive, content.Format);
        Assert.Equal("3.8.0", content.KerasVersion);
        var root = Assert.IsType<V3WeightSet>(content.Weights).Root;
        var layers = root.Children["layers"];
        Assert.Equal(["input_layer", "input_layer_1", "lstm", "lstm_1", "time_distributed"], layers.Children.Keys.Order());
        Assert.Equal("input_layer_2", layers.Children["input_layer"].ObjectName);
        Assert.Equal("lstm_2", layers.Children["lstm"].ObjectName);

        var cell = layers.Children["lstm"].Children["cell"];
        Assert.Equal("lstm_cell", cell.ObjectName);
        Assert.Equal([[1, 256], [64, 256], [256]], cell.Vars.Select(v => v.Shape));
        Assert.Equal((double)-0.533358932f, cell.Vars[2].Data[0]);
        Assert.Equal((double)0.0050544315f, cell.Vars[1].Data[63 * 256 + 255]);

        var dense = layers.Children["time_distributed"].Children["layer"];
        Assert.Equal("dense_1", dense.ObjectName);
        Assert.Equal([[64, 1], [1]], dense.Vars.Select(v => v.Shape));
    }

    [Fact]
    public void Keras3WeightsFileTree()
    {
        if (CorpusFile("gh-iwang1959-Stock-Price-LSTM", "lstm_model.weights.h5") is not { } path) return;
        var content = ModelFileReader.Read(path);
        Assert.Equal(ModelFileFormat.KerasV3Weights, content.Format);
        var layers = Assert.IsType<V3WeightSet>(content.Weights).Root.Children["layers"];
        Assert.Equal([[1, 16], [4, 16], [16]], layers.Children["lstm"].Children["cell"].Vars.Select(v => v.Shape));
        Assert.Equal([[4, 1], [1]], layers.Children["dense"].Vars.Select(v => v.Shape));
        Assert.Null(layers.Children["lstm"].Children["cell"].ObjectName);
    }
}
