using System.Numerics;
using System.Numerics.Tensors;
using KerasPort.Formats.Arrays;
using KerasPort.Formats.Reference;
using KerasPort.Runtime;

namespace KerasPort.Verification;

/// <summary>One compared tensor: where it came from, the largest errors and whether it is within tolerance.</summary>
/// <param name="Kind"><c>prediction</c> or <c>activation</c>.</param>
/// <param name="Name">Output or layer name (with <c>[call k]</c> for stateful calls).</param>
/// <param name="MaxAbsError">max |got − expected|.</param>
/// <param name="MaxRelError">max |got − expected| / max(1, |expected|).</param>
/// <param name="Passed">Every element within tolerance.</param>
/// <param name="Note">Why a tensor could not be compared, when it could not.</param>
public sealed record ParityEntry(string Kind, string Name, double MaxAbsError, double MaxRelError, bool Passed, string? Note = null);

/// <summary>The result of checking a model against a reference file.</summary>
/// <param name="Entries">Every compared output and layer.</param>
/// <param name="Tolerance">The tolerance applied: |got − expected| ≤ tolerance · max(1, |expected|).</param>
public sealed record ParityReport(IReadOnlyList<ParityEntry> Entries, double Tolerance)
{
    /// <summary>True when every entry passed and at least one prediction was compared.</summary>
    public bool Passed => Entries.Count > 0 && Entries.All(e => e.Passed) && Entries.Any(e => e.Kind == "prediction");

    /// <summary>The largest relative error over all predictions.</summary>
    public double MaxPredictionError => Entries.Where(e => e.Kind == "prediction").Select(e => e.MaxRelError).DefaultIfEmpty(0).Max();
}

/// <summary>
/// Runs a model on a reference file's inputs (DL4J <c>*_inputs_and_outputs.h5</c> or KerasPort exporter files) and
/// compares every prediction and every per-layer activation the file holds.
/// </summary>
public static class ParityCheck
{
    /// <summary>The default tolerance for a compute type: 1e-5 relative in float32, 1e-10 in float64.</summary>
    public static double DefaultTolerance(ComputeType type) => type == ComputeType.Float32 ? 1e-5 : 1e-10;

    /// <summary>Checks <paramref name="model"/> against the reference file at <paramref name="referencePath"/>.</summary>
    /// <exception cref="KerasPortException">The reference file is unreadable or its inputs do not fit the model.</exception>
    public static ParityReport Run(KerasModel model, string referencePath, double? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var reference = ReferenceFile.Read(referencePath);
        double tol = tolerance ?? DefaultTolerance(model.ComputeType);
        if (!reference.HasPredictions) return new ParityReport([], tol);
        var entries = model.ComputeType == ComputeType.Float32
            ? Compare(model, model.CompiledFor<float>(), reference, tol)
            : Compare(model, model.CompiledFor<double>(), reference, tol);
        return new ParityReport(entries, tol);
    }

    private static List<ParityEntry> Compare<T>(KerasModel model, CompiledModel<T> compiled, ReferenceFile reference, double tol)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var entries = new List<ParityEntry>();
        if (reference.Calls.Count > 0)
        {
            model.ResetStates();
            foreach (var call in reference.Calls)
                RunOne(compiled, call.Inputs, call.Predictions, reference.OutputNames, null, $" [call {call.Index}]", tol, entries);
            model.ResetStates();
        }
        else
        {
            if (model.IsStateful) model.ResetStates();
            RunOne(compiled, reference.Inputs, reference.Predictions, reference.OutputNames, reference.Activations, "", tol, entries);
            if (model.IsStateful) model.ResetStates();
        }
        return entries;
    }

    private static void RunOne<T>(CompiledModel<T> compiled, IReadOnlyList<NamedArray> inputs, IReadOnlyList<NamedArray> predictions,
        IReadOnlyList<string> outputNames, IReadOnlyDictionary<string, NamedArray>? activations, string suffix, double tol, List<ParityEntry> entries)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inputs.Count != compiled.Inputs.Count)
            throw new ShapeMismatchException($"the reference holds {inputs.Count} input(s) but the model takes {compiled.Inputs.Count} ({string.Join(", ", compiled.Inputs.Select(i => i.Name))})");
        var tensors = new Tensor<T>[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
        {
            // match by name when the names agree, else by position
            var byName = inputs.FirstOrDefault(a => a.Name == compiled.Inputs[i].Name) ?? inputs[i];
            var values = new T[byName.Data.Length];
            for (int j = 0; j < values.Length; j++) values[j] = T.CreateTruncating(byName.Data[j]);
            tensors[i] = Tensor.Create(values, byName.Shape.Select(d => (nint)d).ToArray());
        }
        var frame = compiled.RunTensors(tensors);
        try
        {
            for (int k = 0; k < predictions.Count; k++)
            {
                var expected = predictions[k];
                int index = IndexOfOutput(compiled, expected.Name, k, predictions.Count);
                if (index < 0)
                {
                    entries.Add(new ParityEntry("prediction", expected.Name + suffix, double.NaN, double.NaN, false, "no model output matches this name"));
                    continue;
                }
                entries.Add(Compare("prediction", compiled.OutputNames[index] + suffix, compiled.Output(frame, index), expected, tol));
            }
            if (activations is not null)
            {
                foreach (var (name, expected) in activations)
                {
                    if (!compiled.LayerOutputSlots.TryGetValue(name, out int slot)) continue;
                    entries.Add(Compare("activation", name + suffix, frame.Slots[slot], expected, tol));
                }
            }
        }
        finally
        {
            compiled.Plan.Return(frame);
        }
    }

    private static int IndexOfOutput<T>(CompiledModel<T> compiled, string name, int position, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < compiled.OutputNames.Count; i++)
            if (compiled.OutputNames[i] == name) return i;
        return count == compiled.OutputNames.Count ? position : -1;
    }

    private static ParityEntry Compare<T>(string kind, string name, Slot<T> got, NamedArray expected, double tol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Keras squeezes nothing; but DL4J files may store (batch, 1) vs (batch,) — compare element counts and trailing dims
        if (got.Length != expected.Data.Length)
            return new ParityEntry(kind, name, double.NaN, double.NaN, false,
                $"shape ({string.Join(", ", got.Shape)}) vs reference {expected.ShapeText}");
        double maxAbs = 0, maxRel = 0;
        bool ok = true;
        var data = got.Data;
        for (int i = 0; i < data.Length; i++)
        {
            double g = double.CreateTruncating(data[i]);
            double e = expected.Data[i];
            double abs = Math.Abs(g - e);
            if (double.IsNaN(g) != double.IsNaN(e)) abs = double.PositiveInfinity;
            else if (double.IsNaN(g)) abs = 0;
            double rel = abs / Math.Max(1, Math.Abs(e));
            if (abs > maxAbs) maxAbs = abs;
            if (rel > maxRel) maxRel = rel;
            if (!(rel <= tol)) ok = false;
        }
        return new ParityEntry(kind, name, maxAbs, maxRel, ok);
    }
}
