using KerasPort.Benchmarks.Workloads;

namespace KerasPort.Benchmarks.Reference;

/// <summary>
/// A plain double-precision evaluation of each workload, written from Keras's formulas with straight loops. It shares
/// no code with ONNX Runtime or KerasPort: it is the yardstick both engines are checked against before any timing.
/// Weights are the float32 values every engine gets, widened to double.
/// </summary>
internal static class ReferenceModel
{
    /// <summary>
    /// Runs the model on <paramref name="input"/> (batch × time × features, or batch × features for 2-D models).
    /// With <paramref name="everyStep"/>, the last recurrent layer emits its output at every step even when it does not
    /// return sequences (used for the streaming workload, whose calls each see one step).
    /// </summary>
    public static double[] Predict(BenchModel model, ReadOnlySpan<float> input, int batch, bool everyStep = false)
    {
        int time = model.TimeSteps ?? 1;
        bool hasTime = model.TimeSteps is not null;
        var x = new double[input.Length];
        for (int i = 0; i < x.Length; i++) x[i] = input[i];
        for (int li = 0; li < model.Layers.Count; li++)
        {
            var layer = model.Layers[li];
            bool last = li == model.Layers.Count - 1;
            switch (layer)
            {
                case LstmLayer l:
                    x = Lstm(l, x, batch, time, l.ReturnSequences || (everyStep && last));
                    hasTime = l.ReturnSequences || (everyStep && last);
                    break;
                case GruLayer g:
                    x = Gru(g, x, batch, time, g.ReturnSequences || (everyStep && last));
                    hasTime = g.ReturnSequences || (everyStep && last);
                    break;
                case SimpleRnnLayer s:
                    x = SimpleRnn(s, x, batch, time, s.ReturnSequences || (everyStep && last));
                    hasTime = s.ReturnSequences || (everyStep && last);
                    break;
                case DenseLayer d:
                    x = Dense(d, x, hasTime ? batch * time : batch);
                    break;
                default:
                    throw new NotSupportedException(layer.GetType().Name);
            }
        }
        return x;
    }

    private static double Sigmoid(double v) => 1.0 / (1.0 + Math.Exp(-v));

    /// <summary>z[0..n) += x[0..k) · W (k × n, row-major float32).</summary>
    private static void AddProduct(double[] x, int xOffset, int k, float[] w, int n, double[] z)
    {
        for (int j = 0; j < k; j++)
        {
            double a = x[xOffset + j];
            int row = j * n;
            for (int c = 0; c < n; c++) z[c] += a * w[row + c];
        }
    }

    // Keras LSTM: z = x·kernel + h·recurrent_kernel + bias, gates i, f, c, o;
    // c' = σ(z_f)·c + σ(z_i)·tanh(z_c); h' = σ(z_o)·tanh(c').
    private static double[] Lstm(LstmLayer l, double[] x, int batch, int time, bool sequences)
    {
        int u = l.Units, inDim = l.InputDim;
        var output = new double[batch * (sequences ? time : 1) * u];
        var h = new double[u];
        var c = new double[u];
        var z = new double[4 * u];
        for (int b = 0; b < batch; b++)
        {
            Array.Clear(h);
            Array.Clear(c);
            for (int t = 0; t < time; t++)
            {
                for (int g = 0; g < 4 * u; g++) z[g] = l.Bias[g];
                AddProduct(x, (b * time + t) * inDim, inDim, l.Kernel, 4 * u, z);
                AddProduct(h, 0, u, l.RecurrentKernel, 4 * u, z);
                for (int j = 0; j < u; j++)
                {
                    double i = Sigmoid(z[j]);
                    double f = Sigmoid(z[u + j]);
                    double cc = Math.Tanh(z[2 * u + j]);
                    double o = Sigmoid(z[3 * u + j]);
                    c[j] = f * c[j] + i * cc;
                    h[j] = o * Math.Tanh(c[j]);
                }
                if (sequences) Array.Copy(h, 0, output, (b * time + t) * u, u);
            }
            if (!sequences) Array.Copy(h, 0, output, b * u, u);
        }
        return output;
    }

    // Keras GRU, reset_after=True, gates z, r, h: x_* = x·kernel_* + input_bias_*, inner_* = h·recurrent_kernel_* + recurrent_bias_*;
    // z = σ(x_z + inner_z); r = σ(x_r + inner_r); ĥ = tanh(x_h + r·inner_h); h' = z·h + (1 − z)·ĥ.
    private static double[] Gru(GruLayer g, double[] x, int batch, int time, bool sequences)
    {
        int u = g.Units, inDim = g.InputDim;
        var output = new double[batch * (sequences ? time : 1) * u];
        var h = new double[u];
        var xz = new double[3 * u];
        var inner = new double[3 * u];
        for (int b = 0; b < batch; b++)
        {
            Array.Clear(h);
            for (int t = 0; t < time; t++)
            {
                for (int k = 0; k < 3 * u; k++)
                {
                    xz[k] = g.InputBias[k];
                    inner[k] = g.RecurrentBias[k];
                }
                AddProduct(x, (b * time + t) * inDim, inDim, g.Kernel, 3 * u, xz);
                AddProduct(h, 0, u, g.RecurrentKernel, 3 * u, inner);
                for (int j = 0; j < u; j++)
                {
                    double zg = Sigmoid(xz[j] + inner[j]);
                    double r = Sigmoid(xz[u + j] + inner[u + j]);
                    double hh = Math.Tanh(xz[2 * u + j] + r * inner[2 * u + j]);
                    h[j] = zg * h[j] + (1.0 - zg) * hh;
                }
                if (sequences) Array.Copy(h, 0, output, (b * time + t) * u, u);
            }
            if (!sequences) Array.Copy(h, 0, output, b * u, u);
        }
        return output;
    }

    // Keras SimpleRNN: h' = tanh(x·kernel + bias + h·recurrent_kernel).
    private static double[] SimpleRnn(SimpleRnnLayer s, double[] x, int batch, int time, bool sequences)
    {
        int u = s.Units, inDim = s.InputDim;
        var output = new double[batch * (sequences ? time : 1) * u];
        var h = new double[u];
        var z = new double[u];
        for (int b = 0; b < batch; b++)
        {
            Array.Clear(h);
            for (int t = 0; t < time; t++)
            {
                for (int j = 0; j < u; j++) z[j] = s.Bias[j];
                AddProduct(x, (b * time + t) * inDim, inDim, s.Kernel, u, z);
                AddProduct(h, 0, u, s.RecurrentKernel, u, z);
                for (int j = 0; j < u; j++) h[j] = Math.Tanh(z[j]);
                if (sequences) Array.Copy(h, 0, output, (b * time + t) * u, u);
            }
            if (!sequences) Array.Copy(h, 0, output, b * u, u);
        }
        return output;
    }

    // Keras Dense (and TimeDistributed(Dense)): y = act(x·kernel + bias) on the last axis.
    private static double[] Dense(DenseLayer d, double[] x, int rows)
    {
        int n = d.Units, k = d.InputDim;
        var y = new double[rows * n];
        var z = new double[n];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < n; c++) z[c] = d.Bias[c];
            AddProduct(x, r * k, k, d.Kernel, n, z);
            for (int c = 0; c < n; c++)
                y[r * n + c] = d.Activation == DenseActivation.Relu ? Math.Max(z[c], 0.0) : z[c];
        }
        return y;
    }
}
