using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// Fused recurrent state updates, pure functions over row-major [batch, width] spans, given the gate
/// pre-activations already computed by GEMM (input projection + recurrent product + biases, in Keras's gate
/// order). Every activation is fused and vectorised (the operator for each <see cref="Activation"/> is a
/// specialised struct); only exact gelu runs element by element. No allocation.
/// </summary>
public static class RecurrentKernels
{
    /// <summary>
    /// LSTM step (Keras LSTMCell, gates i, f, c, o): with z = x·W + h·U + b of shape [batch, 4·units],
    /// i = σ(z_i), f = σ(z_f), c' = f⊙c + i⊙act(z_c), o = σ(z_o), h' = o⊙act(c') where σ is the recurrent activation.
    /// </summary>
    /// <param name="activation">Keras <c>activation</c> (default tanh).</param>
    /// <param name="recurrentActivation">Keras <c>recurrent_activation</c> (default sigmoid; hard_sigmoid in old models).</param>
    /// <param name="units">Keras <c>units</c>.</param>
    /// <param name="z">[batch, 4·units] pre-activations (not modified).</param>
    /// <param name="c">[batch, units] carry state, updated in place.</param>
    /// <param name="h">[batch, units] output state (may be the buffer that held h_{t−1}: it is not read).</param>
    /// <exception cref="ArgumentException">Lengths inconsistent with <paramref name="units"/>.</exception>
    public static void LstmCell<T>(in Activation activation, in Activation recurrentActivation, int units,
        ReadOnlySpan<T> z, Span<T> c, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Num.EnsureSupported<T>();
        int batch = CheckLstm(units, z.Length, c.Length, h.Length);
        var v = new LstmOuter<T>(recurrentActivation, units, batch, z, c, h);
        ActivationDispatch.Visit<T, LstmOuter<T>>(activation, ref v);
    }

