using KerasPort.Benchmarks.Workloads;

namespace KerasPort.Benchmarks.Onnx;

/// <summary>
/// Translates a workload's Keras layers into an ONNX graph (opset 14), with Keras's weights rearranged to ONNX's layouts:
/// <list type="bullet">
/// <item>LSTM: ONNX gate order i, o, f, c (Keras i, f, c, o); W [1, 4h, input] and R [1, 4h, h] are the transposed
/// Keras kernels; B [1, 8h] = Wb (Keras bias) then Rb (zeros).</item>
/// <item>GRU reset_after=True: gate order z, r, h as in Keras, linear_before_reset=1, B = [input bias, recurrent bias].</item>
/// <item>SimpleRNN: ONNX RNN with activations [Tanh], B = [bias, zeros].</item>
/// <item>Dense / TimeDistributed(Dense): MatMul + Add (+ Relu) on the last axis.</item>
/// </list>
/// Keras is batch-first; ONNX Runtime's CPU kernels reject layout=1, so the graph transposes to time-major around each
/// recurrent node and squeezes the num_directions axis, exactly as a converter would. The last-step output
/// (return_sequences=False) is Y_h.
/// </summary>
internal static class KerasToOnnx
{
    public const int Opset = 14;

    public const string InputName = "input";
    public const string OutputName = "output";
    public const string InitialH = "initial_h";
    public const string InitialC = "initial_c";
    public const string FinalH = "Y_h";
    public const string FinalC = "Y_c";

    public static byte[] Build(BenchModel model, int batch) =>
        (model.Streaming ? BuildStreaming(model) : BuildSequence(model, batch)).Serialize();

    private static OnnxModel BuildSequence(BenchModel model, int batch)
    {
        var g = new OnnxGraph(model.Id.ToString());
        int time = model.TimeSteps ?? 1;
        bool hasTime = model.TimeSteps is not null;
        g.Inputs.Add(new OnnxValueInfo(InputName, OnnxDataType.Float,
            hasTime ? [batch, time, model.Features] : [batch, model.Features]));
        string current = InputName;
        for (int li = 0; li < model.Layers.Count; li++)
        {
            var layer = model.Layers[li];
            bool last = li == model.Layers.Count - 1;
            string name = layer.Name;
            switch (layer)
            {
                case DenseLayer d:
                {
                    g.Initializers.Add(OnnxTensor.FromFloats($"{name}/kernel", [d.InputDim, d.Units], d.Kernel));
                    g.Initializers.Add(OnnxTensor.FromFloats($"{name}/bias", [d.Units], d.Bias));
                    g.Nodes.Add(Node("MatMul", $"{name}/MatMul", [current, $"{name}/kernel"], [$"{name}/matmul"]));
                    string added = last && d.Activation == DenseActivation.Linear ? OutputName : $"{name}/add";
                    g.Nodes.Add(Node("Add", $"{name}/Add", [$"{name}/matmul", $"{name}/bias"], [added]));
                    current = added;
                    if (d.Activation == DenseActivation.Relu)
                    {
                        string relu = last ? OutputName : $"{name}/relu";
                        g.Nodes.Add(Node("Relu", $"{name}/Relu", [current], [relu]));
                        current = relu;
                    }
                    break;
                }
                default:
                {
                    var (opType, w, r, b, units, returnSequences, attributes) = RecurrentNode(layer);
                    g.Initializers.Add(w);
                    g.Initializers.Add(r);
                    g.Initializers.Add(b);
                    g.Nodes.Add(Node("Transpose", $"{name}/to_time_major", [current], [$"{name}/x_time_major"], OnnxAttribute.Ints("perm", 1, 0, 2)));
                    string y = returnSequences ? $"{name}/Y" : "";
                    string yh = returnSequences ? "" : $"{name}/Y_h";
                    string[] outputs = returnSequences ? [y] : ["", yh]; // trailing optional outputs are left off
                    g.Nodes.Add(new OnnxNode(opType, $"{name}/{opType}", [$"{name}/x_time_major", w.Name, r.Name, b.Name], outputs,
                        [OnnxAttribute.Int("hidden_size", units), .. attributes]));
                    if (returnSequences)
                    {
                        // Y [time, 1, batch, units] → [time, batch, units] → Keras's [batch, time, units]
                        g.Initializers.Add(OnnxTensor.FromInt64s($"{name}/direction_axis", [1], [1]));
                        g.Nodes.Add(Node("Squeeze", $"{name}/squeeze_direction", [y, $"{name}/direction_axis"], [$"{name}/y_time_major"]));
                        string outName = last ? OutputName : $"{name}/sequences";
                        g.Nodes.Add(Node("Transpose", $"{name}/to_batch_major", [$"{name}/y_time_major"], [outName], OnnxAttribute.Ints("perm", 1, 0, 2)));
                        current = outName;
                    }
                    else
                    {
                        // Y_h [1, batch, units] → Keras's last output [batch, units]
                        g.Initializers.Add(OnnxTensor.FromInt64s($"{name}/direction_axis", [1], [0]));
                        string outName = last ? OutputName : $"{name}/last";
                        g.Nodes.Add(Node("Squeeze", $"{name}/squeeze_direction", [yh, $"{name}/direction_axis"], [outName]));
                        current = outName;
                        hasTime = false;
                    }
                    break;
                }
            }
        }
        long[] outShape = model.SequenceOutput ? [batch, time, model.OutputWidth] : [batch, model.OutputWidth];
        g.Outputs.Add(new OnnxValueInfo(OutputName, OnnxDataType.Float, outShape));
        return new OnnxModel(g, Opset);
    }

