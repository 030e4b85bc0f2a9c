using KerasPort.Tests.Infrastructure;
using KerasPort.Verification;
using Newtonsoft.Json.Linq;
using Xunit.Abstractions;

namespace KerasPort.Tests.Parity;

/// <summary>
/// Every fixture case (fixtures/manifest.json, written by tools/exporter-node from TensorFlow.js or from the exporter's
/// independent float64 implementation of Keras's equations) runs through KerasPort and must match the reference
/// predictions and per-layer activations within 1e-5·max(1,|expected|) in float32 and 1e-10 in float64.
/// </summary>
public class FixtureParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Manifest()) data.Add((string)c["case"]!);
        return data;
    }

    private static IEnumerable<JObject> Manifest()
    {
        var path = Path.Combine(TestPaths.Fixtures, "manifest.json");
        return ((JArray)JObject.Parse(File.ReadAllText(path))["cases"]!).Cast<JObject>();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fixture_MatchesReference(string caseName)
    {
        var entry = Manifest().Single(c => (string)c["case"]! == caseName);
        string model = Path.Combine(TestPaths.Fixtures, (string)entry["model"]!);
        string reference = Path.Combine(TestPaths.Fixtures, (string)entry["reference"]!);
        string? config = (string?)entry["config"];
        var type = (string?)entry["dtype"] == "float64" ? ComputeType.Float64 : ComputeType.Float32;
        var options = new KerasModelLoadOptions { ComputeType = type };
        var loaded = config is null ? KerasModel.Load(model, options) : KerasModel.Load(model, Path.Combine(TestPaths.Fixtures, config), options);

        var report = ParityCheck.Run(loaded, reference);
        foreach (var e in report.Entries)
            output.WriteLine($"{e.Kind,-10} {e.Name,-40} abs {e.MaxAbsError:E2} rel {e.MaxRelError:E2} {(e.Passed ? "ok" : "FAIL")} {e.Note}");
        Assert.True(report.Entries.Any(e => e.Kind == "prediction"), "the reference holds no predictions");
        Assert.True(report.Passed, $"{caseName}: " + string.Join("; ", report.Entries.Where(e => !e.Passed).Select(e => $"{e.Name} rel {e.MaxRelError:E2} {e.Note}")));
    }
}
