namespace KerasPort.Compute.Kernels;

/// <summary>
/// Power-series coefficients the vector math evaluates near zero. tanh(x) = x + Σ_{n≥1} a_n x^{2n+1} with a_0 = 1 and
/// (2n+1)·a_n = −Σ_{i+j=n−1} a_i·a_j (from T' = 1 − T²): a_1 = −1/3, a_2 = 2/15, a_3 = −17/315, …; expm1(x) = Σ_{n≥1} xⁿ/n!.
/// The literals are those rationals rounded to double; the Kernels tests recompute them from the recurrence.
/// Truncation: the first omitted tanh term at |x| = 0.55 is |a_9|·0.55^18 ≈ 5e-9 relative (float keeps a_1..a_8: 0.1 ulp)
/// and |a_19|·0.55^38 ≈ 4e-18 (double keeps a_1..a_18). For expm1 at |x| = 0.7 the first omitted term relative to x is
/// 0.7^10/11! ≈ 7e-10 (float keeps up to x^10) and 0.7^17/18! ≈ 4e-19 (double keeps up to x^17).
/// </summary>
internal static class Series
{
    /// <summary>Below this |x| tanh uses its odd Taylor series; above it 1 − 2/(e^{2|x|} + 1), whose rounding error is then amplified by less than 0.82.</summary>
    public const double TanhSeriesLimit = 0.55;

    /// <summary>Below this |x| expm1 uses its Taylor series; above it e^x − 1 loses at most one bit (e^x/(e^x − 1) ≤ 2).</summary>
    public const double Expm1SeriesLimit = 0.7;

    /// <summary>a_1 of tanh.</summary>
    public const double Tanh1 = -0.3333333333333333;
    /// <summary>a_2 of tanh.</summary>
    public const double Tanh2 = 0.13333333333333333;
    /// <summary>a_3 of tanh.</summary>
    public const double Tanh3 = -0.05396825396825397;
    /// <summary>a_4 of tanh.</summary>
    public const double Tanh4 = 0.021869488536155203;
    /// <summary>a_5 of tanh.</summary>
    public const double Tanh5 = -0.008863235529902197;
    /// <summary>a_6 of tanh.</summary>
    public const double Tanh6 = 0.003592128036572481;
    /// <summary>a_7 of tanh.</summary>
    public const double Tanh7 = -0.0014558343870513183;
    /// <summary>a_8 of tanh.</summary>
    public const double Tanh8 = 0.000590027440945586;
    /// <summary>a_9 of tanh.</summary>
    public const double Tanh9 = -0.00023912911424355248;
    /// <summary>a_10 of tanh.</summary>
    public const double Tanh10 = 9.691537956929451e-05;
    /// <summary>a_11 of tanh.</summary>
    public const double Tanh11 = -3.927832388331683e-05;
    /// <summary>a_12 of tanh.</summary>
    public const double Tanh12 = 1.5918905069328964e-05;
    /// <summary>a_13 of tanh.</summary>
    public const double Tanh13 = -6.451689215655431e-06;
    /// <summary>a_14 of tanh.</summary>
    public const double Tanh14 = 2.6147711512907546e-06;
    /// <summary>a_15 of tanh.</summary>
    public const double Tanh15 = -1.0597268320104654e-06;
    /// <summary>a_16 of tanh.</summary>
    public const double Tanh16 = 4.294911078273806e-07;
    /// <summary>a_17 of tanh.</summary>
    public const double Tanh17 = -1.7406618963571648e-07;
    /// <summary>a_18 of tanh.</summary>
    public const double Tanh18 = 7.054636946400968e-08;

    /// <summary>1/2!.</summary>
    public const double InvFact2 = 0.5;
    /// <summary>1/3!.</summary>
    public const double InvFact3 = 0.16666666666666666;
    /// <summary>1/4!.</summary>
    public const double InvFact4 = 0.041666666666666664;
    /// <summary>1/5!.</summary>
    public const double InvFact5 = 0.008333333333333333;
    /// <summary>1/6!.</summary>
    public const double InvFact6 = 0.001388888888888889;
    /// <summary>1/7!.</summary>
    public const double InvFact7 = 0.0001984126984126984;
    /// <summary>1/8!.</summary>
    public const double InvFact8 = 2.48015873015873e-05;
    /// <summary>1/9!.</summary>
    public const double InvFact9 = 2.7557319223985893e-06;
    /// <summary>1/10!.</summary>
    public const double InvFact10 = 2.755731922398589e-07;
    /// <summary>1/11!.</summary>
    public const double InvFact11 = 2.505210838544172e-08;
    /// <summary>1/12!.</summary>
    public const double InvFact12 = 2.08767569878681e-09;
    /// <summary>1/13!.</summary>
    public const double InvFact13 = 1.6059043836821613e-10;
    /// <summary>1/14!.</summary>
    public const double InvFact14 = 1.1470745597729725e-11;
    /// <summary>1/15!.</summary>
    public const double InvFact15 = 7.647163731819816e-13;
    /// <summary>1/16!.</summary>
    public const double InvFact16 = 4.779477332387385e-14;
    /// <summary>1/17!.</summary>
    public const double InvFact17 = 2.8114572543455206e-15;
}
