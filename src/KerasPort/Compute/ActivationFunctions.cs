using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Compute;

/// <summary>
/// Keras activations over spans, vectorised (512/256/128-bit, whichever the hardware accelerates) with scalar
/// fallbacks. Results agree with <see cref="ActivationReference"/> bit for bit for the piecewise-linear functions
/// and within a few ulp for the transcendental ones. No allocation.
/// </summary>
public static class ActivationFunctions
{
    /// <summary>
    /// Applies <paramref name="activation"/> in place. Element-wise kinds ignore <paramref name="rowLength"/>;
    /// softmax and log_softmax normalise each consecutive run of <paramref name="rowLength"/> elements, i.e. the
    /// last axis of a row-major tensor whose last dimension is <paramref name="rowLength"/> (for another axis use
    /// <see cref="Softmax{T}(Span{T}, int, int, bool)"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Softmax with a row length that does not divide the length.</exception>
    public static void Apply<T>(in Activation activation, Span<T> values, int rowLength) where T : unmanaged, IFloatingPointIeee754<T>
        => Apply(activation, values, values, rowLength);

    /// <summary>Applies an element-wise activation in place (throws for softmax/log_softmax, which need a row length).</summary>
    public static void Apply<T>(in Activation activation, Span<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!activation.IsElementwise)
            throw new ArgumentException($"{activation.Kind} needs a row length.", nameof(activation));
        Apply(activation, values, values, values.Length);
    }

    /// <summary>
    /// destination = activation(source). The spans must be the same memory (in place) or not overlap;
    /// <paramref name="destination"/> must be at least as long as <paramref name="source"/>.
    /// </summary>
    public static void Apply<T>(in Activation activation, ReadOnlySpan<T> source, Span<T> destination, int rowLength) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Num.EnsureSupported<T>();
        if (activation.Kind is ActivationKind.Softmax or ActivationKind.LogSoftmax)
        {
            if (rowLength <= 0 || source.Length % rowLength != 0)
                throw new ArgumentException($"softmax over rows of {rowLength} elements: the length {source.Length} is not a multiple of it.", nameof(rowLength));
            if (destination.Length < source.Length)
                throw new ArgumentException($"destination has {destination.Length} elements, source {source.Length}.", nameof(destination));
            if (!Unsafe.AreSame(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination)))
                source.CopyTo(destination);
            Softmax(destination[..source.Length], rowLength, 1, activation.Kind == ActivationKind.LogSoftmax);
            return;
        }
        if (activation.Kind == ActivationKind.Linear)
        {
            if (!Unsafe.AreSame(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination)))
                source.CopyTo(destination);
            return;
        }
        var visitor = new MapVisitor<T>(source, destination);
        ActivationDispatch.Visit<T, MapVisitor<T>>(activation, ref visitor);
    }

    private readonly ref struct MapVisitor<T>(ReadOnlySpan<T> source, Span<T> destination) : IActivationVisitor<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<T> _source = source;
        private readonly Span<T> _destination = destination;
        public void Visit<TOp>(TOp op) where TOp : struct, IUnaryOp<T> => ElementwiseDriver.Map(op, _source, _destination);
    }

    /// <summary>
    /// Softmax (or log_softmax) in place over the middle axis of a row-major [outer, <paramref name="axisLength"/>,
    /// <paramref name="innerCount"/>] tensor, as TensorFlow computes it: e^{x − max} / Σ e^{x − max}, and for log
    /// x − max − log Σ e^{x − max}. <paramref name="innerCount"/> = 1 is the last axis (the vectorised case).
    /// </summary>
    public static void Softmax<T>(Span<T> values, int axisLength, int innerCount, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Num.EnsureSupported<T>();
        if (axisLength <= 0 || innerCount <= 0 || values.Length % ((long)axisLength * innerCount) != 0)
            throw new ArgumentException($"softmax over an axis of {axisLength} (inner {innerCount}): the length {values.Length} does not fit.", nameof(axisLength));
        if (innerCount == 1)
        {
            for (int start = 0; start < values.Length; start += axisLength)
                SoftmaxRow(values.Slice(start, axisLength), log);
            return;
        }
        int block = axisLength * innerCount;
        for (int start = 0; start < values.Length; start += block)
        {
            Span<T> b = values.Slice(start, block);
            for (int j = 0; j < innerCount; j++)
            {
                T max = T.NegativeInfinity;
                for (int a = 0; a < axisLength; a++) max = T.Max(max, b[a * innerCount + j]);
                T sum = T.Zero;
                for (int a = 0; a < axisLength; a++) sum += T.Exp(b[a * innerCount + j] - max);
                T logSum = T.Log(sum);
                for (int a = 0; a < axisLength; a++)
                {
                    ref T v = ref b[a * innerCount + j];
                    v = log ? v - max - logSum : T.Exp(v - max) / sum;
                }
            }
        }
    }

    private static void SoftmaxRow<T>(Span<T> row, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated && row.Length >= Vector512<T>.Count) SoftmaxRowVector<T, Vector512<T>, V512<T>>(row, log);
        else if (Vector256.IsHardwareAccelerated && row.Length >= Vector256<T>.Count) SoftmaxRowVector<T, Vector256<T>, V256<T>>(row, log);
        else if (Vector128.IsHardwareAccelerated && row.Length >= Vector128<T>.Count) SoftmaxRowVector<T, Vector128<T>, V128<T>>(row, log);
        else ActivationReference.SoftmaxRow(row, log);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SoftmaxRowVector<T, TV, TS>(Span<T> row, bool log) where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T>
    {
        int n = row.Length, c = TS.Count;
        ref T x = ref MemoryMarshal.GetReference(row);
        // max: the overlapping final vector is harmless for a maximum.
        TV vmax = TS.Load(ref Unsafe.Add(ref x, n - c));
        for (int i = 0; i <= n - c; i += c) vmax = TS.MaxNative(vmax, TS.Load(ref Unsafe.Add(ref x, i)));
        T max = TS.MaxAcross(vmax);
        for (int i = 0; i < n; i++) if (T.IsNaN(Unsafe.Add(ref x, i))) { max = Unsafe.Add(ref x, i); break; }
        TV vm = TS.Splat(max);
        int full = n - n % c;
        TV vsum = TS.Splat(0.0);
        if (log)
        {
            for (int i = 0; i < full; i += c) vsum = TS.Add(vsum, VectorMath.Exp<T, TV, TS>(TS.Sub(TS.Load(ref Unsafe.Add(ref x, i)), vm)));
            T sum = TS.Sum(vsum);
            for (int i = full; i < n; i++) sum += T.CreateTruncating(Math.Exp(double.CreateTruncating(Unsafe.Add(ref x, i) - max)));
            T logSum = T.CreateTruncating(Math.Log(double.CreateTruncating(sum)));
            for (int i = 0; i < n; i++) Unsafe.Add(ref x, i) = Unsafe.Add(ref x, i) - max - logSum;
        }
        else
        {
            for (int i = 0; i < full; i += c)
            {
                TV e = VectorMath.Exp<T, TV, TS>(TS.Sub(TS.Load(ref Unsafe.Add(ref x, i)), vm));
                TS.Store(e, ref Unsafe.Add(ref x, i));
                vsum = TS.Add(vsum, e);
            }
            T sum = TS.Sum(vsum);
            for (int i = full; i < n; i++)
            {
                T e = T.CreateTruncating(Math.Exp(double.CreateTruncating(Unsafe.Add(ref x, i) - max)));
                Unsafe.Add(ref x, i) = e;
                sum += e;
            }
            TV vs = TS.Splat(sum);
            for (int i = 0; i < full; i += c) TS.Store(TS.Div(TS.Load(ref Unsafe.Add(ref x, i)), vs), ref Unsafe.Add(ref x, i));
            for (int i = full; i < n; i++) Unsafe.Add(ref x, i) /= sum;
        }
    }
}
