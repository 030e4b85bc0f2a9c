using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KerasPort.Compute.Kernels;

/// <summary>One step of a fused single-state recurrent kernel over a range of unit blocks.</summary>
internal interface IStepBlocks<T> where T : unmanaged
{
    /// <summary>Step <paramref name="step"/> for blocks [first, end) (visited in descending order when asked): h from <paramref name="hPrev"/> into <paramref name="hNext"/>.</summary>
    void Run(int step, ref T hPrev, ref T hNext, int first, int end, bool descending);
}

/// <summary>
/// Two threads sharing the steps of a sequence through <see cref="PairPhases"/>: step s is phase
/// <see cref="PhaseOffset"/> + s, its item 0 the blocks [0, <see cref="Split"/>), item 1 the rest.
/// </summary>
/// <param name="Phases">The shared phases.</param>
/// <param name="Split">First block of item 1.</param>
/// <param name="Helper">This side is the helper (else the leader).</param>
/// <param name="PhaseOffset">Phase of step 0.</param>
/// <param name="HelperDidPrevious">The helper did item 1 of the phase before step 0.</param>
internal readonly record struct StepSharing(PairPhases Phases, int Split, bool Helper, int PhaseOffset, bool HelperDidPrevious);

/// <summary>The buffers and sizes of a fused sequence run (see <see cref="IFusedSequence{T}.Steps"/>).</summary>
internal ref struct StepRange<T> where T : unmanaged
{
    public ref T HA, HB, Sequence;
    public bool HasSequence;
    public int Units, PaddedUnits, Batch, Time, BlockWidth, FirstStep, EndStep, First, End;

    /// <summary>
    /// The range of an <see cref="IFusedSequence{T}.Steps"/> call on packed weights of <paramref name="units"/> units
    /// (<paramref name="paddedUnits"/> padded, in <paramref name="blocks"/> blocks of <paramref name="blockWidth"/>),
    /// after checking its steps, blocks and split point against them (<paramref name="layer"/> names the layer in the error).
    /// </summary>
    public static unsafe StepRange<T> Checked(string layer, int units, int paddedUnits, int blocks, int blockWidth, int batch, int time,
        T* hA, T* hB, T* sequenceOutput, int firstStep, int endStep, int firstBlock, int endBlock, StepSharing? sharing)
    {
        if (batch < 1 || time < 1 || firstStep < 0 || firstStep > endStep || endStep > time || firstBlock < 0 || firstBlock > endBlock || endBlock > blocks
            || (sharing is { } share && (share.Split < firstBlock || share.Split > endBlock)))
            throw new ArgumentException($"{layer} sequence arguments are inconsistent with the packed weights.");
        return new StepRange<T>
        {
            HA = ref *hA,
            HB = ref *hB,
            Sequence = ref sequenceOutput == null ? ref Unsafe.NullRef<T>() : ref *sequenceOutput,
            HasSequence = sequenceOutput != null,
            Units = units,
            PaddedUnits = paddedUnits,
            Batch = batch,
            Time = time,
            BlockWidth = blockWidth,
            FirstStep = firstStep,
            EndStep = endStep,
            First = firstBlock,
            End = endBlock,
        };
    }
}

/// <summary>
/// The step loop of the fused GRU and SimpleRNN kernels: h ping-pongs between two buffers by step parity, every other
/// step visits its blocks in reverse (starting on the panel the previous step left in L1), and each step's h of the
/// blocks run goes to the sequence output. Alone it runs blocks [First, End) of steps [FirstStep, EndStep); shared, as
/// the leader (blocks [First, Split), then the rest unless the helper claimed them) or the helper (the rest of the
/// steps it claims), without leaving the kernel between steps.
/// </summary>
internal static class StepLoop
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // straight to optimised code: a streamed step calls it a few times per predict
    public static void Run<T, TBlocks>(ref TBlocks blocks, StepRange<T> a, StepSharing? sharing)
        where T : unmanaged where TBlocks : IStepBlocks<T>, allows ref struct
    {
        if (sharing is not { } share)
        {
            for (int s = a.FirstStep; s < a.EndStep; s++) Step(ref blocks, a, s, a.First, a.End);
            return;
        }
        var phases = share.Phases;
        if (!share.Helper)
        {
            for (int s = a.FirstStep; s < a.EndStep; s++)
            {
                int phase = share.PhaseOffset + s;
                phases.Begin(phase);
                Step(ref blocks, a, s, a.First, share.Split);
                if (phases.LeaderTakes(phase)) Step(ref blocks, a, s, share.Split, a.End);
            }
            return;
        }
        bool did = share.HelperDidPrevious;
        for (int p = share.PhaseOffset + a.FirstStep; phases.HelperNext(ref p, did); p++)
        {
            Step(ref blocks, a, p - share.PhaseOffset, share.Split, a.End);
            phases.Done(p);
            did = true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<T, TBlocks>(ref TBlocks blocks, StepRange<T> a, int s, int first, int end)
        where T : unmanaged where TBlocks : IStepBlocks<T>, allows ref struct
    {
        ref T prev = ref s % 2 == 0 ? ref a.HA : ref a.HB;
        ref T next = ref s % 2 == 0 ? ref a.HB : ref a.HA;
        blocks.Run(s, ref prev, ref next, first, end, s % 2 == 1);
        int j0 = first * a.BlockWidth, j1 = Math.Min(end * a.BlockWidth, a.Units);
        if (!a.HasSequence || j1 <= j0) return;
        for (int b = 0; b < a.Batch; b++)
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref next, (nint)b * a.PaddedUnits + j0), j1 - j0)
                .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref a.Sequence, ((nint)b * a.Time + s) * a.Units + j0), j1 - j0));
    }
}
