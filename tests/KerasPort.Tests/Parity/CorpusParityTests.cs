using KerasPort.Tests.Infrastructure;
using KerasPort.Verification;
using Xunit.Abstractions;

namespace KerasPort.Tests.Parity;

/// <summary>
/// Real Keras predictions: every DL4J <c>*_inputs_and_outputs.h5</c> in ../shared/corpus whose <c>predictions/</c> group
/// holds Keras's <c>model.predict</c> output (and <c>activations/</c> every layer's output) is replayed through KerasPort
/// with the matching model file. Models refused for out-of-scope layers are counted, not failed. Skips without the corpus.
/// </summary>
public class CorpusParityTests(ITestOutputHelper output)
{
    [Fact]
    public void RealKerasPredictions_AreReproduced()
    {
        var corpus = TestPaths.Corpus;
        if (corpus is null)
        {
            output.WriteLine("../shared/corpus is absent: skipped");
            return;
        }
        int compared = 0, refused = 0, noPredictions = 0;
        var failures = new List<string>();
        double worst = 0;
        foreach (var reference in Directory.EnumerateFiles(corpus, "*_inputs_and_outputs.h5", SearchOption.AllDirectories).Order())
        {
            string stem = reference[..^"_inputs_and_outputs.h5".Length];
            string model = stem + "_model.h5";
            if (!File.Exists(model))
            {
                output.WriteLine($"no model file for {Path.GetFileName(reference)}");
                continue;
            }
            KerasModel loaded;
            try
            {
                loaded = KerasModel.Load(model);
            }
            catch (UnsupportedModelException e)
            {
                refused++;
                output.WriteLine($"refused  {Rel(corpus, model)}: {string.Join("; ", e.Features.Select(f => f.ClassName + (f.Option is null ? "" : "." + f.Option)).Distinct())}");
                continue;
            }
            ParityReport report;
            try
            {
                report = ParityCheck.Run(loaded, reference);
            }
            catch (KerasPortException e)
            {
                failures.Add($"{Rel(corpus, model)}: {e.Message}");
                continue;
            }
            if (!report.Entries.Any(e => e.Kind == "prediction"))
            {
                noPredictions++;
                continue;
            }
            compared++;
            worst = Math.Max(worst, report.MaxPredictionError);
            output.WriteLine($"{(report.Passed ? "ok  " : "FAIL")}     {Rel(corpus, model)}: max rel error {report.MaxPredictionError:E2} ({report.Entries.Count} tensors)");
            if (!report.Passed)
                failures.Add($"{Rel(corpus, model)}: " + string.Join("; ", report.Entries.Where(e => !e.Passed).Select(e => $"{e.Kind} {e.Name} rel {e.MaxRelError:E2} {e.Note}")));
        }
        output.WriteLine($"compared {compared}, refused {refused}, without predictions {noPredictions}, worst prediction error {worst:E2}");
        Assert.True(compared > 0, "no corpus reference was compared");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string Rel(string root, string path) => Path.GetRelativePath(root, path);
}
