using System.Numerics;
using KerasPort.Compute;
using KerasPort.Compute.Kernels;

namespace KerasPort.Tests.Compute;

/// <summary>
/// The fused LSTM / GRU / SimpleRNN state updates: the references against closed forms computed by hand with
/// System.Math, and the fast kernels against the references for units 1..67, batch 1..3, several activation pairs.
/// </summary>
/// <remarks>
/// Error bounds, with u the unit roundoff, A the activation's bound in ulps from <see cref="ActivationFunctionsTests"/>
/// (so a relative error ≤ 2A·u) and L ≤ 1.2 the Lipschitz constant of the activations used here (tanh, sigmoid,
/// hard sigmoids, relu, linear, softsign, gelu):
/// LSTM c' = f·c + i·g: |Δc'| ≤ (4A + 6)·u·(|f·c| + |i·g|) (gate errors, two products, one sum, and the reference's
/// own roundings); h' = o·act(c'): |Δh'| ≤ |o|·L·|Δc'| + (4A + 2)·u·|o·act(c')|.
/// GRU h' = z·h + (1 − z)·hh: |Δh'| ≤ 2A·u·|z|·(|h| + |hh|) + |1 − z|·(L·(2A + 2)·u·(|r·rec_h| + |x_h|) + 2A·u·|hh|)
/// + 3u·(|z·h| + |(1 − z)·hh|). The tests allow twice these (the double reference carries errors of the same order).
/// </remarks>
[Trait("Category", "Kernels")]
public class RecurrentKernelsTests
{
    private static readonly Activation Tanh = new(ActivationKind.Tanh), Sigmoid = new(ActivationKind.Sigmoid);

