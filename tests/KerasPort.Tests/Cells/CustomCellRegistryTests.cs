using KerasPort.Cells;
using KerasPort.Cells.Samples;
using KerasPort.Compute;
using KerasPort.Model;
using Newtonsoft.Json.Linq;

namespace KerasPort.Tests.Cells;

/// <summary>Registration and resolution of user cells by Keras class name (global and per-load), and their typed errors.</summary>
public class CustomCellRegistryTests
{
    private static JObject Spec(string className, object? config = null, string? registeredName = null)
    {
        var spec = new JObject { ["class_name"] = className, ["config"] = JObject.FromObject(config ?? new { }) };
        if (registeredName is not null) spec["registered_name"] = registeredName;
        return spec;
    }

    private static double[] FirstOutput(KerasPort.Compute.Recurrent.IRecurrentCell<double> cell, double[] state)
    {
        var (seq, _, _) = CellTestMath.Run(cell, new double[cell.InputSize], 1, 1, state);
        return seq;
    }

    [Fact]
    public void PerLoadRegistry_TakesPrecedenceOverGlobal()
    {
        const string name = "RegistryTestMap_Precedence";
        CustomCellRegistry.Global.Register(name, _ => new HenonCell(1.4, 0.3));
        try
        {
            var perLoad = new CustomCellRegistry().Register(name, _ => new HenonCell(1.0, 0.5));
            var global = CustomCellRegistry.TryCreate<double>(Spec(name), "map", 0, [], null, null)!;
            var local = CustomCellRegistry.TryCreate<double>(Spec(name), "map", 0, [], perLoad, null)!;
            // (x, y) = (0.5, 0.1): a = 1.4 → 1 − 0.35 + 0.1 = 0.75; a = 1.0 → 1 − 0.25 + 0.1 = 0.85
            Assert.Equal(1 - 1.4 * 0.5 * 0.5 + 0.1, FirstOutput(global, [0.5, 0.1])[0]);
            Assert.Equal(1 - 1.0 * 0.5 * 0.5 + 0.1, FirstOutput(local, [0.5, 0.1])[0]);
            Assert.Equal(0.5 * 0.5, FirstOutput(local, [0.5, 0.1])[1]);
        }
        finally
        {
            Assert.True(CustomCellRegistry.Global.Remove(name));
        }
        Assert.False(CustomCellRegistry.Global.Contains(name));
    }

    [Fact]
    public void RegisteredName_OfKeras3Configs_Matches()
    {
        var registry = new CustomCellRegistry().Register("my_package>Henon", ctx => new HenonCell(ctx));
        var cell = CustomCellRegistry.TryCreate<double>(Spec("Henon", new { a = 1.2, b = 0.2 }, "my_package>Henon"), "map", 0, [], registry, "3.8.0");
        Assert.NotNull(cell);
        Assert.Equal([1 - 1.2 * 0.5 * 0.5 + 0.1, 0.2 * 0.5], FirstOutput(cell, [0.5, 0.1]));
        Assert.Null(CustomCellRegistry.TryCreate<double>(Spec("Henon"), "map", 0, [], registry, null));
    }

    [Fact]
    public void FailingFactory_IsInvalidArgumentNamingTheLayer()
    {
        var registry = new CustomCellRegistry().Register("Broken", _ => throw new InvalidOperationException("boom"));
        var e = Assert.Throws<InvalidModelArgumentException>(() => CustomCellRegistry.TryCreate<double>(Spec("Broken"), "rnn_7", 2, [], registry, null));
        Assert.Contains("rnn_7", e.Message);
        Assert.Contains("boom", e.Message);
    }

    [Fact]
    public void CellWithoutStates_IsRejected()
    {
        var registry = new CustomCellRegistry().Register("Stateless", _ => new Stateless());
        var e = Assert.Throws<InvalidModelArgumentException>(() => CustomCellRegistry.TryCreate<double>(Spec("Stateless"), "rnn", 2, [], registry, null));
        Assert.Contains("at least one state", e.Message);
    }