    /// <summary>
    /// GRU step with reset_after=True (Keras 2.x default for TF2 / Keras 3 default; gates z, r, h):
    /// z = σ(xz + hz), r = σ(xr + hr), hh = act(xh + r⊙hh_rec), h' = z⊙h + (1 − z)⊙hh.
    /// </summary>
    /// <param name="activation">Keras <c>activation</c>.</param>
    /// <param name="recurrentActivation">Keras <c>recurrent_activation</c>.</param>
    /// <param name="units">Keras <c>units</c>.</param>
    /// <param name="inputProjection">[batch, 3·units] = x·kernel + input bias (bias[0]).</param>
    /// <param name="recurrentProjection">[batch, 3·units] = h·recurrent_kernel + recurrent bias (bias[1]).</param>
    /// <param name="hPrev">[batch, units] previous state.</param>
    /// <param name="hNew">[batch, units] new state; may be the same memory as <paramref name="hPrev"/>.</param>
    /// <exception cref="ArgumentException">Lengths inconsistent with <paramref name="units"/>.</exception>
    public static void GruCellResetAfter<T>(in Activation activation, in Activation recurrentActivation, int units,
        ReadOnlySpan<T> inputProjection, ReadOnlySpan<T> recurrentProjection, ReadOnlySpan<T> hPrev, Span<T> hNew) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Num.EnsureSupported<T>();
        int batch = CheckGru(units, inputProjection.Length, recurrentProjection.Length, 3, hPrev.Length, hNew.Length);
        CheckSameOrDisjoint(hPrev, hNew);
        var v = new GruAfterOuter<T>(recurrentActivation, units, batch, inputProjection, recurrentProjection, hPrev, hNew);
        ActivationDispatch.Visit<T, GruAfterOuter<T>>(activation, ref v);
    }

    /// <summary>
    /// GRU with reset_after=False, first half: z = σ(xz + hz), r = σ(xr + hr) and r⊙h, which the caller multiplies by
    /// recurrent_kernel[:, 2·units:] before <see cref="GruCandidateResetBefore{T}"/>.
    /// </summary>
    /// <param name="recurrentActivation">Keras <c>recurrent_activation</c>.</param>
    /// <param name="units">Keras <c>units</c>.</param>
    /// <param name="inputProjection">[batch, 3·units] = x·kernel + bias (the only bias when reset_after=False).</param>
    /// <param name="recurrentProjectionZr">[batch, 2·units] = h·recurrent_kernel[:, :2·units].</param>
    /// <param name="hPrev">[batch, units] previous state.</param>
    /// <param name="zGate">[batch, units] output: the update gate z.</param>
    /// <param name="resetHidden">[batch, units] output: r⊙h.</param>
    /// <exception cref="ArgumentException">Lengths inconsistent with <paramref name="units"/>.</exception>
    public static void GruGatesResetBefore<T>(in Activation recurrentActivation, int units,
        ReadOnlySpan<T> inputProjection, ReadOnlySpan<T> recurrentProjectionZr, ReadOnlySpan<T> hPrev, Span<T> zGate, Span<T> resetHidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Num.EnsureSupported<T>();
        int batch = CheckGruGates(units, inputProjection.Length, recurrentProjectionZr.Length, hPrev.Length, zGate.Length, resetHidden.Length);
        var v = new GruGatesVisitor<T>(units, batch, inputProjection, recurrentProjectionZr, hPrev, zGate, resetHidden);
        ActivationDispatch.Visit<T, GruGatesVisitor<T>>(recurrentActivation, ref v);
    }

    /// <summary>
    /// GRU with reset_after=False, second half: hh = act(xh + (r⊙h)·U_h), h' = z⊙h + (1 − z)⊙hh.
    /// </summary>
    /// <param name="activation">Keras <c>activation</c>.</param>
    /// <param name="units">Keras <c>units</c>.</param>
    /// <param name="inputProjection">[batch, 3·units] = x·kernel + bias (columns 2·units.. are used).</param>
    /// <param name="resetHiddenProjection">[batch, units] = (r⊙h)·recurrent_kernel[:, 2·units:].</param>
    /// <param name="zGate">[batch, units] from <see cref="GruGatesResetBefore{T}"/>.</param>
    /// <param name="hPrev">[batch, units] previous state.</param>
    /// <param name="hNew">[batch, units] new state; may be the same memory as <paramref name="hPrev"/>.</param>
    /// <exception cref="ArgumentException">Lengths inconsistent with <paramref name="units"/>.</exception>
    public static void GruCandidateResetBefore<T>(in Activation activation, int units,
        ReadOnlySpan<T> inputProjection, ReadOnlySpan<T> resetHiddenProjection, ReadOnlySpan<T> zGate, ReadOnlySpan<T> hPrev, Span<T> hNew) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Num.EnsureSupported<T>();
        int batch = CheckGruCandidate(units, inputProjection.Length, resetHiddenProjection.Length, zGate.Length, hPrev.Length, hNew.Length);
        CheckSameOrDisjoint(hPrev, hNew);
        var v = new GruCandidateVisitor<T>(units, batch, inputProjection, resetHiddenProjection, zGate, hPrev, hNew);
        ActivationDispatch.Visit<T, GruCandidateVisitor<T>>(activation, ref v);
    }

    /// <summary>SimpleRNN step: h' = activation(z) with z = x·W + h·U + b ([batch, units]); <paramref name="hNew"/> may be <paramref name="z"/>.</summary>
    /// <exception cref="ArgumentException">Lengths differ or softmax (not element-wise) is requested.</exception>
    public static void SimpleRnnCell<T>(in Activation activation, ReadOnlySpan<T> z, Span<T> hNew) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (hNew.Length != z.Length) throw new ArgumentException($"h has {hNew.Length} elements, z {z.Length}.", nameof(hNew));
        if (!activation.IsElementwise) throw new ArgumentException($"{activation.Kind} is not element-wise.", nameof(activation));
        ActivationFunctions.Apply(activation, z, hNew, z.Length == 0 ? 1 : z.Length);
    }

    // ---- argument checks (shared with the reference) ----

    internal static int CheckLstm(int units, int zLength, int cLength, int hLength)
    {
        if (units <= 0) throw new ArgumentException($"units must be positive, got {units}.", nameof(units));
        if (cLength % units != 0) throw new ArgumentException($"c has {cLength} elements, not a multiple of units {units}.", "c");
        int batch = cLength / units;
        if (zLength != 4 * cLength) throw new ArgumentException($"z has {zLength} elements, expected batch {batch} × 4·units {4 * units}.", "z");
        if (hLength != cLength) throw new ArgumentException($"h has {hLength} elements, expected batch {batch} × units {units}.", "h");
        return batch;
    }

    internal static int CheckGru(int units, int xLength, int hProjLength, int gates, int hPrevLength, int hNewLength)
    {
        if (units <= 0) throw new ArgumentException($"units must be positive, got {units}.", nameof(units));
        if (hPrevLength % units != 0) throw new ArgumentException($"hPrev has {hPrevLength} elements, not a multiple of units {units}.", "hPrev");
        int batch = hPrevLength / units;
        if (xLength != 3 * hPrevLength) throw new ArgumentException($"inputProjection has {xLength} elements, expected batch {batch} × 3·units {3 * units}.", "inputProjection");
        if (hProjLength != gates * hPrevLength) throw new ArgumentException($"recurrentProjection has {hProjLength} elements, expected batch {batch} × {gates}·units {gates * units}.", "recurrentProjection");
        if (hNewLength != hPrevLength) throw new ArgumentException($"hNew has {hNewLength} elements, expected {hPrevLength}.", "hNew");
        return batch;
    }

    internal static int CheckGruGates(int units, int xLength, int hProjLength, int hPrevLength, int zLength, int rhLength)
    {
        int batch = CheckGru(units, xLength, hProjLength, 2, hPrevLength, hPrevLength);
        if (zLength != hPrevLength || rhLength != hPrevLength) throw new ArgumentException($"zGate ({zLength}) and resetHidden ({rhLength}) must have batch × units = {hPrevLength} elements.", "zGate");
        return batch;
    }

    internal static int CheckGruCandidate(int units, int xLength, int rhProjLength, int zLength, int hPrevLength, int hNewLength)
    {
        int batch = CheckGru(units, xLength, rhProjLength, 1, hPrevLength, hNewLength);
        if (zLength != hPrevLength) throw new ArgumentException($"zGate has {zLength} elements, expected {hPrevLength}.", "zGate");
        return batch;
    }

    private static void CheckSameOrDisjoint<T>(ReadOnlySpan<T> a, Span<T> b)
    {
        if (a.Overlaps(b, out int offset) && offset != 0)
            throw new ArgumentException("hPrev and hNew overlap partially; pass the same span or disjoint spans.", "hNew");
    }

    // ---- LSTM ----

    private readonly ref struct LstmOuter<T>(in Activation recurrentActivation, int units, int batch, ReadOnlySpan<T> z, Span<T> c, Span<T> h) : IActivationVisitor<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Activation _rec = recurrentActivation;
        private readonly int _units = units, _batch = batch;
        private readonly ReadOnlySpan<T> _z = z;
        private readonly Span<T> _c = c, _h = h;

        public void Visit<TAct>(TAct act) where TAct : struct, IUnaryOp<T>
        {
            var inner = new LstmInner<T, TAct>(act, _units, _batch, _z, _c, _h);
            ActivationDispatch.Visit<T, LstmInner<T, TAct>>(_rec, ref inner);
        }
    }

    private readonly ref struct LstmInner<T, TAct>(TAct act, int units, int batch, ReadOnlySpan<T> z, Span<T> c, Span<T> h) : IActivationVisitor<T>
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IUnaryOp<T>
    {
        private readonly TAct _act = act;
        private readonly int _units = units, _batch = batch;
        private readonly ReadOnlySpan<T> _z = z;
        private readonly Span<T> _c = c, _h = h;

        public void Visit<TRec>(TRec rec) where TRec : struct, IUnaryOp<T>
        {
            for (int b = 0; b < _batch; b++)
            {
                var row = new LstmRow<T, TRec, TAct>(rec, _act, _units, _z.Slice(b * 4 * _units, 4 * _units), _c.Slice(b * _units, _units), _h.Slice(b * _units, _units));
                RowDriver.Run<T, LstmRow<T, TRec, TAct>>(ref row, _units);
            }
        }
    }

    private ref struct LstmRow<T, TRec, TAct> : IRowKernel<T>
        where T : unmanaged, IFloatingPointIeee754<T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        private readonly TRec _rec;
        private readonly TAct _act;
        private readonly ref T _zi, _zf, _zc, _zo, _c, _h;

        public LstmRow(TRec rec, TAct act, int units, ReadOnlySpan<T> z, Span<T> c, Span<T> h)
        {
            _rec = rec; _act = act;
            _zi = ref MemoryMarshal.GetReference(z);
            _zf = ref Unsafe.Add(ref _zi, units);
            _zc = ref Unsafe.Add(ref _zi, 2 * units);
            _zo = ref Unsafe.Add(ref _zi, 3 * units);
            _c = ref MemoryMarshal.GetReference(c);
            _h = ref MemoryMarshal.GetReference(h);
        }

        public readonly bool Vectorized => TRec.Vectorized && TAct.Vectorized;

        public readonly void ComputeScalar(int j)
        {
            T i = _rec.Invoke(Unsafe.Add(ref _zi, j));
            T f = _rec.Invoke(Unsafe.Add(ref _zf, j));
            T g = _act.Invoke(Unsafe.Add(ref _zc, j));
            T o = _rec.Invoke(Unsafe.Add(ref _zo, j));
            T cNew = f * Unsafe.Add(ref _c, j) + i * g;
            Unsafe.Add(ref _c, j) = cNew;
            Unsafe.Add(ref _h, j) = o * _act.Invoke(cNew);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Compute<TV, TS>(int j, out TV cNew, out TV hNew) where TV : struct where TS : ISimdOps<TV, T>
        {
            TV i = _rec.Invoke<TV, TS>(TS.Load(ref Unsafe.Add(ref _zi, j)));
            TV f = _rec.Invoke<TV, TS>(TS.Load(ref Unsafe.Add(ref _zf, j)));
            TV g = _act.Invoke<TV, TS>(TS.Load(ref Unsafe.Add(ref _zc, j)));
            TV o = _rec.Invoke<TV, TS>(TS.Load(ref Unsafe.Add(ref _zo, j)));
            cNew = TS.Add(TS.Mul(f, TS.Load(ref Unsafe.Add(ref _c, j))), TS.Mul(i, g));
            hNew = TS.Mul(o, _act.Invoke<TV, TS>(cNew));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store<TV, TS>(int j, TV cNew, TV hNew) where TV : struct where TS : ISimdOps<TV, T>
        {
            TS.Store(cNew, ref Unsafe.Add(ref _c, j));
            TS.Store(hNew, ref Unsafe.Add(ref _h, j));
        }
    }

    // ---- GRU, reset_after = True ----

    private readonly ref struct GruAfterOuter<T>(in Activation recurrentActivation, int units, int batch,
        ReadOnlySpan<T> x, ReadOnlySpan<T> hp, ReadOnlySpan<T> hPrev, Span<T> hNew) : IActivationVisitor<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Activation _rec = recurrentActivation;
        private readonly int _units = units, _batch = batch;
        private readonly ReadOnlySpan<T> _x = x, _hp = hp, _hPrev = hPrev;
        private readonly Span<T> _hNew = hNew;

        public void Visit<TAct>(TAct act) where TAct : struct, IUnaryOp<T>
        {
            var inner = new GruAfterInner<T, TAct>(act, _units, _batch, _x, _hp, _hPrev, _hNew);
            ActivationDispatch.Visit<T, GruAfterInner<T, TAct>>(_rec, ref inner);
        }
    }

    private readonly ref struct GruAfterInner<T, TAct>(TAct act, int units, int batch,
        ReadOnlySpan<T> x, ReadOnlySpan<T> hp, ReadOnlySpan<T> hPrev, Span<T> hNew) : IActivationVisitor<T>
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IUnaryOp<T>
    {
        private readonly TAct _act = act;
        private readonly int _units = units, _batch = batch;
        private readonly ReadOnlySpan<T> _x = x, _hp = hp, _hPrev = hPrev;
        private readonly Span<T> _hNew = hNew;

        public void Visit<TRec>(TRec rec) where TRec : struct, IUnaryOp<T>
        {
            int u = _units;
            for (int b = 0; b < _batch; b++)
            {
                var row = new GruAfterRow<T, TRec, TAct>(rec, _act, u, _x.Slice(b * 3 * u, 3 * u), _hp.Slice(b * 3 * u, 3 * u), _hPrev.Slice(b * u, u), _hNew.Slice(b * u, u));
                RowDriver.Run<T, GruAfterRow<T, TRec, TAct>>(ref row, u);
            }
        }
    }

    private ref struct GruAfterRow<T, TRec, TAct> : IRowKernel<T>
        where T : unmanaged, IFloatingPointIeee754<T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        private readonly TRec _rec;
        private readonly TAct _act;
        private readonly ref T _xz, _xr, _xh, _hz, _hr, _hh, _hPrev, _hNew;

        public GruAfterRow(TRec rec, TAct act, int units, ReadOnlySpan<T> x, ReadOnlySpan<T> hp, ReadOnlySpan<T> hPrev, Span<T> hNew)
        {
            _rec = rec; _act = act;
            _xz = ref MemoryMarshal.GetReference(x); _xr = ref Unsafe.Add(ref _xz, units); _xh = ref Unsafe.Add(ref _xz, 2 * units);
            _hz = ref MemoryMarshal.GetReference(hp); _hr = ref Unsafe.Add(ref _hz, units); _hh = ref Unsafe.Add(ref _hz, 2 * units);
            _hPrev = ref MemoryMarshal.GetReference(hPrev);
            _hNew = ref MemoryMarshal.GetReference(hNew);
        }

        public readonly bool Vectorized => TRec.Vectorized && TAct.Vectorized;

        public readonly void ComputeScalar(int j)
        {
            T z = _rec.Invoke(Unsafe.Add(ref _xz, j) + Unsafe.Add(ref _hz, j));
            T r = _rec.Invoke(Unsafe.Add(ref _xr, j) + Unsafe.Add(ref _hr, j));
            T hh = _act.Invoke(Unsafe.Add(ref _xh, j) + r * Unsafe.Add(ref _hh, j));
            Unsafe.Add(ref _hNew, j) = z * Unsafe.Add(ref _hPrev, j) + (T.One - z) * hh;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Compute<TV, TS>(int j, out TV hNew, out TV unused) where TV : struct where TS : ISimdOps<TV, T>
        {
            TV z = _rec.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref _xz, j)), TS.Load(ref Unsafe.Add(ref _hz, j))));
            TV r = _rec.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref _xr, j)), TS.Load(ref Unsafe.Add(ref _hr, j))));
            TV hh = _act.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref _xh, j)), TS.Mul(r, TS.Load(ref Unsafe.Add(ref _hh, j)))));
            hNew = TS.Add(TS.Mul(z, TS.Load(ref Unsafe.Add(ref _hPrev, j))), TS.Mul(TS.Sub(TS.Splat(1.0), z), hh));
            unused = hNew;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store<TV, TS>(int j, TV hNew, TV unused) where TV : struct where TS : ISimdOps<TV, T>
            => TS.Store(hNew, ref Unsafe.Add(ref _hNew, j));
    }

    // ---- GRU, reset_after = False ----

    private readonly ref struct GruGatesVisitor<T>(int units, int batch, ReadOnlySpan<T> x, ReadOnlySpan<T> hp, ReadOnlySpan<T> hPrev, Span<T> zGate, Span<T> rh)
        : IActivationVisitor<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly int _units = units, _batch = batch;
        private readonly ReadOnlySpan<T> _x = x, _hp = hp, _hPrev = hPrev;
        private readonly Span<T> _zGate = zGate, _rh = rh;

        public void Visit<TRec>(TRec rec) where TRec : struct, IUnaryOp<T>
        {
            int u = _units;
            for (int b = 0; b < _batch; b++)
            {
                var row = new GruGatesRow<T, TRec>(rec, u, _x.Slice(b * 3 * u, 3 * u), _hp.Slice(b * 2 * u, 2 * u), _hPrev.Slice(b * u, u), _zGate.Slice(b * u, u), _rh.Slice(b * u, u));
                RowDriver.Run<T, GruGatesRow<T, TRec>>(ref row, u);
            }
        }
    }

    private ref struct GruGatesRow<T, TRec> : IRowKernel<T> where T : unmanaged, IFloatingPointIeee754<T> where TRec : struct, IUnaryOp<T>
    {
        private readonly TRec _rec;
        private readonly ref T _xz, _xr, _hz, _hr, _hPrev, _z, _rh;

        public GruGatesRow(TRec rec, int units, ReadOnlySpan<T> x, ReadOnlySpan<T> hp, ReadOnlySpan<T> hPrev, Span<T> z, Span<T> rh)
        {
            _rec = rec;
            _xz = ref MemoryMarshal.GetReference(x); _xr = ref Unsafe.Add(ref _xz, units);
            _hz = ref MemoryMarshal.GetReference(hp); _hr = ref Unsafe.Add(ref _hz, units);
            _hPrev = ref MemoryMarshal.GetReference(hPrev);
            _z = ref MemoryMarshal.GetReference(z);
            _rh = ref MemoryMarshal.GetReference(rh);
        }

        public readonly bool Vectorized => TRec.Vectorized;

        public readonly void ComputeScalar(int j)
        {
            Unsafe.Add(ref _z, j) = _rec.Invoke(Unsafe.Add(ref _xz, j) + Unsafe.Add(ref _hz, j));
            T r = _rec.Invoke(Unsafe.Add(ref _xr, j) + Unsafe.Add(ref _hr, j));
            Unsafe.Add(ref _rh, j) = r * Unsafe.Add(ref _hPrev, j);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Compute<TV, TS>(int j, out TV z, out TV rh) where TV : struct where TS : ISimdOps<TV, T>
        {
            z = _rec.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref _xz, j)), TS.Load(ref Unsafe.Add(ref _hz, j))));
            TV r = _rec.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref _xr, j)), TS.Load(ref Unsafe.Add(ref _hr, j))));
            rh = TS.Mul(r, TS.Load(ref Unsafe.Add(ref _hPrev, j)));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store<TV, TS>(int j, TV z, TV rh) where TV : struct where TS : ISimdOps<TV, T>
        {
            TS.Store(z, ref Unsafe.Add(ref _z, j));
            TS.Store(rh, ref Unsafe.Add(ref _rh, j));
        }
    }

    private readonly ref struct GruCandidateVisitor<T>(int units, int batch, ReadOnlySpan<T> x, ReadOnlySpan<T> rhp, ReadOnlySpan<T> z, ReadOnlySpan<T> hPrev, Span<T> hNew)
        : IActivationVisitor<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly int _units = units, _batch = batch;
        private readonly ReadOnlySpan<T> _x = x, _rhp = rhp, _z = z, _hPrev = hPrev;
        private readonly Span<T> _hNew = hNew;

        public void Visit<TAct>(TAct act) where TAct : struct, IUnaryOp<T>
        {
            int u = _units;
            for (int b = 0; b < _batch; b++)
            {
                var row = new GruCandidateRow<T, TAct>(act, _x.Slice(b * 3 * u + 2 * u, u), _rhp.Slice(b * u, u), _z.Slice(b * u, u), _hPrev.Slice(b * u, u), _hNew.Slice(b * u, u));
                RowDriver.Run<T, GruCandidateRow<T, TAct>>(ref row, u);
            }
        }
    }

    private ref struct GruCandidateRow<T, TAct> : IRowKernel<T> where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IUnaryOp<T>
    {
        private readonly TAct _act;
        private readonly ref T _xh, _rhp, _z, _hPrev, _hNew;

        public GruCandidateRow(TAct act, ReadOnlySpan<T> xh, ReadOnlySpan<T> rhp, ReadOnlySpan<T> z, ReadOnlySpan<T> hPrev, Span<T> hNew)
        {
            _act = act;
            _xh = ref MemoryMarshal.GetReference(xh);
            _rhp = ref MemoryMarshal.GetReference(rhp);
            _z = ref MemoryMarshal.GetReference(z);
            _hPrev = ref MemoryMarshal.GetReference(hPrev);
            _hNew = ref MemoryMarshal.GetReference(hNew);
        }

        public readonly bool Vectorized => TAct.Vectorized;

        public readonly void ComputeScalar(int j)
        {
            T hh = _act.Invoke(Unsafe.Add(ref _xh, j) + Unsafe.Add(ref _rhp, j));
            T z = Unsafe.Add(ref _z, j);
            Unsafe.Add(ref _hNew, j) = z * Unsafe.Add(ref _hPrev, j) + (T.One - z) * hh;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Compute<TV, TS>(int j, out TV hNew, out TV unused) where TV : struct where TS : ISimdOps<TV, T>
        {
            TV hh = _act.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref _xh, j)), TS.Load(ref Unsafe.Add(ref _rhp, j))));
            TV z = TS.Load(ref Unsafe.Add(ref _z, j));
            hNew = TS.Add(TS.Mul(z, TS.Load(ref Unsafe.Add(ref _hPrev, j))), TS.Mul(TS.Sub(TS.Splat(1.0), z), hh));
            unused = hNew;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store<TV, TS>(int j, TV hNew, TV unused) where TV : struct where TS : ISimdOps<TV, T>
            => TS.Store(hNew, ref Unsafe.Add(ref _hNew, j));
    }
}
