using System.IO.Compression;
using System.Text;
using KerasPort.Formats;
using PureHDF;
using static KerasPort.Tests.Formats.H5Write;

namespace KerasPort.Tests.Formats;

/// <summary>Keras 3 weights trees (LAYOUTS.md §5–6): <c>.weights.h5</c> files and <c>.keras</c> archives written by the tests.</summary>
public sealed class KerasV3Tests : IDisposable
{
    private readonly TempFiles _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private const string Config = """{"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": []}, "registered_name": null}""";

    private static H5Group Vars(string? name, params H5Dataset[] values)
    {
        var g = new H5Group();
        if (name is not null) g.Attributes = new() { ["name"] = name };
        for (int i = 0; i < values.Length; i++) g[i.ToString()] = values[i];
        return g;
    }

    /// <summary>A weights tree: an LSTM with a cell, a Dense with 12 vars (to exercise numeric ordering), a Bidirectional and optimizer state.</summary>
    private static H5File WeightsTree(bool withNames) => new()
    {
        ["layers"] = new H5Group
        {
            ["lstm"] = new H5Group
            {
                ["vars"] = Vars(withNames ? "lstm_2" : null),
                ["cell"] = new H5Group
                {
                    ["vars"] = Vars(withNames ? "lstm_cell" : null,
                        F32([1, 4], 1f, 2f, 3f, 4f), F32([1, 4], 5f, 6f, 7f, 8f), F32([4], 9f, 10f, 11f, 12f)),
                },
            },
            ["dense"] = new H5Group
            {
                ["vars"] = Vars(withNames ? "dense_7" : null, Enumerable.Range(0, 12).Select(i => F32([1], i * 10f)).ToArray()),
            },
            ["bidirectional"] = new H5Group
            {
                ["vars"] = Vars(null),
                ["forward_layer"] = new H5Group { ["cell"] = new H5Group { ["vars"] = Vars(null, F32([1], 0.5f)) } },
                ["backward_layer"] = new H5Group { ["cell"] = new H5Group { ["vars"] = Vars(null, F32([1], -0.5f)) } },
                ["layer"] = new H5Group { ["cell"] = new H5Group { ["vars"] = Vars(null) } },
            },
        },
        ["optimizer"] = new H5Group { ["vars"] = Vars("adam", new H5Dataset(4L, fileDims: null), F32([1, 4], 0f, 0f, 0f, 0f)) },
        ["vars"] = Vars(withNames ? "sequential" : null),
    };

    private static byte[] ToBytes(H5File file)
    {
        using var ms = new MemoryStream();
        file.Write(ms);
        return ms.ToArray();
    }

