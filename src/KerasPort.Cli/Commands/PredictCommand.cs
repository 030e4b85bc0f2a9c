using System.Numerics;
using System.Numerics.Tensors;
using KerasPort.Formats.Arrays;

namespace KerasPort.Cli.Commands;

/// <summary><c>keras-port predict MODEL --input IN --output OUT [--config FILE] [--dtype float32|float64]</c>.</summary>
internal static class PredictCommand
{
    public const string Usage = "usage: keras-port predict MODEL --input IN --output OUT [--config FILE] [--dtype float32|float64]";

    private static readonly string[] ValueOptions = ["--input", "--output", "--config", "--dtype"];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var line = CommandLine.Parse("predict", Usage, args, ValueOptions, [], stderr);
        if (line is null) return 2;
        if (line.Help)
        {
            stdout.WriteLine(Usage);
            return 0;
        }
        if (line.Positionals.Count != 1)
            return line.UsageError(stderr, line.Positionals.Count == 0 ? "MODEL is missing" : $"one MODEL expected, got {line.Positionals.Count}");
        string? input = line.Value("--input"), output = line.Value("--output");
        if (input is null) return line.UsageError(stderr, "--input IN is missing");
        if (output is null) return line.UsageError(stderr, "--output OUT is missing");
        if (TensorFiles.FromExtension(output) is not TensorFileFormat format)
            return line.UsageError(stderr, $"--output must end in .npy, .npz or .json (it picks the format), got '{output}'");
        if (!line.TryComputeType(stderr, out var type)) return 2;
        string modelPath = line.Positionals[0];

        KerasModel model;
        try
        {
            model = CliModels.Load(modelPath, line.Value("--config"), type);
        }
        catch (KerasPortException e)
        {
            return CliModels.Error(stderr, "predict", e, modelPath);
        }

        NamedArray[] inputs;
        try
        {
            inputs = TensorFiles.MatchInputs(input, TensorFiles.ReadInputs(input), model.InputNames);
            Validate(model, input, inputs);
        }
        catch (KerasPortException e)
        {
            return CliModels.Error(stderr, "predict", e, input);
        }

        NamedArray[] outputs;
        try
        {
            outputs = model.ComputeType == ComputeType.Float32 ? Predict<float>(model, inputs, "float32") : Predict<double>(model, inputs, "float64");
        }
        catch (KerasPortException e)
        {
            return CliModels.Error(stderr, "predict", e, modelPath);
        }

        try
        {
            TensorFiles.WriteOutputs(output, format, outputs);
        }
        catch (KerasPortException e)
        {
            return CliModels.Error(stderr, "predict", e, output);
        }
        stdout.WriteLine($"wrote {output}: {string.Join(", ", outputs.Select(o => $"{o.Name} {o.ShapeText}"))} {CliModels.Name(model.ComputeType)}");
        return 0;
    }

    /// <summary>Checks every input's shape against the model before running it, naming the array when it is not named after its input.</summary>
    private static void Validate(KerasModel model, string path, NamedArray[] inputs)
    {
        try
        {
            model.GetOutputShapes(inputs.Select(a => a.Shape).ToArray());
        }
        catch (KerasPortException e)
        {
            var names = model.InputNames;
            var renamed = inputs.Select((a, i) => (a, i)).Where(p => p.a.Name != names[p.i]).Select(p => $"array '{p.a.Name}' is input '{names[p.i]}'").ToList();
            string detail = renamed.Count == 0 ? "" : $" ({string.Join(", ", renamed)})";
            throw e is ShapeMismatchException
                ? new ShapeMismatchException($"{path}: {e.Message}{detail}", e)
                : new InvalidModelArgumentException($"{path}: {e.Message}{detail}", e);
        }
    }

    private static NamedArray[] Predict<T>(KerasModel model, NamedArray[] inputs, string dtype) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var tensors = new Tensor<T>[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var values = new T[inputs[i].Data.Length];
            for (int j = 0; j < values.Length; j++) values[j] = T.CreateTruncating(inputs[i].Data[j]);
            tensors[i] = Tensor.Create(values, inputs[i].Shape.Select(d => (nint)d).ToArray());
        }
        var results = model.Predict(tensors);
        var names = model.OutputNames;
        var outputs = new NamedArray[results.Length];
        for (int k = 0; k < results.Length; k++)
        {
            var values = new T[results[k].FlattenedLength];
            results[k].FlattenTo(values);
            var data = new double[values.Length];
            for (int j = 0; j < data.Length; j++) data[j] = double.CreateTruncating(values[j]);
            var shape = new int[results[k].Rank];
            for (int d = 0; d < shape.Length; d++) shape[d] = checked((int)results[k].Lengths[d]);
            outputs[k] = new NamedArray(names[k], shape, data, dtype);
        }
        return outputs;
    }
}
