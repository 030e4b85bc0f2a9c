using System.Numerics;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// A single-state recurrent layer (GRU reset_after, SimpleRNN) repacked for a fused whole-sequence kernel: the input
/// projection x·<see cref="Kernel"/> + <see cref="Bias"/> is one GEMM over every step (its columns in the kernel's own
/// order, <see cref="ProjectionWidth"/> wide), then every step runs h·U and the gate math block by block, h
/// ping-ponging between two buffers of <see cref="PaddedUnits"/> per row. Blocks are independent within a step, so two
/// threads can each take a range of them and meet after every step.
/// </summary>
internal interface IFusedSequence<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Keras units.</summary>
    int Units { get; }
    /// <summary>Row stride of the h buffers (units rounded up to whole blocks).</summary>
    int PaddedUnits { get; }
    /// <summary>Unit blocks: the granularity of a split between threads.</summary>
    int Blocks { get; }
    /// <summary>Width of one projection row.</summary>
    int ProjectionWidth { get; }
    /// <summary>input × ProjectionWidth, packed for the GEMM.</summary>
    PackedMatrix<T> Kernel { get; }
    /// <summary>ProjectionWidth values added to every projection row.</summary>
    T[] Bias { get; }
    /// <summary>Bytes of the packed recurrent weights (what each step streams).</summary>
    long RecurrentBytes { get; }

    /// <summary>
    /// Runs steps s = firstStep..endStep−1 of a sequence of <paramref name="time"/> (step s processes t = s, or time−1−s
    /// going backwards) for unit blocks [firstBlock, endBlock) of batch rows 0..batch−1: projection row (b, t) at
    /// projection[(b·time + t)·ProjectionWidth ..]; step s reads h from <paramref name="hA"/> when s is even (else
    /// <paramref name="hB"/>) and writes the other (so the initial h goes in hA and the final one is in hB when time is
    /// odd); h of step s also goes to sequenceOutput[(b·time + s)·Units ..] unless it is null. Blocks are independent
    /// within a step: any partition of them over threads gives the same bits. With <paramref name="sharing"/>, this
    /// side leads or helps another thread running the same steps (<see cref="StepLoop"/>). With
    /// <paramref name="stepwise"/> (no sharing), projection holds only the rows of the step about to run
    /// (batch × ProjectionWidth), which <paramref name="stepwise"/> writes there when told the step. With
    /// <paramref name="inputs"/> (batch-first, batch × time × <paramref name="inputSize"/>; not with a stepwise gate),
    /// projection holds one step's rows too, and each run of blocks first writes their columns of them
    /// (<see cref="StepColumns{T}"/>): a shared run must then split the blocks on a panel boundary
    /// (<see cref="FusedSequenceKernel.StepColumnsSplit{T}"/>).
    /// </summary>
    unsafe void Steps(int batch, int time, bool goBackwards, T* projection, T* hA, T* hB, T* sequenceOutput,
        int firstStep, int endStep, int firstBlock, int endBlock, StepSharing? sharing = null, IStepGate? stepwise = null,
        T* inputs = null, int inputSize = 0);
}

/// <summary>Helpers shared by the fused GRU and SimpleRNN sequence kernels.</summary>
internal static class FusedSequenceKernel
{
    /// <summary>True when the activation has a vectorised operator (every element-wise one but exact gelu).</summary>
    public static bool Supports(in Activation activation) => activation.IsElementwise && activation.Kind != ActivationKind.Gelu;

    /// <summary>
    /// The block nearest the middle whose first column starts a packed panel of the kernel (a GRU block is 3·L columns,
    /// a panel 4·L), where two threads that each project their own blocks' columns of a step can split the blocks; 0 when
    /// only the first block does.
    /// </summary>
    public static int StepColumnsSplit<T>(IFusedSequence<T> w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int columns = w.ProjectionWidth / w.Blocks, nr = w.Kernel.PanelWidth;
        int multiple = 1; // blocks from one panel boundary to the next
        while (multiple * columns % nr != 0) multiple++;
        int split = (int)Math.Round(w.Blocks / 2.0 / multiple) * multiple;
        return split > 0 && split < w.Blocks ? split : 0;
    }

    /// <summary>
    /// The whole sequence on this thread (all blocks); same buffers as <see cref="IFusedSequence{T}.Steps"/>
    /// with spans. Returns true when the final h is in <paramref name="hB"/>.
    /// </summary>
    public static unsafe bool Sequence<T>(IFusedSequence<T> w, int batch, int time, bool goBackwards, ReadOnlySpan<T> projection,
        Span<T> hA, Span<T> hB, Span<T> sequenceOutput) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int up = w.PaddedUnits;
        if (batch < 1 || time < 1 || hA.Length < batch * up || hB.Length < batch * up || projection.Length < (long)batch * time * w.ProjectionWidth
            || (!sequenceOutput.IsEmpty && sequenceOutput.Length < (long)batch * time * w.Units))
            throw new ArgumentException("recurrent sequence buffers are inconsistent with the packed weights.");
        fixed (T* p = projection)
        fixed (T* a = hA)
        fixed (T* b = hB)
        fixed (T* s = sequenceOutput)
            w.Steps(batch, time, goBackwards, p, a, b, sequenceOutput.IsEmpty ? null : s, 0, time, 0, w.Blocks);
        return time % 2 == 1;
    }
}