    private string Archive(string name, CompressionLevel level, params (string Entry, byte[] Data)[] entries)
    {
        var path = _tmp.PathOf(name);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var (entry, data) in entries)
            {
                using var s = zip.CreateEntry(entry, level).Open();
                s.Write(data);
            }
        }
        return path;
    }

    [Fact]
    public void WeightsFileIsATreeWithVarsSortedNumerically()
    {
        var content = ModelFileReader.Read(WeightsTree(withNames: true).Save(_tmp, "model.weights.h5"));

        Assert.Equal(ModelFileFormat.KerasV3Weights, content.Format);
        Assert.Null(content.ModelConfig);
        Assert.Null(content.KerasVersion);
        var root = Assert.IsType<V3WeightSet>(content.Weights).Root;
        Assert.Equal("sequential", root.ObjectName);
        Assert.Empty(root.Vars);
        Assert.False(root.Children.ContainsKey("optimizer"));

        var layers = root.Children["layers"];
        Assert.Equal(["bidirectional", "dense", "lstm"], layers.Children.Keys.Order());

        var lstm = layers.Children["lstm"];
        Assert.Equal("lstm_2", lstm.ObjectName);
        Assert.Empty(lstm.Vars);
        var cell = lstm.Children["cell"];
        Assert.Equal("lstm_cell", cell.ObjectName);
        Assert.Equal(["layers/lstm/cell/vars/0", "layers/lstm/cell/vars/1", "layers/lstm/cell/vars/2"], cell.Vars.Select(v => v.Name));
        Assert.Equal([5.0, 6, 7, 8], cell.Vars[1].Data);
        Assert.Equal([4], cell.Vars[2].Shape);

        var dense = layers.Children["dense"];
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i * 10.0), dense.Vars.Select(v => v.Data[0]));

        var bidirectional = layers.Children["bidirectional"];
        Assert.Equal([0.5], bidirectional.Children["forward_layer"].Children["cell"].Vars[0].Data);
        Assert.Equal([-0.5], bidirectional.Children["backward_layer"].Children["cell"].Vars[0].Data);
        Assert.Empty(bidirectional.Children["layer"].Children["cell"].Vars);
    }

    [Fact]
    public void VarsGroupsWithoutNameAttributeHaveNoObjectName()
    {
        var root = Assert.IsType<V3WeightSet>(ModelFileReader.Read(WeightsTree(withNames: false).Save(_tmp, "old.weights.h5")).Weights).Root;
        Assert.Null(root.ObjectName);
        Assert.Null(root.Children["layers"].Children["lstm"].Children["cell"].ObjectName);
    }

    [Fact]
    public void AGapInVarsIsMissingWeights()
    {
        var file = new H5File
        {
            ["layers"] = new H5Group { ["dense"] = new H5Group { ["vars"] = new H5Group { ["0"] = F32([1], 1f), ["2"] = F32([1], 2f) } } },
        };
        var path = file.Save(_tmp, "gap.weights.h5");
        var e = Assert.Throws<MissingWeightsException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("/layers/dense/vars", e.Message);
        Assert.Contains("variable 1", e.Message);
    }

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Optimal)]
    public void KerasArchiveReadsConfigMetadataAndWeights(CompressionLevel level)
    {
        var path = Archive("model.keras", level,
            ("metadata.json", Encoding.UTF8.GetBytes("""{"keras_version": "3.8.0", "date_saved": "2025-01-31@12:00:00"}""")),
            ("config.json", Encoding.UTF8.GetBytes(Config)),
            ("model.weights.h5", ToBytes(WeightsTree(withNames: true))));
        var content = ModelFileReader.Read(path);

        Assert.Equal(ModelFileFormat.KerasArchive, content.Format);
        Assert.Equal("3.8.0", content.KerasVersion);
        Assert.Null(content.Backend);
        Assert.Equal("keras", (string?)content.ModelConfig!["module"]);
        Assert.Equal("Sequential", (string?)content.ModelConfig["class_name"]);
        var cell = Assert.IsType<V3WeightSet>(content.Weights).Root.Children["layers"].Children["lstm"].Children["cell"];
        Assert.Equal([9.0, 10, 11, 12], cell.Vars[2].Data);
    }

    [Fact]
    public void MagicBytesDecideAZipNamedH5IsAnArchive()
    {
        var path = Archive("model.h5", CompressionLevel.NoCompression,
            ("config.json", Encoding.UTF8.GetBytes(Config)),
            ("model.weights.h5", ToBytes(WeightsTree(withNames: false))));
        var content = ModelFileReader.Read(path);
        Assert.Equal(ModelFileFormat.KerasArchive, content.Format);
        Assert.Null(content.KerasVersion);
    }

    [Fact]
    public void AZipWithoutConfigJsonIsNotKeras()
    {
        var path = Archive("weights.npz", CompressionLevel.NoCompression, ("x.npy", [1, 2, 3]));
        var e = Assert.Throws<NotKerasFileException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void AnArchiveWithoutWeightsIsMissingWeights()
    {
        var path = Archive("noweights.keras", CompressionLevel.NoCompression, ("config.json", Encoding.UTF8.GetBytes(Config)));
        var e = Assert.Throws<MissingWeightsException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("model.weights.h5", e.Message);
    }

    [Fact]
    public void AnArchiveWithBrokenConfigJsonIsCorrupt()
    {
        var path = Archive("badconfig.keras", CompressionLevel.NoCompression,
            ("config.json", Encoding.UTF8.GetBytes("{\"class_name\": ")),
            ("model.weights.h5", ToBytes(WeightsTree(withNames: false))));
        var e = Assert.Throws<CorruptModelFileException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void AnArchiveWhoseWeightsEntryIsTruncatedIsCorruptAndNamesTheEntry()
    {
        var weights = ToBytes(WeightsTree(withNames: true));
        var path = Archive("cut.keras", CompressionLevel.NoCompression,
            ("config.json", Encoding.UTF8.GetBytes(Config)),
            ("model.weights.h5", weights[..(weights.Length / 2)]));
        var e = Assert.Throws<CorruptModelFileException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("model.weights.h5", e.Message);
    }

    [Fact]
    public void ATruncatedArchiveIsCorrupt()
    {
        var full = File.ReadAllBytes(Archive("whole.keras", CompressionLevel.NoCompression,
            ("config.json", Encoding.UTF8.GetBytes(Config)),
            ("model.weights.h5", ToBytes(WeightsTree(withNames: true)))));
        var path = _tmp.Write("half.keras", full[..(full.Length / 2)]);
        var e = Assert.Throws<CorruptModelFileException>(() => ModelFileReader.Read(path));
        Assert.Contains(path, e.Message);
    }
}
