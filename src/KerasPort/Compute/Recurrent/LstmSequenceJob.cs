using System.Numerics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// A fused LSTM sequence split over two threads (<see cref="PairWorker"/>): each half computes half of the input
/// projection rows, then half of the unit blocks of every step, the halves meeting at a barrier after the projection
/// and after each step. Owned by one <see cref="RnnWorkspace{T}"/> (so by one caller at a time); the pointers are
/// valid only while <see cref="LstmCell{T}.TryRunSequence"/> keeps the buffers pinned.
/// </summary>
internal sealed unsafe class LstmSequenceJob<T> : IPairJob where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly PairBarrier _barrier = new();
    public LstmPacked<T> Weights = null!;
    public Activation Activation, RecurrentActivation;
    public int InputSize, Batch, Time;
    public bool GoBackwards;
    public T* Inputs, Projection, HA, HB, C, Sequence;

    /// <summary>Runs through the pair worker (serially when it is busy).</summary>
    public void Execute()
    {
        _barrier.Reset();
        PairWorker.Run(this, out _);
    }

    public void Run(int part)
    {
        var w = Weights;
        int rows = Batch * Time, pw = w.ProjectionWidth;
        if (part < 0)
        {
            Project(0, rows);
            LstmStepKernel.SequencePart(w, Activation, RecurrentActivation, Batch, Time, GoBackwards, Projection, HA, HB, C, Sequence, 0, w.Blocks, null, 0, 0);
            return;
        }
        try
        {
            int half = rows / 2, split = w.Blocks / 2;
            if (part == 0) Project(0, half);
            else Project(half, rows - half);
            _barrier.Arrive(part, 0);
            if (part == 0)
                LstmStepKernel.SequencePart(w, Activation, RecurrentActivation, Batch, Time, GoBackwards, Projection, HA, HB, C, Sequence, 0, split, _barrier, 0, 1);
            else
                LstmStepKernel.SequencePart(w, Activation, RecurrentActivation, Batch, Time, GoBackwards, Projection, HA, HB, C, Sequence, split, w.Blocks, _barrier, 1, 1);
        }
        catch
        {
            _barrier.Abandon();
            throw;
        }

        void Project(int first, int count)
        {
            if (count == 0) return;
            var x = new ReadOnlySpan<T>(Inputs + (long)first * InputSize, count * InputSize);
            var y = new Span<T>(Projection + (long)first * pw, count * pw);
            Gemm.Multiply(count, x, InputSize, w.Kernel, y, pw, w.Bias);
        }
    }
}