    private sealed class Stateless : CustomCell
    {
        public override IReadOnlyList<int> StateSizes => [];
        public override int OutputSize => 1;
        public override void Step<T>(int batch, ReadOnlySpan<T> inputs, ReadOnlyCellStates<T> states, CellStates<T> newStates, Span<T> output, Span<T> scratch) { }
    }

    [Fact]
    public void Context_Activations_FollowKerasGeneration_AndRejectUnknownNames()
    {
        var config = JObject.Parse("""{"a": "hard_sigmoid", "b": {"module": "keras.activations", "class_name": "function", "config": "tanh", "registered_name": null}, "c": "no_such_fn"}""");
        Assert.Equal(ActivationKind.HardSigmoid, new CustomCellContext("C", config, 1, "l", "2.15.0").GetActivation("a", "tanh").Kind);
        Assert.Equal(ActivationKind.HardSigmoidKeras3, new CustomCellContext("C", config, 1, "l", "3.8.0").GetActivation("a", "tanh").Kind);
        Assert.Equal(ActivationKind.Tanh, new CustomCellContext("C", config, 1, "l", "3.8.0").GetActivation("b", "linear").Kind);
        Assert.Equal(ActivationKind.Sigmoid, new CustomCellContext("C", config, 1, "l").GetActivation("absent", "sigmoid").Kind);
        var e = Assert.Throws<UnsupportedModelException>(() => new CustomCellContext("C", config, 1, "l").GetActivation("c", "tanh"));
        Assert.Contains("no_such_fn", e.Message);
    }

    [Fact]
    public void Context_WeightsByPath_WhenShortNamesRepeat_ByPositionWhenNamesAreAmbiguous()
    {
        WeightTensor[] stored =
        [
            new("rnn/cell/dense/kernel:0", [1, 2], [1, 2]),
            new("rnn/cell/dense_1/kernel:0", [2, 1], [3, 4]),
        ];
        // declared in the other order under path names: the stored names decide
        var byPath = new CustomCellContext("C", new JObject(), 1, "rnn");
        var second = byPath.AddWeight("dense_1/kernel", [2, 1]);
        var first = byPath.AddWeight("dense/kernel", [1, 2]);
        byPath.LoadWeights(stored);
        Assert.Equal([3.0, 4.0], second.As<double>().ToArray());
        Assert.Equal([1f, 2f], first.As<float>().ToArray());
        Assert.Same(stored[1], second.Tensor);
        // a short name matching both stored weights identifies neither: Keras's positional rule applies
        var ambiguous = new CustomCellContext("C", new JObject(), 1, "rnn");
        var a = ambiguous.AddWeight("kernel", [1, 2]);
        var b = ambiguous.AddWeight("kernel", [2, 1]);
        ambiguous.LoadWeights(stored);
        Assert.Equal([1.0, 2.0], a.As<double>().ToArray());
        Assert.Equal([3.0, 4.0], b.As<double>().ToArray());
        Assert.Throws<InvalidModelArgumentException>(() => ambiguous.AddWeight("late", [1]));
    }

    [Fact]
    public void Context_NonTrainableWeights_ComeAfterTrainableOnes_AsKerasStoresThem()
    {
        var ctx = new CustomCellContext("C", new JObject(), 1, "rnn");
        var stat = ctx.AddWeight("moving_mean", [2], trainable: false);
        var kernel = ctx.AddWeight("kernel", [1, 2]);
        Assert.Equal(["kernel", "moving_mean"], ctx.Weights.Select(w => w.Name));
        ctx.LoadWeights([new WeightTensor("vars/0", [1, 2], [5, 6]), new WeightTensor("vars/1", [2], [7, 8])]);
        Assert.Equal([5.0, 6.0], kernel.As<double>().ToArray());
        Assert.Equal([7.0, 8.0], stat.As<double>().ToArray());
    }
}
