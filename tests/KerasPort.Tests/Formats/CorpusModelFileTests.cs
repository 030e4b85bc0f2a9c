using System.Diagnostics;
using KerasPort.Formats;
using KerasPort.Model;
using KerasPort.Tests.Infrastructure;
using Xunit.Abstractions;

namespace KerasPort.Tests.Formats;

/// <summary>Reads every model file of the shared corpus and checks what it yields against the corpus's INDEX.md.</summary>
public sealed class CorpusModelFileTests(ITestOutputHelper output)
{
    private static ModelFileFormat ExpectedFormat(CorpusIndex.Row row) => row.FormatColumn switch
    {
        var f when f.Contains(".keras zip") => ModelFileFormat.KerasArchive,
        var f when f.Contains(".weights.h5") => ModelFileFormat.KerasV3Weights,
        var f when f.Contains("weights-only") => ModelFileFormat.Hdf5Weights,
        var f when f.Contains("h5 full") => ModelFileFormat.Hdf5FullModel,
        var f => throw new InvalidOperationException("unknown INDEX format " + f),
    };

    [Fact]
    public void EveryCorpusModelFileReadsAsIndexDescribes()
    {
        if (TestPaths.Corpus is not { } corpus)
        {
            output.WriteLine("corpus absent: skipped");
            return;
        }
        var index = CorpusIndex.Load(corpus);
        var files = index.FilesByMagic(hdf5: true, zip: true).Where(f => !CorpusIndex.IsReferenceFile(f)).ToList();
        Assert.NotEmpty(files);

        var failures = new List<string>();
        int tensors = 0;
        (string File, long Bytes, double Ms) largest = ("", 0, 0);
        foreach (var rel in files)
        {
            try
            {
                var sw = Stopwatch.StartNew();
                var content = ModelFileReader.Read(index.Full(rel));
                sw.Stop();
                long bytes = new FileInfo(index.Full(rel)).Length;
                if (bytes > largest.Bytes) largest = (rel, bytes, sw.Elapsed.TotalMilliseconds);

                Assert.True(index.Rows.TryGetValue(rel, out var row), $"{rel} is not in INDEX.md");
                Assert.Equal(ExpectedFormat(row!), content.Format);
                Assert.Equal(row!.FileVersion, content.KerasVersion);
                if (content.Format != ModelFileFormat.KerasArchive) Assert.Equal(row.Backend, content.Backend);

                if (content.Format is ModelFileFormat.Hdf5FullModel or ModelFileFormat.KerasArchive)
                {
                    Assert.NotNull(content.ModelConfig);
                    Assert.Equal(Newtonsoft.Json.Linq.JTokenType.String, content.ModelConfig!["class_name"]?.Type);
                    Assert.NotNull(content.ModelConfig["config"]);
                }
                else
                {
                    Assert.Null(content.ModelConfig);
                }

                Assert.NotNull(content.Weights);
                foreach (var t in AllTensors(content.Weights!))
                {
                    long product = 1;
                    foreach (var d in t.Shape) product *= d;
                    Assert.Equal(product, t.Data.LongLength);
                    Assert.Contains(t.DType, new[] { "float32", "float64", "int8", "int64" });
                    tensors++;
                }
            }
            catch (Exception e)
            {
                failures.Add($"{rel}: {e.GetType().Name}: {e.Message}");
            }
        }
        output.WriteLine($"{files.Count} model files, {tensors} tensors; largest {largest.File} ({largest.Bytes} bytes) read in {largest.Ms:F1} ms");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void LegacyFilesResolveEveryListedTensor()
    {
        if (TestPaths.Corpus is not { } corpus)
        {
            output.WriteLine("corpus absent: skipped");
            return;
        }
        var index = CorpusIndex.Load(corpus);
        int layers = 0;
        foreach (var rel in index.Rows.Keys.Where(r => !r.EndsWith(".keras", StringComparison.Ordinal) && !r.EndsWith(".weights.h5", StringComparison.Ordinal)))
        {
            var content = ModelFileReader.Read(index.Full(rel));
            var set = Assert.IsType<LegacyWeightSet>(content.Weights);
            Assert.Equal(set.LayerNames.Count, set.ByLayer.Count);
            Assert.DoesNotContain("top_level_model_weights", set.LayerNames);
            foreach (var layer in set.LayerNames)
            {
                var names = set.ByLayer[layer].Select(t => t.Name).ToList();
                Assert.Equal(names.Count, names.Distinct().Count());
                layers++;
            }
        }
        output.WriteLine($"{layers} layers checked");
    }

    [Fact]
    public void WeightsOnlyFilesCombineWithTheirSidecarConfig()
    {
        if (TestPaths.Corpus is not { } corpus)
        {
            output.WriteLine("corpus absent: skipped");
            return;
        }
        var index = CorpusIndex.Load(corpus);
        var pairs = index.Rows.Values.Where(r => r.SidecarConfig is not null).ToList();
        Assert.NotEmpty(pairs);
        foreach (var row in pairs)
        {
            string config = Path.Combine(Path.GetDirectoryName(index.Full(row.RelativePath))!, row.SidecarConfig!);
            var content = ModelFileReader.Read(index.Full(row.RelativePath), config);
            Assert.NotNull(content.ModelConfig);
            Assert.NotNull(content.Weights);
            Assert.Equal(ModelFileFormat.Hdf5Weights, content.Format);
            Assert.Equal(row.AnyVersion, content.KerasVersion);

            var alone = ModelFileReader.Read(config);
            Assert.Equal(ModelFileFormat.JsonConfig, alone.Format);
            Assert.Null(alone.Weights);
            Assert.True(Newtonsoft.Json.Linq.JToken.DeepEquals(alone.ModelConfig, content.ModelConfig));
        }
        output.WriteLine($"{pairs.Count} weights + config pairs read");
    }

    private static IEnumerable<WeightTensor> AllTensors(WeightSet set) => set switch
    {
        LegacyWeightSet legacy => legacy.ByLayer.Values.SelectMany(v => v),
        V3WeightSet v3 => Walk(v3.Root),
        _ => throw new InvalidOperationException(set.GetType().Name),
    };

    private static IEnumerable<WeightTensor> Walk(V3WeightGroup g) => g.Vars.Concat(g.Children.Values.SelectMany(Walk));
}
