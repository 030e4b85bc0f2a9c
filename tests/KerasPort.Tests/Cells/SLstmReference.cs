namespace KerasPort.Tests.Cells;

/// <summary>
/// Wu (2016) S-LSTM written out directly for one sample in float64 (no shared code with the library):
/// f = σ(x·W_f + h·R_f + b_f); c′ = f·c + (1 − f)·tanh(x·W_c + h·R_c + b_c); h′ = tanh(c′); columns [f, c].
/// </summary>
internal static class SLstmReference
{
    public static (double[] H, double[] C) Step(double[] x, double[] h, double[] c, double[] W, double[] R, double[]? bias, int n, int u)
    {
        var hn = new double[u];
        var cn = new double[u];
        for (int j = 0; j < u; j++)
        {
            double zf = bias?[j] ?? 0, zc = bias?[u + j] ?? 0;
            for (int m = 0; m < n; m++)
            {
                zf += x[m] * W[m * 2 * u + j];
                zc += x[m] * W[m * 2 * u + u + j];
            }
            for (int k = 0; k < u; k++)
            {
                zf += h[k] * R[k * 2 * u + j];
                zc += h[k] * R[k * 2 * u + u + j];
            }
            double f = CellTestMath.Sigmoid(zf);
            cn[j] = f * c[j] + (1 - f) * Math.Tanh(zc);
            hn[j] = Math.Tanh(cn[j]);
        }
        return (hn, cn);
    }

    /// <summary>A whole batch with Keras RNN semantics (mask keeps the state and repeats the previous output; go_backwards).</summary>
    public static (double[] Seq, double[] H, double[] C) Run(double[] inputs, int batch, int time, int n, int u, double[] W, double[] R, double[]? bias,
        double[] h0, double[] c0, bool[]? mask = null, bool backwards = false)
    {
        var seq = new double[batch * time * u];
        var hOut = new double[batch * u];
        var cOut = new double[batch * u];
        for (int b = 0; b < batch; b++)
        {
            var h = h0.Skip(b * u).Take(u).ToArray();
            var c = c0.Skip(b * u).Take(u).ToArray();
            var prevOut = new double[u];
            for (int s = 0; s < time; s++)
            {
                int t = backwards ? time - 1 - s : s;
                if (mask is null || mask[b * time + t])
                {
                    var x = inputs.Skip((b * time + t) * n).Take(n).ToArray();
                    (h, c) = Step(x, h, c, W, R, bias, n, u);
                    prevOut = h;
                }
                Array.Copy(prevOut, 0, seq, (b * time + s) * u, u);
            }
            Array.Copy(h, 0, hOut, b * u, u);
            Array.Copy(c, 0, cOut, b * u, u);
        }
        return (seq, hOut, cOut);
    }
}