    /// <summary>
    /// W7: one LSTM step, X [1, 1, features] (time 1, batch 1: batch-first and time-major coincide, so no Transpose),
    /// initial_h / initial_c in, Y_h / Y_c out ([1, 1, units]); the caller feeds Y_h / Y_c back as the next call's initial state.
    /// </summary>
    private static OnnxModel BuildStreaming(BenchModel model)
    {
        if (model.Layers is not [LstmLayer lstm]) throw new NotSupportedException("streaming graph expects one LSTM layer");
        var g = new OnnxGraph(model.Id.ToString());
        var (opType, w, r, b, units, _, attributes) = RecurrentNode(lstm);
        g.Initializers.Add(w);
        g.Initializers.Add(r);
        g.Initializers.Add(b);
        g.Inputs.Add(new OnnxValueInfo(InputName, OnnxDataType.Float, [1, 1, model.Features]));
        g.Inputs.Add(new OnnxValueInfo(InitialH, OnnxDataType.Float, [1, 1, units]));
        g.Inputs.Add(new OnnxValueInfo(InitialC, OnnxDataType.Float, [1, 1, units]));
        g.Nodes.Add(new OnnxNode(opType, "lstm/LSTM", [InputName, w.Name, r.Name, b.Name, "", InitialH, InitialC], ["", FinalH, FinalC],
            [OnnxAttribute.Int("hidden_size", units), .. attributes]));
        g.Outputs.Add(new OnnxValueInfo(FinalH, OnnxDataType.Float, [1, 1, units]));
        g.Outputs.Add(new OnnxValueInfo(FinalC, OnnxDataType.Float, [1, 1, units]));
        return new OnnxModel(g, Opset);
    }

    private static OnnxNode Node(string op, string name, string[] inputs, string[] outputs, params OnnxAttribute[] attributes) =>
        new(op, name, inputs, outputs, attributes);

    private static (string OpType, OnnxTensor W, OnnxTensor R, OnnxTensor B, int Units, bool ReturnSequences, OnnxAttribute[] Attributes)
        RecurrentNode(KerasLayer layer)
    {
        switch (layer)
        {
            case LstmLayer l:
            {
                // ONNX gate g (i, o, f, c) takes Keras gate block KerasBlock[g] (Keras order i, f, c, o).
                int[] kerasBlock = [0, 3, 1, 2];
                int u = l.Units;
                var b = new float[8 * u];
                for (int g = 0; g < 4; g++)
                    Array.Copy(l.Bias, kerasBlock[g] * u, b, g * u, u); // Wb; Rb stays zero
                return ("LSTM",
                    Tensor($"{l.Name}/W", TransposeGates(l.Kernel, l.InputDim, u, kerasBlock), [1, 4 * u, l.InputDim]),
                    Tensor($"{l.Name}/R", TransposeGates(l.RecurrentKernel, u, u, kerasBlock), [1, 4 * u, u]),
                    Tensor($"{l.Name}/B", b, [1, 8 * u]),
                    u, l.ReturnSequences, []);
            }
            case GruLayer gru:
            {
                int u = gru.Units;
                int[] same = [0, 1, 2];
                var b = new float[6 * u];
                Array.Copy(gru.InputBias, 0, b, 0, 3 * u);
                Array.Copy(gru.RecurrentBias, 0, b, 3 * u, 3 * u);
                return ("GRU",
                    Tensor($"{gru.Name}/W", TransposeGates(gru.Kernel, gru.InputDim, u, same), [1, 3 * u, gru.InputDim]),
                    Tensor($"{gru.Name}/R", TransposeGates(gru.RecurrentKernel, u, u, same), [1, 3 * u, u]),
                    Tensor($"{gru.Name}/B", b, [1, 6 * u]),
                    u, gru.ReturnSequences, [OnnxAttribute.Int("linear_before_reset", 1)]);
            }
            case SimpleRnnLayer s:
            {
                int u = s.Units;
                var b = new float[2 * u];
                Array.Copy(s.Bias, b, u);
                return ("RNN",
                    Tensor($"{s.Name}/W", TransposeGates(s.Kernel, s.InputDim, u, [0]), [1, u, s.InputDim]),
                    Tensor($"{s.Name}/R", TransposeGates(s.RecurrentKernel, u, u, [0]), [1, u, u]),
                    Tensor($"{s.Name}/B", b, [1, 2 * u]),
                    u, s.ReturnSequences, [OnnxAttribute.Strings("activations", "Tanh")]);
            }
            default:
                throw new NotSupportedException(layer.GetType().Name);
        }
    }

    private static OnnxTensor Tensor(string name, float[] values, long[] dims) => OnnxTensor.FromFloats(name, dims, values);

    /// <summary>
    /// Keras kernel (rows × gates·units, gate blocks in Keras order) → ONNX [gates·units, rows], ONNX gate block g taken
    /// from Keras block <paramref name="kerasBlock"/>[g].
    /// </summary>
    private static float[] TransposeGates(float[] kernel, int rows, int units, int[] kerasBlock)
    {
        int gates = kerasBlock.Length;
        var result = new float[gates * units * rows];
        for (int g = 0; g < gates; g++)
            for (int j = 0; j < units; j++)
            {
                int kerasColumn = kerasBlock[g] * units + j;
                int onnxRow = g * units + j;
                for (int k = 0; k < rows; k++)
                    result[onnxRow * rows + k] = kernel[k * gates * units + kerasColumn];
            }
        return result;
    }
}
