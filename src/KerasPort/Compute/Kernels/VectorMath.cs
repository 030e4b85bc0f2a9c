using System.Runtime.CompilerServices;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// Transcendental functions over one vector, generic over element type and width. Accuracy (measured by the
/// Kernels tests against double-precision references): exp ≤ 2 ulp, tanh ≤ 3 ulp, sigmoid ≤ 4 ulp,
/// expm1 ≤ 3 ulp, log1p/softplus ≤ 4 ulp, for both float and double.
/// </summary>
internal static class VectorMath
{
    // sigmoid's e^r on [−ln2/2, ln2/2]: 1 + p1·r + … + p6·r⁶ (Chebyshev fit, relative error 2·10⁻⁹)
    private const double SigmoidP1 = 1.0000000377162138425, SigmoidP2 = 5.0000000471177576744e-1, SigmoidP3 = 1.6666415514653275427e-1,
        SigmoidP4 = 4.1666352896775156786e-2, SigmoidP5 = 8.375126398153335682e-3, SigmoidP6 = 1.3941108433972674608e-3;
    // tanh's (e^r − 1 − r)/r² on [−ln2/2, ln2/2]: q0 + q1·r + … + q5·r⁵ (Chebyshev fit, error 1.4·10⁻⁹)
    private const double Expm1Q0 = 5.000000013457727153e-1, Expm1Q1 = 1.6666666681614255706e-1, Expm1Q2 = 4.1666465006040048761e-2,
        Expm1Q3 = 8.3333109344488684687e-3, Expm1Q4 = 1.393364103198670115e-3, Expm1Q5 = 1.9890980869750325563e-4;

