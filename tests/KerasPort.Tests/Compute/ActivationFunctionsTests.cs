using System.Numerics;
using KerasPort.Compute;
using KerasPort.Compute.Kernels;

namespace KerasPort.Tests.Compute;

/// <summary>
/// The vectorised activations against the scalar reference for every length 1..67 (all vector widths, full vectors,
/// the overlapping final vector and the scalar tail), in place and out of place, float and double.
/// </summary>
/// <remarks>
/// Tolerances (u = unit roundoff of T; "ulp" = spacing of T at the expected value; every bound also allows
/// 4·max(1, |x|) × the smallest normal number: float exp flushes results below 2^-125 to zero like TensorFlow's
/// flush-to-zero CPU kernels, and a function multiplies such an intermediate by at most |x|):
/// <list type="bullet">
/// <item>0 (bit-exact): linear, relu (all parameter forms), relu6, leaky_relu, hard_sigmoid (both forms), hard_silu,
/// softsign, gelu — the fast path performs the same T operations as the reference (gelu: the same double code).</item>
/// <item>exponential 2 ulp: float exp is a degree-7 Taylor polynomial after Cody–Waite reduction (truncation
/// 0.13 ulp, 7 FMA roundings on values in [0.7, 1.42] ≈ 1 ulp) plus the reference's own rounding (0.5 ulp); double
/// uses the runtime's vector exp (≤ 1 ulp documented).</item>
/// <item>sigmoid 4 ulp: exp(−x) ≤ 2 ulp, damped by e/(1+e) ≤ 1 in 1 + e, then an add and a divide (0.5 ulp each), reference 0.5.</item>
/// <item>tanh 4 ulp: float computes −E/(2 + E) with E = expm1(−2|x|) (≤ 1 ulp: one FMA rounding after an 8-term
/// series), whose relative error reaches tanh amplified by 2/(2 + E) ≤ 2, plus the add and the divide (0.5 ulp each);
/// measured worst 2.5 ulp over 9·10⁷ arguments. Double: series region ≈ 1 ulp (19 FMAs, truncation ≤ 0.1 ulp); exp
/// region 1 − 2/(e+1) amplifies the ≤ 3 ulp error of 2/(e+1) by at most 0.82 at |x| ≥ 0.55, plus roundings.</item>
/// <item>softplus 4 ulp (exp 2, log ≤ 1, correction and add); elu/selu 5 ulp (expm1 ≤ 3, α and scale products);
/// swish 5 ulp (sigmoid 4 + product); mish 10 ulp (softplus 4, passed through tanh whose relative condition
/// number is ≤ 1, plus tanh's own 4 and the product).</item>
/// <item>gelu (tanh form) 8u·|x| + 2 ulp: 0.5·x·(1 + tanh(·)) carries tanh's absolute error (≤ 4u + 3u from its
/// argument) times |x|/2·2, independent of the cancellation in 1 + tanh for negative x (which Keras has too).</item>
/// </list>
/// These bound the float fast path against a reference computed in double and rounded once (0.5 ulp). For double
/// the reference is itself evaluated in double (System.Math, ≈ the same number of roundings as the fast path), so the
/// comparison allows both errors: twice the bound.
/// </remarks>
[Trait("Category", "Kernels")]
public class ActivationFunctionsTests
{
    public static readonly TheoryData<ActivationKind, double, double?, double> ElementwiseCases = new()
    {
        { ActivationKind.Linear, 0, null, 0 },
        { ActivationKind.Relu, 0, null, 0 },
        { ActivationKind.Relu, 0.3, null, 0 },
        { ActivationKind.Relu, 0, 6.0, 0 },
        { ActivationKind.Relu, 0.1, 6.0, 0 },
        { ActivationKind.Relu, 0, 2.5, 0 },
        { ActivationKind.Relu, 0, null, 0.7 },
        { ActivationKind.Relu, 0.2, 4.0, -1.5 },
        { ActivationKind.Relu6, 0, null, 0 },
        { ActivationKind.LeakyRelu, 0.2, null, 0 },
        { ActivationKind.HardSigmoid, 0, null, 0 },
        { ActivationKind.HardSigmoidKeras3, 0, null, 0 },
        { ActivationKind.HardSilu, 0, null, 0 },
        { ActivationKind.Softsign, 0, null, 0 },
        { ActivationKind.Sigmoid, 0, null, 0 },
        { ActivationKind.Tanh, 0, null, 0 },
        { ActivationKind.Exponential, 0, null, 0 },
        { ActivationKind.Softplus, 0, null, 0 },
        { ActivationKind.Swish, 0, null, 0 },
        { ActivationKind.Mish, 0, null, 0 },
        { ActivationKind.Elu, 1.0, null, 0 },
        { ActivationKind.Elu, 0.3, null, 0 },
        { ActivationKind.Selu, 0, null, 0 },
        { ActivationKind.Gelu, 0, null, 0 },
        { ActivationKind.GeluTanh, 0, null, 0 },
    };

