using KerasPort.Compute;
using KerasPort.Compute.Recurrent;

namespace KerasPort.Tests.Recurrent;

/// <summary>
/// The SIMD recurrent cells (float32 and float64) against a scalar double-precision evaluation of Keras's equations,
/// written here per sample and per gate, across odd sizes: units and features 1..67, batch 1..9, with masks and
/// go_backwards. CI re-runs this class with hardware intrinsics disabled, so the fallbacks are swept too.
/// </summary>
[Trait("Category", "Recurrent")]
public class RecurrentSweepTests
{
    public static TheoryData<int, int, int, int> Sizes()
    {
        var data = new TheoryData<int, int, int, int>();
        int[] units = [1, 2, 3, 7, 16, 17, 31, 33, 64, 67];
        int[] features = [1, 5, 8, 13, 32, 67];
        int[] batches = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        for (int i = 0; i < units.Length; i++)
            data.Add(units[i], features[i % features.Length], batches[i % batches.Length], i);
        data.Add(67, 67, 9, 99);
        return data;
    }

    private static double Sig(double x) => 1 / (1 + Math.Exp(-x));

    private static double[] Rand(Random r, int n, double s) => Enumerable.Range(0, n).Select(_ => (r.NextDouble() * 2 - 1) * s).ToArray();

    /// <summary>0 = LSTM, 1 = GRU reset_after=False, 2 = GRU reset_after=True, 3 = SimpleRNN.</summary>
    private static double[] Reference(int kind, double[] x, int batch, int time, int n, int u, double[] W, double[] U, double[] b, double[] rb,
        bool[] mask, bool backwards)
    {
        var outSeq = new double[batch * time * u];
        for (int s = 0; s < batch; s++)
        {
            var h = new double[u];
            var c = new double[u];
            var prev = new double[u];
            for (int k = 0; k < time; k++)
            {
                int t = backwards ? time - 1 - k : k;
                double Xw(int col) { double a = 0; for (int m = 0; m < n; m++) a += x[(s * time + t) * n + m] * W[m * W.Length / n + col]; return a; }
                double Hu(double[] v, int col) { double a = 0; for (int m = 0; m < u; m++) a += v[m] * U[m * U.Length / u + col]; return a; }
                var hn = new double[u];
                var cn = new double[u];
                for (int j = 0; j < u; j++)
                {
                    switch (kind)
                    {
                        case 0:
                            double i = Sig(Xw(j) + Hu(h, j) + b[j]), f = Sig(Xw(u + j) + Hu(h, u + j) + b[u + j]);
                            double g = Math.Tanh(Xw(2 * u + j) + Hu(h, 2 * u + j) + b[2 * u + j]), o = Sig(Xw(3 * u + j) + Hu(h, 3 * u + j) + b[3 * u + j]);
                            cn[j] = f * c[j] + i * g;
                            hn[j] = o * Math.Tanh(cn[j]);
                            break;
                        case 1:
                        {
                            double z = Sig(Xw(j) + b[j] + Hu(h, j));
                            var rh = new double[u];
                            for (int m = 0; m < u; m++) rh[m] = Sig(Xw(u + m) + b[u + m] + Hu(h, u + m)) * h[m];
                            double hh = Math.Tanh(Xw(2 * u + j) + b[2 * u + j] + Hu(rh, 2 * u + j));
                            hn[j] = z * h[j] + (1 - z) * hh;
                            break;
                        }
                        case 2:
                        {
                            double z = Sig(Xw(j) + b[j] + Hu(h, j) + rb[j]);
                            double r = Sig(Xw(u + j) + b[u + j] + Hu(h, u + j) + rb[u + j]);
                            double hh = Math.Tanh(Xw(2 * u + j) + b[2 * u + j] + r * (Hu(h, 2 * u + j) + rb[2 * u + j]));
                            hn[j] = z * h[j] + (1 - z) * hh;
                            break;
                        }
                        default:
                            hn[j] = Math.Tanh(Xw(j) + b[j] + Hu(h, j));
                            break;
                    }
                }
                if (mask[s * time + t]) { h = hn; c = cn; prev = hn; }
                Array.Copy(prev, 0, outSeq, (s * time + k) * u, u);
            }
        }
        return outSeq;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Cells_MatchScalarReference(int u, int n, int batch, int seed)
    {
        const int time = 4;
        for (int kind = 0; kind < 4; kind++)
        {
            var rng = new Random(seed * 10 + kind);
            int gates = kind == 0 ? 4 : kind == 3 ? 1 : 3;
            double scale = 1.0 / Math.Sqrt(n + u);
            var W = Rand(rng, n * gates * u, 2 * scale);
            var U = Rand(rng, u * gates * u, 2 * scale);
            var b = Rand(rng, gates * u, 0.5);
            var rb = Rand(rng, gates * u, 0.5);
            var x = Rand(rng, batch * time * n, 1);
            var mask = Enumerable.Range(0, batch * time).Select(i => i % 5 != 2).ToArray();
            bool backwards = seed % 2 == 1;
            var expected = Reference(kind, x, batch, time, n, u, W, U, b, rb, mask, backwards);

            var got64 = Run(kind, x, batch, time, n, u, W, U, b, rb, mask, backwards);
            var got32 = Run(kind, x.Select(v => (float)v).ToArray(), batch, time, n, u, F(W), F(U), F(b), F(rb), mask, backwards);
            for (int i = 0; i < expected.Length; i++)
            {
                // float64: rounding of sums of n+u terms; float32 weights are rounded too, so compare against the float32
                // inputs' exact effect loosely: ≤ 1e-5 absolute for outputs in (-1, 1) with O(1) pre-activations.
                Assert.True(Math.Abs(expected[i] - got64[i]) <= 1e-12, $"kind {kind} float64 element {i}: {expected[i]} vs {got64[i]}");
                Assert.True(Math.Abs(expected[i] - got32[i]) <= 2e-5, $"kind {kind} float32 element {i}: {expected[i]} vs {got32[i]}");
            }
        }
    }

    private static float[] F(double[] a) => a.Select(v => (float)v).ToArray();

    private static double[] Run<T>(int kind, T[] x, int batch, int time, int n, int u, T[] W, T[] U, T[] b, T[] rb, bool[] mask, bool backwards)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var tanh = new Activation(ActivationKind.Tanh);
        var sigmoid = new Activation(ActivationKind.Sigmoid);
        IRecurrentCell<T> cell = kind switch
        {
            0 => new LstmCell<T>(n, u, W, U, b, tanh, sigmoid),
            1 => new GruCell<T>(n, u, W, U, b, null, false, tanh, sigmoid),
            2 => new GruCell<T>(n, u, W, U, b, rb, true, tanh, sigmoid),
            _ => new SimpleRnnCell<T>(n, u, W, U, b, tanh),
        };
        var states = new T[cell.StateSizes.Sum() * batch];
        var seq = new T[batch * time * u];
        var last = new T[batch * u];
        RnnDriver.Run<T>(cell, x, batch, time, mask, backwards, false, states, seq, last, new RnnWorkspace<T>());
        return seq.Select(v => double.CreateTruncating(v)).ToArray();
    }
}
