using System.Numerics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// One-row LSTM sequences: the input projection (x·W + b for every step) computed in chunks of steps on the pair
/// worker while the calling thread runs the steps, which only wait for the chunk they need, or compute it themselves
/// when the worker has not claimed it yet (a sleeping or busy worker costs nothing but the overlap). Chunks start at
/// multiples of <see cref="ChunkSteps"/> and have two rows or more (a last step alone joins the chunk before it), so
/// every projection row sums as in one product over all steps (<see cref="Gemm"/>: rows of a product of two or more,
/// inputs up to one k-block): results are bit-identical to the serial path. Owned by one
/// <see cref="RnnWorkspace{T}"/> (one caller at a time); the pointers are valid only while the caller keeps them pinned.
/// </summary>
internal sealed unsafe class LstmProjectionPipeline<T> : IPairJob, IStepGate where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Steps per chunk: two GEMM tiles of rows.</summary>
    public static int ChunkSteps => 2 * GemmLayout.MR;

    private int[] _state = []; // per chunk: 0 unclaimed, 1 being computed, 2 done
    private int _chunks, _time, _inputSize;
    private LstmPacked<T>? _weights;
    private Activation _activation, _recurrentActivation;
    private T* _inputs, _projection, _hA, _hB, _c, _sequence;
    private bool _finalInB;

    /// <summary>
    /// Runs a one-row forward sequence (as <see cref="LstmStepKernel.Sequence{T}"/>, projection included): the steps on
    /// this thread, the projection chunks ahead of them on the pair worker. Returns true when the final h is in hB.
    /// </summary>
    public bool Execute(LstmPacked<T> weights, in Activation activation, in Activation recurrentActivation, T* inputs, int inputSize, int time,
        T* projection, T* hA, T* hB, T* c, T* sequence)
    {
        _weights = weights;
        _activation = activation;
        _recurrentActivation = recurrentActivation;
        _inputs = inputs;
        _projection = projection;
        _hA = hA; _hB = hB; _c = c; _sequence = sequence;
        _inputSize = inputSize;
        _time = time;
        _chunks = time % ChunkSteps == 1 && time > 1 ? time / ChunkSteps : (time + ChunkSteps - 1) / ChunkSteps;
        if (_state.Length < _chunks) _state = new int[_chunks];
        Array.Clear(_state, 0, _chunks);
        try
        {
            // led: the steps can compute every chunk themselves, so a worker that has not started by the last step is
            // not waited for
            PairWorker.RunLed(this);
            return _finalInB;
        }
        finally
        {
            _weights = null;
            _inputs = _projection = _hA = _hB = _c = _sequence = null;
        }
    }

    /// <summary>Part 1 (the worker) claims and computes chunks in order until none is left; part 0 (or −1: the worker
    /// was busy) runs the steps, computing any chunk nobody has claimed when it gets there.</summary>
    public void Run(int part)
    {
        if (part == 1)
        {
            for (int c = 0; c < _chunks; c++)
                if (Interlocked.CompareExchange(ref _state[c], 1, 0) == 0) Compute(c);
            return;
        }
        var w = _weights!;
        int up = w.PaddedUnits;
        var sequence = _sequence == null ? default : new Span<T>(_sequence, _time * w.Units);
        _finalInB = LstmStepKernel.Sequence(w, _activation, _recurrentActivation, 1, _time, false,
            new ReadOnlySpan<T>(_projection, _time * w.ProjectionWidth), new Span<T>(_hA, up), new Span<T>(_hB, up), new Span<T>(_c, up),
            sequence, this);
    }

    /// <summary>Returns once the projection rows of step <paramref name="step"/> are written (computing them here if unclaimed).</summary>
    public void WaitForStep(int step)
    {
        int c = Math.Min(step / ChunkSteps, _chunks - 1);
        if (Volatile.Read(ref _state[c]) == 2) return;
        if (Interlocked.CompareExchange(ref _state[c], 1, 0) == 0)
        {
            Compute(c);
            return;
        }
        var poll = new CpuPause.Poller();
        while (Volatile.Read(ref _state[c]) != 2) poll.Once();
    }

    private void Compute(int chunk)
    {
        var w = _weights!;
        int first = chunk * ChunkSteps, count = chunk == _chunks - 1 ? _time - first : ChunkSteps, pw = w.ProjectionWidth;
        var x = new ReadOnlySpan<T>(_inputs + (long)first * _inputSize, count * _inputSize);
        var y = new Span<T>(_projection + (long)first * pw, count * pw);
        try
        {
            Gemm.Multiply(count, x, _inputSize, w.Kernel, y, pw, w.Bias);
        }
        catch
        {
            Volatile.Write(ref _state[chunk], 0); // unclaimed again: the caller computes it (and sees the error) itself
            throw;
        }
        Volatile.Write(ref _state[chunk], 2);
    }
}