    internal static double Tolerance<T>(ActivationKind kind, T x, T expected) where T : IFloatingPointIeee754<T>
    {
        // Intermediates below the smallest normal number are flushed to zero (float exp does this, as TensorFlow's CPU
        // kernels run with flush-to-zero); a function multiplies such an intermediate by at most |x| (mish, swish).
        double u = KernelAssert.U<T>(), ulp = KernelAssert.Ulp(expected);
        double floor = 4 * KernelAssert.MinNormal<T>() * Math.Max(1, Math.Abs(double.CreateTruncating(x)));
        double t = kind switch
        {
            ActivationKind.Exponential => 2 * ulp,
            ActivationKind.Sigmoid or ActivationKind.Tanh or ActivationKind.Softplus => 4 * ulp,
            ActivationKind.Elu or ActivationKind.Selu or ActivationKind.Swish => 5 * ulp,
            ActivationKind.Mish => 10 * ulp,
            ActivationKind.GeluTanh => 8 * u * Math.Abs(double.CreateTruncating(x)) + 2 * ulp,
            _ => 0,
        };
        if (typeof(T) == typeof(double)) t *= 2;
        return t == 0 ? 0 : t + floor;
    }

    private static readonly double[] Specials =
        [0.0, -0.0, 1e-3, -1e-3, 1e-6, -1e-7, 0.55, -0.5499, 0.7, -0.7, 3, -3, 6, 20, -20, 88, -88, 90, -104, 200, -200,
         double.PositiveInfinity, double.NegativeInfinity, double.NaN, 1e-30, -1e-30];

    internal static T[] Inputs<T>(Random rnd, int n) where T : IFloatingPointIeee754<T>
    {
        var x = KernelAssert.Uniform<T>(rnd, n, -8, 8);
        for (int i = 0; i < n; i++)
            if (rnd.Next(3) == 0) x[i] = T.CreateTruncating(Specials[rnd.Next(Specials.Length)]);
        return x;
    }

    [Theory]
    [MemberData(nameof(ElementwiseCases))]
    public void Fast_path_matches_reference_float(ActivationKind kind, double alpha, double? maxValue, double threshold)
        => Check<float>(new Activation(kind, alpha, maxValue, threshold));

    [Theory]
    [MemberData(nameof(ElementwiseCases))]
    public void Fast_path_matches_reference_double(ActivationKind kind, double alpha, double? maxValue, double threshold)
        => Check<double>(new Activation(kind, alpha, maxValue, threshold));