    private static double S(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void Lstm_reference_matches_the_keras_formula_by_hand()
    {
        // units = 1, batch = 2; gates in Keras order i, f, c, o.
        double[] z = [0.3, -1.2, 0.8, 2.0, /* row 2 */ -0.5, 0.4, -2.5, 0.1];
        double[] c = [0.6, -1.1];
        var h = new double[2];
        RecurrentReference.LstmCell(Tanh, Sigmoid, 1, z, c, h);
        for (int b = 0; b < 2; b++)
        {
            double c0 = b == 0 ? 0.6 : -1.1;
            double cNew = S(z[4 * b + 1]) * c0 + S(z[4 * b]) * Math.Tanh(z[4 * b + 2]);
            Assert.Equal(cNew, c[b], 1e-15);
            Assert.Equal(S(z[4 * b + 3]) * Math.Tanh(cNew), h[b], 1e-15);
        }
    }

    [Fact]
    public void Gru_references_match_the_keras_formulas_by_hand()
    {
        // reset_after = True: hh = tanh(x_h + r·(h·U_h + b_h)).
        double[] x = [0.2, -0.7, 1.5], hp = [-0.4, 0.9, -0.3], hPrev = [0.5];
        var hNew = new double[1];
        RecurrentReference.GruCellResetAfter(Tanh, Sigmoid, 1, x, hp, hPrev, hNew);
        double z = S(0.2 - 0.4), r = S(-0.7 + 0.9), hh = Math.Tanh(1.5 + r * -0.3);
        Assert.Equal(z * 0.5 + (1 - z) * hh, hNew[0], 1e-15);

        // reset_after = False: gates, then hh = tanh(x_h + (r·h)·U_h).
        double[] hpZr = [-0.4, 0.9];
        double[] zGate = new double[1], rh = new double[1];
        RecurrentReference.GruGatesResetBefore(Sigmoid, 1, x, hpZr, hPrev, zGate, rh);
        Assert.Equal(z, zGate[0], 1e-16);
        Assert.Equal(r * 0.5, rh[0], 1e-16);
        double uh = 0.7; // a 1 × 1 recurrent kernel block
        double[] rhProj = [rh[0] * uh];
        RecurrentReference.GruCandidateResetBefore(Tanh, 1, x, rhProj, zGate, hPrev, hNew);
        double hh2 = Math.Tanh(1.5 + r * 0.5 * uh);
        Assert.Equal(z * 0.5 + (1 - z) * hh2, hNew[0], 1e-15);
    }

    public static readonly TheoryData<ActivationKind, ActivationKind> Pairs = new()
    {
        { ActivationKind.Tanh, ActivationKind.Sigmoid },
        { ActivationKind.Tanh, ActivationKind.HardSigmoid },
        { ActivationKind.Tanh, ActivationKind.HardSigmoidKeras3 },
        { ActivationKind.Relu, ActivationKind.Sigmoid },
        { ActivationKind.Linear, ActivationKind.Linear },
        { ActivationKind.Softsign, ActivationKind.Tanh },
        { ActivationKind.Gelu, ActivationKind.Sigmoid },
    };

    private static double UlpBound(ActivationKind k) => k switch
    {
        ActivationKind.Sigmoid or ActivationKind.Tanh => 4,
        _ => 0,
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Lstm_fast_matches_reference(ActivationKind act, ActivationKind rec)
    {
        Lstm<float>(new(act), new(rec));
        Lstm<double>(new(act), new(rec));
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Gru_fast_matches_reference(ActivationKind act, ActivationKind rec)
    {
        Gru<float>(new(act), new(rec));
        Gru<double>(new(act), new(rec));
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void SimpleRnn_fast_matches_reference(ActivationKind act, ActivationKind unused)
    {
        _ = unused;
        var rnd = new Random(9);
        for (int n = 1; n <= 67; n++)
        {
            float[] z = KernelAssert.Uniform<float>(rnd, n, -4, 4);
            var expected = new float[n];
            RecurrentReference.SimpleRnnCell(new Activation(act), z, expected);
            var fast = new float[n];
            RecurrentKernels.SimpleRnnCell(new Activation(act), z, fast);
            for (int i = 0; i < n; i++)
                KernelAssert.Within(fast[i], expected[i], 2 * UlpBound(act) * KernelAssert.Ulp(expected[i]), $"SimpleRNN {act} n={n} i={i}");
            RecurrentKernels.SimpleRnnCell(new Activation(act), z, z); // in place
            for (int i = 0; i < n; i++) Assert.Equal(fast[i], z[i]);
        }
    }

    private static void Lstm<T>(Activation act, Activation rec) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random(21 + (int)act.Kind * 31 + (int)rec.Kind);
        double u = KernelAssert.U<T>(), a = Math.Max(UlpBound(act.Kind), UlpBound(rec.Kind));
        for (int units = 1; units <= 67; units++)
        {
            int batch = 1 + units % 3;
            T[] z = KernelAssert.Uniform<T>(rnd, batch * 4 * units, -4, 4);
            T[] c0 = KernelAssert.Uniform<T>(rnd, batch * units, -2, 2);
            T[] cRef = (T[])c0.Clone(), hRef = new T[batch * units];
            RecurrentReference.LstmCell<T>(act, rec, units, z, cRef, hRef);
            T[] cFast = (T[])c0.Clone(), hFast = new T[batch * units];
            T[] zCopy = (T[])z.Clone();
            RecurrentKernels.LstmCell<T>(act, rec, units, z, cFast, hFast);
            Assert.Equal(zCopy, z);
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < units; j++)
                {
                    int s = b * units + j, g = b * 4 * units + j;
                    double i = D(ActivationReference.Scalar(rec, z[g])), f = D(ActivationReference.Scalar(rec, z[g + units]));
                    double gg = D(ActivationReference.Scalar(act, z[g + 2 * units])), o = D(ActivationReference.Scalar(rec, z[g + 3 * units]));
                    double tolC = 2 * (4 * a + 6) * u * (Math.Abs(f * D(c0[s])) + Math.Abs(i * gg));
                    double tolH = 2 * (Math.Abs(o) * 1.2 * tolC + (4 * a + 2) * u * Math.Abs(D(hRef[s]))) + 4 * KernelAssert.MinNormal<T>();
                    string where = $"LSTM {act.Kind}/{rec.Kind} {typeof(T).Name} units={units} b={b} j={j}";
                    KernelAssert.Within(cFast[s], cRef[s], tolC + 4 * KernelAssert.MinNormal<T>(), where + " c");
                    KernelAssert.Within(hFast[s], hRef[s], tolH, where + " h");
                }
        }
    }

    private static void Gru<T>(Activation act, Activation rec) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random(41 + (int)act.Kind * 31 + (int)rec.Kind);
        double u = KernelAssert.U<T>(), a = Math.Max(UlpBound(act.Kind), UlpBound(rec.Kind));
        for (int units = 1; units <= 67; units++)
        {
            int batch = 1 + units % 3, n = batch * units;
            T[] x = KernelAssert.Uniform<T>(rnd, 3 * n, -3, 3);
            T[] hp = KernelAssert.Uniform<T>(rnd, 3 * n, -3, 3);
            T[] hPrev = KernelAssert.Uniform<T>(rnd, n, -1, 1);
            T[] rhp = KernelAssert.Uniform<T>(rnd, n, -3, 3);

            // reset_after = True, out of place and in place (hNew = hPrev).
            var refAfter = new T[n];
            RecurrentReference.GruCellResetAfter<T>(act, rec, units, x, hp, hPrev, refAfter);
            var fastAfter = new T[n];
            RecurrentKernels.GruCellResetAfter<T>(act, rec, units, x, hp, hPrev, fastAfter);
            var inPlace = (T[])hPrev.Clone();
            RecurrentKernels.GruCellResetAfter<T>(act, rec, units, x, hp, inPlace, inPlace);
            Assert.Equal(fastAfter, inPlace);

            // reset_after = False: gates (the first 2·units columns of hp serve as h·U[:, :2u]), then the candidate.
            var hpZr = new T[2 * n];
            for (int b = 0; b < batch; b++) Array.Copy(hp, b * 3 * units, hpZr, b * 2 * units, 2 * units);
            T[] zRef = new T[n], rhRef = new T[n], zFast = new T[n], rhFast = new T[n];
            RecurrentReference.GruGatesResetBefore<T>(rec, units, x, hpZr, hPrev, zRef, rhRef);
            RecurrentKernels.GruGatesResetBefore<T>(rec, units, x, hpZr, hPrev, zFast, rhFast);
            var refBefore = new T[n];
            RecurrentReference.GruCandidateResetBefore<T>(act, units, x, rhp, zRef, hPrev, refBefore);
            var fastBefore = (T[])hPrev.Clone();
            RecurrentKernels.GruCandidateResetBefore<T>(act, units, x, rhp, zRef, fastBefore, fastBefore);

            for (int b = 0; b < batch; b++)
                for (int j = 0; j < units; j++)
                {
                    int s = b * units + j, g = b * 3 * units + j;
                    string where = $"GRU {act.Kind}/{rec.Kind} {typeof(T).Name} units={units} b={b} j={j}";
                    double z = D(ActivationReference.Scalar(rec, x[g] + hp[g]));
                    double r = D(ActivationReference.Scalar(rec, x[g + units] + hp[g + units]));
                    double h = D(hPrev[s]);
                    double hh = D(ActivationReference.Scalar(act, T.CreateTruncating(D(x[g + 2 * units]) + r * D(hp[g + 2 * units]))));
                    double tol = Bound(u, a, z, h, hh, Math.Abs(r * D(hp[g + 2 * units])) + Math.Abs(D(x[g + 2 * units])));
                    KernelAssert.Within(fastAfter[s], refAfter[s], tol, where + " reset_after");

                    KernelAssert.Within(zFast[s], zRef[s], 2 * 2 * a * u * Math.Abs(z) + 4 * KernelAssert.MinNormal<T>(), where + " z gate");
                    KernelAssert.Within(rhFast[s], rhRef[s], 2 * (2 * a + 1) * u * Math.Abs(r * h) + 4 * KernelAssert.MinNormal<T>(), where + " r·h");
                    double hh2 = D(ActivationReference.Scalar(act, x[g + 2 * units] + rhp[s]));
                    double tol2 = Bound(u, a, 0, h, hh2, Math.Abs(D(rhp[s])) + Math.Abs(D(x[g + 2 * units])));
                    KernelAssert.Within(fastBefore[s], refBefore[s], tol2, where + " reset_before");
                }
        }

        static double Bound(double u, double a, double z, double h, double hh, double argMagnitude) =>
            2 * (2 * a * u * Math.Abs(z) * (Math.Abs(h) + Math.Abs(hh))
                 + Math.Abs(1 - z) * (1.2 * (2 * a + 2) * u * argMagnitude + 2 * a * u * Math.Abs(hh))
                 + 3 * u * (Math.Abs(z * h) + Math.Abs((1 - z) * hh)))
            + 4 * KernelAssert.MinNormal<T>();
    }

    private static double D<T>(T v) where T : IFloatingPointIeee754<T> => double.CreateTruncating(v);

    [Fact]
    public void Bad_shapes_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => RecurrentKernels.LstmCell<float>(Tanh, Sigmoid, 4, new float[15], new float[4], new float[4]));
        Assert.Throws<ArgumentException>(() => RecurrentKernels.LstmCell<float>(Tanh, Sigmoid, 0, new float[0], new float[0], new float[0]));
        Assert.Throws<ArgumentException>(() => RecurrentKernels.GruCellResetAfter<float>(Tanh, Sigmoid, 2, new float[6], new float[5], new float[2], new float[2]));
        var buf = new float[5];
        Assert.Throws<ArgumentException>(() => RecurrentKernels.GruCellResetAfter<float>(Tanh, Sigmoid, 2, new float[6], new float[6], buf.AsSpan(0, 2), buf.AsSpan(1, 2)));
        Assert.Throws<ArgumentException>(() => RecurrentKernels.SimpleRnnCell<float>(new Activation(ActivationKind.Softmax), new float[3], new float[3]));
    }
}
