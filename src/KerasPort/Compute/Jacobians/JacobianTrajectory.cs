using System.Numerics;

namespace KerasPort.Compute.Jacobians;

/// <summary>
/// The states, outputs and per-step Jacobians recorded by <see cref="CellJacobian{T}.Trajectory"/>, with the chain rule
/// through them: ∂y_step/∂s₀, ∂s_step/∂s₀ and ∂y_step/∂x_k (what TensorFlow's RNN layer cannot give directly). Steps are
/// in processed order (with go_backwards, step s read time index time − 1 − s; see <see cref="InputTimeIndex"/>), which is
/// also the order of the RNN layer's output sequence. Matrices are row-major.
/// </summary>
/// <remarks>
/// Lyapunov exponents, for instance, come from <see cref="StateJacobian"/>: multiply a frame by each step's Jacobian,
/// re-orthonormalize (QR), and average the logarithms of the diagonal of R over the steps.
/// </remarks>
/// <typeparam name="T">The number type.</typeparam>
public sealed class JacobianTrajectory<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly bool _goBackwards;

    internal JacobianTrajectory(int batch, int steps, int stateSize, int inputSize, int outputSize, bool inputJacobians, bool goBackwards,
        bool zeroOutputForMask)
    {
        ZeroOutputForMask = zeroOutputForMask;
        Batch = batch;
        Steps = steps;
        StateSize = stateSize;
        InputSize = inputSize;
        OutputSize = outputSize;
        HasInputJacobians = inputJacobians;
        _goBackwards = goBackwards;
        StatesArray = new T[(steps + 1) * batch * stateSize];
        OutputsArray = new T[steps * batch * outputSize];
        StateJacobians = new T[steps * batch * stateSize * stateSize];
        InputJacobians = inputJacobians ? new T[steps * batch * stateSize * inputSize] : [];
        OutputJacobians = new T[steps * batch * outputSize * stateSize];
        OutputInputJacobians = inputJacobians ? new T[steps * batch * outputSize * inputSize] : [];
        MaskedArray = new bool[steps * batch];
    }

    internal T[] StatesArray { get; }
    internal T[] OutputsArray { get; }
    internal T[] StateJacobians { get; }
    internal T[] InputJacobians { get; }
    internal T[] OutputJacobians { get; }
    internal T[] OutputInputJacobians { get; }
    internal bool[] MaskedArray { get; }

    /// <summary>Number of sequences.</summary>
    public int Batch { get; }

    /// <summary>Number of processed steps.</summary>
    public int Steps { get; }

    /// <summary>Width of a row's state vector (S).</summary>
    public int StateSize { get; }

    /// <summary>Features per input step (I).</summary>
    public int InputSize { get; }

    /// <summary>Width of the output (O).</summary>
    public int OutputSize { get; }

    /// <summary>Whether masked steps emitted zeros (zero_output_for_mask) rather than the previous output.</summary>
    public bool ZeroOutputForMask { get; }

    /// <summary>Whether ∂s′/∂x was recorded.</summary>
    public bool HasInputJacobians { get; }

    /// <summary>The time index of the input that step <paramref name="step"/> read.</summary>
    public int InputTimeIndex(int step) => _goBackwards ? Steps - 1 - CheckStep(step) : CheckStep(step);

    /// <summary>The initial state of a row (S values).</summary>
    public ReadOnlySpan<T> InitialState(int row) => StatesArray.AsSpan(CheckRow(row) * StateSize, StateSize);

    /// <summary>The state of a row after step <paramref name="step"/> (S values).</summary>
    public ReadOnlySpan<T> State(int step, int row) => StatesArray.AsSpan(((CheckStep(step) + 1) * Batch + CheckRow(row)) * StateSize, StateSize);

    /// <summary>The output of a row at step <paramref name="step"/> (O values), as the RNN layer returns it.</summary>
    public ReadOnlySpan<T> Output(int step, int row) => OutputsArray.AsSpan((CheckStep(step) * Batch + CheckRow(row)) * OutputSize, OutputSize);

    /// <summary>Whether the mask skipped this step for this row.</summary>
    public bool IsMasked(int step, int row) => MaskedArray[CheckStep(step) * Batch + CheckRow(row)];

    /// <summary>∂s_after/∂s_before of one step (S × S); the identity on masked steps.</summary>
    public ReadOnlySpan<T> StateJacobian(int step, int row) =>
        StateJacobians.AsSpan((CheckStep(step) * Batch + CheckRow(row)) * StateSize * StateSize, StateSize * StateSize);

    /// <summary>∂s_after/∂x of one step (S × I), x being the input at <see cref="InputTimeIndex"/>(step); zero on masked steps.</summary>
    /// <exception cref="InvalidOperationException">The trajectory was recorded without input Jacobians.</exception>
    public ReadOnlySpan<T> InputJacobian(int step, int row)
    {
        if (!HasInputJacobians) throw new InvalidOperationException("the trajectory was recorded with inputJacobians: false");
        return InputJacobians.AsSpan((CheckStep(step) * Batch + CheckRow(row)) * StateSize * InputSize, StateSize * InputSize);
    }

    /// <summary>∂y/∂s_before of one step (O × S), the local output Jacobian; zero on masked steps (whose output does not depend on that state).</summary>
    public ReadOnlySpan<T> OutputJacobian(int step, int row) =>
        OutputJacobians.AsSpan((CheckStep(step) * Batch + CheckRow(row)) * OutputSize * StateSize, OutputSize * StateSize);

    /// <summary>∂y/∂x of one step (O × I), the output's direct dependence on that step's input; zero on masked steps.</summary>
    /// <exception cref="InvalidOperationException">The trajectory was recorded without input Jacobians.</exception>
    public ReadOnlySpan<T> OutputInputJacobian(int step, int row)
    {
        if (!HasInputJacobians) throw new InvalidOperationException("the trajectory was recorded with inputJacobians: false");
        return OutputInputJacobians.AsSpan((CheckStep(step) * Batch + CheckRow(row)) * OutputSize * InputSize, OutputSize * InputSize);
    }

    /// <summary>
    /// ∂y(step)/∂x(k) for every processed step k of one row: Steps × O × I, block k being the derivative with respect to the
    /// input read at step k (time index <see cref="InputTimeIndex"/>(k)); blocks after <paramref name="step"/> are zero.
    /// Computed backwards in one pass (reverse accumulation through the recorded Jacobians, masks included).
    /// </summary>
    /// <exception cref="InvalidOperationException">The trajectory was recorded without input Jacobians.</exception>
    public T[] OutputWrtInputs(int step, int row)
    {
        if (!HasInputJacobians) throw new InvalidOperationException("the trajectory was recorded with inputJacobians: false");
        CheckStep(step);
        CheckRow(row);
        int S = StateSize, O = OutputSize, I = InputSize;
        var result = new T[Steps * O * I];
        // A masked step emits the output of the last unmasked step before it (or zeros: at the start, or with zero_output_for_mask).
        int e = step;
        while (e >= 0 && MaskedArray[e * Batch + row])
        {
            if (ZeroOutputForMask) return result;
            e--;
        }
        if (e < 0) return result;
        OutputInputJacobian(e, row).CopyTo(result.AsSpan(e * O * I, O * I));
        var v = OutputJacobian(e, row).ToArray(); // ∂y/∂s_before(e), O × S
        var tmp = new T[O * S];
        for (int k = e - 1; k >= 0; k--)
        {
            // v = ∂y/∂s_after(k); masked steps carry identity / zero Jacobians, so they need no special case here
            MatMul(v, InputJacobian(k, row), result.AsSpan(k * O * I, O * I), O, S, I);
            MatMul(v, StateJacobian(k, row), tmp, O, S, S);
            (v, tmp) = (tmp, v);
        }
        return result;
    }

    /// <summary>∂s_after(step)/∂s₀ (S × S): the product of the state Jacobians of steps 0..step.</summary>
    public T[] StateWrtInitialState(int step, int row)
    {
        CheckStep(step);
        CheckRow(row);
        int S = StateSize;
        var p = Identity(S);
        var tmp = new T[S * S];
        for (int s = 0; s <= step; s++)
        {
            if (MaskedArray[s * Batch + row]) continue;
            MatMul(StateJacobian(s, row), p, tmp, S, S, S);
            (p, tmp) = (tmp, p);
        }
        return p;
    }

    /// <summary>∂y(step)/∂s₀ (O × S) for one row, by the chain rule through the recorded Jacobians (masks included).</summary>
    public T[] OutputWrtInitialState(int step, int row)
    {
        var all = OutputsWrtInitialState(row, CheckStep(step) + 1);
        return all.AsSpan(step * OutputSize * StateSize, OutputSize * StateSize).ToArray();
    }

    /// <summary>∂y(s)/∂s₀ for every step s of one row: Steps × O × S, in one pass.</summary>
    public T[] OutputsWrtInitialState(int row) => OutputsWrtInitialState(row, Steps);

    private T[] OutputsWrtInitialState(int row, int steps)
    {
        CheckRow(row);
        int S = StateSize, O = OutputSize;
        var result = new T[steps * O * S];
        var p = Identity(S); // ∂s_before(s)/∂s₀
        var tmp = new T[S * S];
        for (int s = 0; s < steps; s++)
        {
            var y = result.AsSpan(s * O * S, O * S);
            if (MaskedArray[s * Batch + row])
            {
                // the RNN emits the previous step's output (zeros at step 0 or with zero_output_for_mask)
                if (s > 0 && !ZeroOutputForMask) result.AsSpan((s - 1) * O * S, O * S).CopyTo(y);
                continue;
            }
            MatMul(OutputJacobian(s, row), p, y, O, S, S);
            MatMul(StateJacobian(s, row), p, tmp, S, S, S);
            (p, tmp) = (tmp, p);
        }
        return result;
    }

    private static T[] Identity(int n)
    {
        var m = new T[n * n];
        for (int i = 0; i < n; i++) m[i * n + i] = T.One;
        return m;
    }

    /// <summary>c (m × n) = a (m × k) · b (k × n).</summary>
    private static void MatMul(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n)
    {
        c[..(m * n)].Clear();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < k; j++)
            {
                T aij = a[i * k + j];
                var bRow = b.Slice(j * n, n);
                var cRow = c.Slice(i * n, n);
                for (int l = 0; l < n; l++) cRow[l] += aij * bRow[l];
            }
    }

    private int CheckStep(int step) => (uint)step < (uint)Steps ? step : throw new ArgumentOutOfRangeException(nameof(step), $"step {step} is outside 0..{Steps - 1}");
    private int CheckRow(int row) => (uint)row < (uint)Batch ? row : throw new ArgumentOutOfRangeException(nameof(row), $"row {row} is outside 0..{Batch - 1}");
}