    /// <summary>e^x. Float: Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, degree-7 Taylor polynomial p(r)
    /// (truncation ≤ 0.13 ulp), then 2^n applied by adding n to the exponent field of p. Results below 2^-125
    /// (x &lt; −86.6) are flushed to zero, as TensorFlow's CPU kernels do (they run with flush-to-zero); overflow gives
    /// +∞, NaN stays NaN. Double: the runtime's vector exp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Exp<T, TV, TS>(TV x) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        if (typeof(T) == typeof(double)) return TS.ExpRuntime(x);
        // Clamped to [−86.6, 88.7228] (ln FLT_MAX = 88.72284): n ∈ [−125, 128] and n + exponent(p) stays a valid
        // finite exponent field (at n = 128, r &lt; 0 so p &lt; 1); larger x is set to +∞ below.
        TV xc = TS.MinNative(TS.MaxNative(x, TS.Splat(-86.6)), TS.Splat(88.7228));
        TV n = TS.Round(TS.Mul(xc, TS.Splat(1.4426950408889634)));
        // ln2 = 0.693359375 (9 significant bits: n·hi is exact) − 2.12194440054690583e-4
        TV r = TS.MulAdd(n, TS.Splat(-0.693359375), xc);
        r = TS.MulAdd(n, TS.Splat(2.12194440054690583e-4), r);
        TV p = TS.Splat(1.0 / 5040);
        p = TS.MulAdd(p, r, TS.Splat(1.0 / 720));
        p = TS.MulAdd(p, r, TS.Splat(1.0 / 120));
        p = TS.MulAdd(p, r, TS.Splat(1.0 / 24));
        p = TS.MulAdd(p, r, TS.Splat(1.0 / 6));
        p = TS.MulAdd(p, r, TS.Splat(0.5));
        p = TS.MulAdd(p, r, TS.Splat(1.0));
        p = TS.MulAdd(p, r, TS.Splat(1.0));
        TV result = TS.AddToExponent(p, n);
        result = TS.Select(TS.LessThan(x, TS.Splat(-86.6)), TS.Splat(0.0), result);
        result = TS.Select(TS.GreaterThan(x, TS.Splat(88.72284)), TS.Splat(double.PositiveInfinity), result);
        return TS.Select(TS.IsNaN(x), x, result);
    }

    /// <summary>e^x − 1 without cancellation: Taylor series for |x| &lt; 0.7, e^x − 1 beyond.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Expm1<T, TV, TS>(TV x) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        TV large = TS.Sub(Exp<T, TV, TS>(x), TS.Splat(1.0));
        TV small = TS.LessThan(TS.Abs(x), TS.Splat(Series.Expm1SeriesLimit));
        if (!TS.Any(small)) return large;
        TV p = Expm1Series<T, TV, TS>(x);
        // x + x²·(1/2! + x/3! + …)
        TV series = TS.MulAdd(TS.Mul(x, x), p, x);
        return TS.Select(small, series, large);
    }

    /// <summary>
    /// tanh(x). Float: branch-free ±(−E / (2 + E)) with E = expm1(−2|x|) (<see cref="TanhNegatedExpm1Float{T, TV, TS}"/>),
    /// |x| clamped to 9 (tanh(9) rounds to 1); NaN stays NaN through every operation. Double: odd Taylor series for
    /// |x| &lt; 0.55, else ±(1 − 2/(e^{2|x|} + 1)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Tanh<T, TV, TS>(TV x) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        TV a = TS.Abs(x);
        if (typeof(T) == typeof(float))
        {
            TV negE = TanhNegatedExpm1Float<T, TV, TS>(a);
            // −E/(2 + E): 2 + E ∈ (1, 2] has no cancellation; the relative error of E reaches the result times 2/(2 + E) ≤ 2
            TV q = TS.Div(negE, TS.Sub(TS.Splat(2.0), negE));
            return TS.Xor(q, TS.Xor(x, a)); // copy the sign of x onto the quotient
        }
        TV e = Exp<T, TV, TS>(TS.Add(a, a));
        TV t = TS.Sub(TS.Splat(1.0), TS.Div(TS.Splat(2.0), TS.Add(e, TS.Splat(1.0))));
        TV large = TS.Xor(t, TS.Xor(x, a)); // copy the sign of x onto t
        TV small = TS.LessThan(a, TS.Splat(Series.TanhSeriesLimit));
        if (!TS.Any(small)) return large;
        TV s = TS.Mul(x, x);
        TV p = TanhSeries<T, TV, TS>(s);
        TV series = TS.MulAdd(TS.Mul(x, s), p, x);
        return TS.Select(small, series, large);
    }

    /// <summary>
    /// −E = −(e^y − 1) for float tanh, y = −2·min(a, 9), a = |x| ≥ 0 (or NaN), without cancellation and with no compare,
    /// select or negation. Cody–Waite reduction y = n·ln2 + r, |r| ≤ ln2/2 (ln2 split as 0.693359375, exact in n·hi, and
    /// a correction; t = n + 1.5·2^23 rounds y·log2 e to the integer n in one multiply-add and holds n's bits in its low
    /// mantissa, ready for <see cref="ISimdOps{TV, T}.AddToExponentBiased"/>), e^r − 1 = r + r²·q(r) with q a degree-5
    /// Chebyshev fit of (e^r − 1 − r)/r² on [−ln2/2, ln2/2] (error 1.4·10⁻⁹, i.e. ≤ 0.01 ulp of e^r − 1), then
    /// e^y − 1 = 2^n·(e^r − 1) + (2^n − 1) in one fused multiply-add (2^n − 1 is exact for n ≥ −24; below, e^y − 1 rounds
    /// to about −1 either way). The factor −2 of y and the final negation are never computed: the reduction works on
    /// s = −r/2 (from m itself), the polynomial's coefficient k carries −2·(−2)^k, so that s + s²·q''(s) = −(e^r − 1)/2,
    /// and the last multiply-add takes 2·2^n and 1 − 2^n. Every value is the one of the direct form times a power of two
    /// (or negated), so every rounding is the same: the bits of the direct form (TanhFormTests writes that form out).
    /// min(9, a) returns a when a is NaN (MinNative's second operand), and every operation after it keeps the NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV TanhNegatedExpm1Float<T, TV, TS>(TV a) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        TV m = TS.MinNative(TS.Splat(9.0), a);
        TV t = TS.MulAdd(m, TS.Splat(-2 * 1.4426950408889634), TS.Splat(12582912.0));
        TV n = TS.Sub(t, TS.Splat(12582912.0));
        // s = −r/2: y − n·ln2 = −2·(m + n·ln2/2)
        TV s = TS.MulAdd(n, TS.Splat(0.693359375 / 2), m);
        s = TS.MulAdd(n, TS.Splat(-2.12194440054690583e-4 / 2), s);
        // q''(s) = −2·q(−2s): coefficient k of q times −2·(−2)^k
        TV q = TS.Splat(64 * Expm1Q5);
        q = TS.MulAdd(q, s, TS.Splat(-32 * Expm1Q4));
        q = TS.MulAdd(q, s, TS.Splat(16 * Expm1Q3));
        q = TS.MulAdd(q, s, TS.Splat(-8 * Expm1Q2));
        q = TS.MulAdd(q, s, TS.Splat(4 * Expm1Q1));
        q = TS.MulAdd(q, s, TS.Splat(-2 * Expm1Q0));
        // (e^r − 1)/(−2) = s + s²·q''(s)
        TV half = TS.MulAdd(TS.Mul(s, s), q, s);
        TV scale = TS.AddToExponentBiased(TS.Splat(1.0), t);
        return TS.MulAdd(TS.AddToExponentBiased(TS.Splat(2.0), t), half, TS.Sub(TS.Splat(1.0), scale));
    }

    /// <summary>
    /// sigmoid(x) = 1 / (1 + e^{−x}), Keras's formula. Float computes e^{−x} inline, as <see cref="Exp{T, TV, TS}"/> does
    /// but with a degree-6 near-minimax polynomial (Chebyshev fit on [−ln2/2, ln2/2], relative error 2·10⁻⁹ = 0.03 ulp)
    /// and no flush of small results (1/(1 + e) is exactly 1 for every e below 2^-24, flushed or not), in as few
    /// operations as the result allows (<see cref="SigmoidDenominator{T, TV, TS}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid<T, TV, TS>(TV x) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        if (typeof(T) == typeof(float)) return TS.Div(TS.Splat(1.0), SigmoidDenominator<T, TV, TS>(x));
        TV e = Exp<T, TV, TS>(TS.Sub(TS.Splat(0.0), x));
        return TS.Div(TS.Splat(1.0), TS.Add(TS.Splat(1.0), e));
    }

    /// <summary>
    /// 1 + e^{−x} for float sigmoid, with no compare or select: each costs about as much as a multiply-add, the
    /// function's throughput is bound by such operations (a loop of 8-lane sigmoids, Zen 3: 4.4–4.6 ns a vector with the
    /// two compare-and-select pairs this form drops, 3.3–3.4 without). e^{−x} is reduced from x itself: the negation goes into the constants and the odd coefficients of the polynomial in
    /// s = −r, which gives the same bits as reducing −x (every rounding is symmetric). x is clamped to [−89, 86.6], so
    /// n = round(−x·log2 e) ∈ [−125, 128], and 2^n, built from n's bits, multiplies p in the final multiply-add: exact for
    /// n ≤ 127, and +∞ at n = 128 (x ≤ −88.38), where sigmoid is 0 (the true values there are subnormal, which
    /// TensorFlow's flush-to-zero CPU kernels return as 0 too). NaN passes: the clamp's MaxNative/MinNative return their
    /// second operand, x, when it is NaN, and every operation after it keeps the NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV SigmoidDenominator<T, TV, TS>(TV x) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        TV xc = TS.MinNative(TS.Splat(86.6), TS.MaxNative(TS.Splat(-89.0), x));
        TV t = TS.MulAdd(xc, TS.Splat(-1.4426950408889634), TS.Splat(12582912.0));
        TV n = TS.Sub(t, TS.Splat(12582912.0));
        TV s = TS.MulAdd(n, TS.Splat(0.693359375), xc);
        s = TS.MulAdd(n, TS.Splat(-2.12194440054690583e-4), s);
        TV p = TS.Splat(SigmoidP6);
        p = TS.MulAdd(p, s, TS.Splat(-SigmoidP5));
        p = TS.MulAdd(p, s, TS.Splat(SigmoidP4));
        p = TS.MulAdd(p, s, TS.Splat(-SigmoidP3));
        p = TS.MulAdd(p, s, TS.Splat(SigmoidP2));
        p = TS.MulAdd(p, s, TS.Splat(-SigmoidP1));
        p = TS.MulAdd(p, s, TS.Splat(1.0));
        return TS.MulAdd(p, TS.AddToExponentBiased(TS.Splat(1.0), t), TS.Splat(1.0));
    }

    /// <summary>
    /// <see cref="Sigmoid{T, TV, TS}"/> of two vectors with their instructions interleaved (two independent dependency
    /// chains in program order, so a latency-bound caller keeps both in flight); the same operations, so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sigmoid2<T, TV, TS>(ref TV x0, ref TV x1) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        if (typeof(T) != typeof(float))
        {
            x0 = Sigmoid<T, TV, TS>(x0);
            x1 = Sigmoid<T, TV, TS>(x1);
            return;
        }
        TV xc0 = TS.MinNative(TS.Splat(86.6), TS.MaxNative(TS.Splat(-89.0), x0));
        TV xc1 = TS.MinNative(TS.Splat(86.6), TS.MaxNative(TS.Splat(-89.0), x1));
        TV t0 = TS.MulAdd(xc0, TS.Splat(-1.4426950408889634), TS.Splat(12582912.0));
        TV t1 = TS.MulAdd(xc1, TS.Splat(-1.4426950408889634), TS.Splat(12582912.0));
        TV n0 = TS.Sub(t0, TS.Splat(12582912.0)), n1 = TS.Sub(t1, TS.Splat(12582912.0));
        TV s0 = TS.MulAdd(n0, TS.Splat(0.693359375), xc0), s1 = TS.MulAdd(n1, TS.Splat(0.693359375), xc1);
        s0 = TS.MulAdd(n0, TS.Splat(-2.12194440054690583e-4), s0); s1 = TS.MulAdd(n1, TS.Splat(-2.12194440054690583e-4), s1);
        TV p0 = TS.MulAdd(TS.Splat(SigmoidP6), s0, TS.Splat(-SigmoidP5));
        TV p1 = TS.MulAdd(TS.Splat(SigmoidP6), s1, TS.Splat(-SigmoidP5));
        p0 = TS.MulAdd(p0, s0, TS.Splat(SigmoidP4)); p1 = TS.MulAdd(p1, s1, TS.Splat(SigmoidP4));
        p0 = TS.MulAdd(p0, s0, TS.Splat(-SigmoidP3)); p1 = TS.MulAdd(p1, s1, TS.Splat(-SigmoidP3));
        p0 = TS.MulAdd(p0, s0, TS.Splat(SigmoidP2)); p1 = TS.MulAdd(p1, s1, TS.Splat(SigmoidP2));
        p0 = TS.MulAdd(p0, s0, TS.Splat(-SigmoidP1)); p1 = TS.MulAdd(p1, s1, TS.Splat(-SigmoidP1));
        p0 = TS.MulAdd(p0, s0, TS.Splat(1.0)); p1 = TS.MulAdd(p1, s1, TS.Splat(1.0));
        TV d0 = TS.MulAdd(p0, TS.AddToExponentBiased(TS.Splat(1.0), t0), TS.Splat(1.0));
        TV d1 = TS.MulAdd(p1, TS.AddToExponentBiased(TS.Splat(1.0), t1), TS.Splat(1.0));
        x0 = TS.Div(TS.Splat(1.0), d0);
        x1 = TS.Div(TS.Splat(1.0), d1);
    }

    /// <summary><see cref="Tanh{T, TV, TS}"/> of two vectors with their instructions interleaved (see <see cref="Sigmoid2{T, TV, TS}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tanh2<T, TV, TS>(ref TV x0, ref TV x1) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        if (typeof(T) != typeof(float))
        {
            x0 = Tanh<T, TV, TS>(x0);
            x1 = Tanh<T, TV, TS>(x1);
            return;
        }
        TV a0 = TS.Abs(x0), a1 = TS.Abs(x1);
        TV m0 = TS.MinNative(TS.Splat(9.0), a0), m1 = TS.MinNative(TS.Splat(9.0), a1);
        TV t0 = TS.MulAdd(m0, TS.Splat(-2 * 1.4426950408889634), TS.Splat(12582912.0));
        TV t1 = TS.MulAdd(m1, TS.Splat(-2 * 1.4426950408889634), TS.Splat(12582912.0));
        TV n0 = TS.Sub(t0, TS.Splat(12582912.0)), n1 = TS.Sub(t1, TS.Splat(12582912.0));
        TV s0 = TS.MulAdd(n0, TS.Splat(0.693359375 / 2), m0), s1 = TS.MulAdd(n1, TS.Splat(0.693359375 / 2), m1);
        s0 = TS.MulAdd(n0, TS.Splat(-2.12194440054690583e-4 / 2), s0); s1 = TS.MulAdd(n1, TS.Splat(-2.12194440054690583e-4 / 2), s1);
        TV q0 = TS.MulAdd(TS.Splat(64 * Expm1Q5), s0, TS.Splat(-32 * Expm1Q4));
        TV q1 = TS.MulAdd(TS.Splat(64 * Expm1Q5), s1, TS.Splat(-32 * Expm1Q4));
        q0 = TS.MulAdd(q0, s0, TS.Splat(16 * Expm1Q3)); q1 = TS.MulAdd(q1, s1, TS.Splat(16 * Expm1Q3));
        q0 = TS.MulAdd(q0, s0, TS.Splat(-8 * Expm1Q2)); q1 = TS.MulAdd(q1, s1, TS.Splat(-8 * Expm1Q2));
        q0 = TS.MulAdd(q0, s0, TS.Splat(4 * Expm1Q1)); q1 = TS.MulAdd(q1, s1, TS.Splat(4 * Expm1Q1));
        q0 = TS.MulAdd(q0, s0, TS.Splat(-2 * Expm1Q0)); q1 = TS.MulAdd(q1, s1, TS.Splat(-2 * Expm1Q0));
        TV h0 = TS.MulAdd(TS.Mul(s0, s0), q0, s0), h1 = TS.MulAdd(TS.Mul(s1, s1), q1, s1);
        TV sc0 = TS.AddToExponentBiased(TS.Splat(1.0), t0), sc1 = TS.AddToExponentBiased(TS.Splat(1.0), t1);
        TV e0 = TS.MulAdd(TS.AddToExponentBiased(TS.Splat(2.0), t0), h0, TS.Sub(TS.Splat(1.0), sc0));
        TV e1 = TS.MulAdd(TS.AddToExponentBiased(TS.Splat(2.0), t1), h1, TS.Sub(TS.Splat(1.0), sc1));
        TV d0 = TS.Div(e0, TS.Sub(TS.Splat(2.0), e0)), d1 = TS.Div(e1, TS.Sub(TS.Splat(2.0), e1));
        x0 = TS.Xor(d0, TS.Xor(x0, a0));
        x1 = TS.Xor(d1, TS.Xor(x1, a1));
    }

    /// <summary>log(1 + y) for y ≥ 0 with the rounding of 1 + y corrected: log(u) − ((u − 1) − y)/u, u = 1 + y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Log1pNonNegative<T, TV, TS>(TV y) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        TV u = TS.Add(TS.Splat(1.0), y);
        TV corr = TS.Div(TS.Sub(TS.Sub(u, TS.Splat(1.0)), y), u);
        // When 1 + y rounds to 1: log(1) − (0 − y)/1 = y, as it should.
        return TS.Sub(TS.LogRuntime(u), corr);
    }

    /// <summary>softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^{−|x|}).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Softplus<T, TV, TS>(TV x) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        TV e = Exp<T, TV, TS>(TS.Sub(TS.Splat(0.0), TS.Abs(x)));
        TV pos = TS.MaxNative(x, TS.Splat(0.0));
        TV r = TS.Add(pos, Log1pNonNegative<T, TV, TS>(e));
        return TS.Select(TS.IsNaN(x), x, r);
    }

    /// <summary>a_1 + a_2·s + … (s = x²): 8 terms for float, 18 for double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV TanhSeries<T, TV, TS>(TV s) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        if (typeof(T) == typeof(float))
        {
            TV p = TS.Splat(Series.Tanh8);
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh7));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh6));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh5));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh4));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh3));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh2));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh1));
            return p;
        }
        else
        {
            TV p = TS.Splat(Series.Tanh18);
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh17));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh16));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh15));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh14));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh13));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh12));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh11));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh10));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh9));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh8));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh7));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh6));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh5));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh4));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh3));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh2));
            p = TS.MulAdd(p, s, TS.Splat(Series.Tanh1));
            return p;
        }
    }

    /// <summary>1/2! + x/3! + … : up to x^10 for float, x^17 for double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Expm1Series<T, TV, TS>(TV x) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        if (typeof(T) == typeof(float))
        {
            TV p = TS.Splat(Series.InvFact10);
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact9));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact8));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact7));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact6));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact5));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact4));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact3));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact2));
            return p;
        }
        else
        {
            TV p = TS.Splat(Series.InvFact17);
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact16));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact15));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact14));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact13));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact12));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact11));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact10));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact9));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact8));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact7));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact6));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact5));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact4));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact3));
            p = TS.MulAdd(p, x, TS.Splat(Series.InvFact2));
            return p;
        }
    }
}