    private static void Check<T>(Activation act) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random(1234 + (int)act.Kind);
        for (int n = 1; n <= 67; n++)
        {
            for (int rep = 0; rep < 3; rep++)
            {
                T[] x = Inputs<T>(rnd, n);
                var expected = (T[])x.Clone();
                ActivationReference.Apply(act, expected.AsSpan(), n);
                var inPlace = (T[])x.Clone();
                ActivationFunctions.Apply(act, inPlace.AsSpan(), n);
                var outOfPlace = new T[n + 1];
                outOfPlace[n] = T.CreateTruncating(12345);
                ActivationFunctions.Apply(act, (ReadOnlySpan<T>)x, outOfPlace.AsSpan(), n);
                Assert.Equal(T.CreateTruncating(12345), outOfPlace[n]);
                for (int i = 0; i < n; i++)
                {
                    double tol = Tolerance(act.Kind, x[i], expected[i]);
                    KernelAssert.Within(inPlace[i], expected[i], tol, $"{act} {typeof(T).Name} n={n} in place, x[{i}]={x[i]:R}");
                    KernelAssert.Within(outOfPlace[i], expected[i], tol, $"{act} {typeof(T).Name} n={n} out of place, x[{i}]={x[i]:R}");
                }
            }
        }
    }

    [Fact]
    public void Dense_sweeps_stay_within_the_documented_ulps()
    {
        // 200 001 points across [-25, 25] (covering the series/exp switch of tanh and expm1 and the sigmoid tails).
        SweepFloat(ActivationKind.Tanh); SweepFloat(ActivationKind.Sigmoid); SweepFloat(ActivationKind.Exponential);
        SweepFloat(ActivationKind.Softplus); SweepFloat(ActivationKind.Elu, 1.0); SweepFloat(ActivationKind.Selu);
        SweepFloat(ActivationKind.Swish); SweepFloat(ActivationKind.Mish); SweepFloat(ActivationKind.GeluTanh);
        SweepDouble(ActivationKind.Tanh); SweepDouble(ActivationKind.Sigmoid); SweepDouble(ActivationKind.Elu, 1.0);
        SweepDouble(ActivationKind.Softplus); SweepDouble(ActivationKind.Mish);

        static void SweepFloat(ActivationKind kind, double alpha = 0) => Sweep<float>(new Activation(kind, alpha));
        static void SweepDouble(ActivationKind kind, double alpha = 0) => Sweep<double>(new Activation(kind, alpha));
        static void Sweep<T>(Activation act) where T : unmanaged, IFloatingPointIeee754<T>
        {
            const int n = 200_001;
            var x = new T[n];
            for (int i = 0; i < n; i++) x[i] = T.CreateTruncating(-25 + 50.0 * i / (n - 1));
            // plus tiny magnitudes where relative accuracy matters most
            for (int i = 0; i < 2000; i++) x[i] = T.CreateTruncating((i % 2 == 0 ? 1 : -1) * Math.Pow(10, -1 - 7.0 * i / 2000));
            var expected = (T[])x.Clone();
            ActivationReference.Apply(act, expected.AsSpan(), n);
            var fast = (T[])x.Clone();
            ActivationFunctions.Apply(act, fast.AsSpan(), n);
            for (int i = 0; i < n; i++)
                KernelAssert.Within(fast[i], expected[i], Tolerance(act.Kind, x[i], expected[i]), $"{act} {typeof(T).Name} x={x[i]:R}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Softmax_rows_match_reference(bool log)
    {
        CheckSoftmax<float>(log);
        CheckSoftmax<double>(log);
    }

    private static void CheckSoftmax<T>(bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Bound: each e_i = exp(x_i − max) is within 2 ulp plus the rounding of x_i − max in T, which perturbs the
        // exponent by u·|x_i − max|; the sum of n terms adds ≤ n·u relative; the divide 0.5 ulp, reference 0.5 ulp.
        // softmax: (n + 4 + |x_i − max|)·u·|y_i|. log_softmax: y = (x − max) − log Σ, absolute
        // (|x − max| + |log Σ|)·u + the relative error of Σ ((n + 2)·u, through log's derivative 1/Σ·Σ) + 1 ulp.
        var rnd = new Random(77);
        var act = new Activation(log ? ActivationKind.LogSoftmax : ActivationKind.Softmax);
        double u = KernelAssert.U<T>();
        for (int len = 1; len <= 67; len++)
        {
            int rows = 1 + len % 3;
            T[] x = KernelAssert.Uniform<T>(rnd, rows * len, -20, 20);
            var expected = (T[])x.Clone();
            ActivationReference.Apply(act, expected.AsSpan(), len);
            var fast = (T[])x.Clone();
            ActivationFunctions.Apply(act, fast.AsSpan(), len);
            for (int r = 0; r < rows; r++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int i = 0; i < len; i++) max = Math.Max(max, double.CreateTruncating(x[r * len + i]));
                for (int i = 0; i < len; i++) sum += Math.Exp(double.CreateTruncating(x[r * len + i]) - max);
                for (int i = 0; i < len; i++)
                {
                    int k = r * len + i;
                    double shift = Math.Abs(double.CreateTruncating(x[k]) - max);
                    double tol = log
                        ? (shift + Math.Abs(Math.Log(sum)) + len + 4) * u + KernelAssert.Ulp(expected[k])
                        : (len + 4 + shift) * u * Math.Abs(double.CreateTruncating(expected[k])) + 4 * KernelAssert.MinNormal<T>();
                    KernelAssert.Within(fast[k], expected[k], tol, $"{act.Kind} {typeof(T).Name} len={len} row={r} i={i}");
                }
            }
        }
    }

    [Fact]
    public void Softmax_over_a_middle_axis_matches_reference_on_transposed_data()
    {
        // [outer=2, axis=5, inner=3]: compare against the reference applied to the axis gathered into rows.
        var rnd = new Random(5);
        double[] x = KernelAssert.Uniform<double>(rnd, 30, -5, 5);
        var fast = (double[])x.Clone();
        ActivationFunctions.Softmax(fast.AsSpan(), 5, 3, log: false);
        for (int o = 0; o < 2; o++)
            for (int j = 0; j < 3; j++)
            {
                var row = new double[5];
                for (int a = 0; a < 5; a++) row[a] = x[o * 15 + a * 3 + j];
                ActivationReference.SoftmaxRow(row.AsSpan(), log: false);
                for (int a = 0; a < 5; a++) Assert.Equal(row[a], fast[o * 15 + a * 3 + j], 1e-15);
            }
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => ActivationFunctions.Apply(new Activation(ActivationKind.Softmax), new float[6].AsSpan(), 4));
        Assert.Throws<ArgumentException>(() => ActivationFunctions.Apply(new Activation(ActivationKind.Softmax), new float[6].AsSpan()));
        var buffer = new float[10];
        Assert.Throws<ArgumentException>(() => ActivationFunctions.Apply(new Activation(ActivationKind.Tanh), (ReadOnlySpan<float>)buffer.AsSpan(0, 8), buffer.AsSpan(1, 8), 8));
        Assert.Throws<NotSupportedException>(() => ActivationFunctions.Apply(new Activation(ActivationKind.Tanh), new Half[4].AsSpan()));
    }
}
