using System.Diagnostics;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// Phases of work, each of two items, shared by a leader (the caller, <see cref="PairWorker"/>'s part 0) and a helper
/// (part 1) without ever waiting for a helper that is not running. Phase p's inputs are complete when the leader
/// publishes it (<see cref="Begin"/>); the leader does item 0, then item 1 too unless the helper has claimed it
/// (<see cref="TryClaim"/>: whoever claims first does it; a helper that fell behind finds its claim refused), and
/// waits only for an item the helper claimed and is computing. So a helper that is descheduled (a busy machine), or
/// starts late, costs the leader at most one item, never a whole time slice per phase as a barrier would, and the
/// result does not depend on who did what as long as the items do not. Counters only grow within a run.
/// </summary>
internal sealed class PairPhases
{
    private int _phase, _claimed, _done, _finished, _failed;

    /// <summary>Resets for a new run (before the helper can see it).</summary>
    public void Reset()
    {
        _phase = _claimed = _done = -1;
        _finished = _failed = 0;
    }

    /// <summary>Leader: phase <paramref name="phase"/> (0, 1, 2, … in order) may start.</summary>
    public void Begin(int phase) => Volatile.Write(ref _phase, phase);

    /// <summary>Either side: claims item 1 of <paramref name="phase"/>; false when the other side has it or the phase is past.</summary>
    public bool TryClaim(int phase) => Interlocked.CompareExchange(ref _claimed, phase, phase - 1) == phase - 1;

    /// <summary>
    /// Leader: waits until the helper has finished item 1 of <paramref name="phase"/>, which it claimed; returns the
    /// <see cref="Stopwatch"/> ticks it waited (0 when the item was already done).
    /// </summary>
    public long WaitDone(int phase)
    {
        if (Volatile.Read(ref _done) >= phase) return 0;
        long start = Stopwatch.GetTimestamp();
        var spin = new SpinWait();
        while (Volatile.Read(ref _done) < phase && Volatile.Read(ref _failed) == 0) spin.SpinOnce(-1);
        if (Volatile.Read(ref _failed) != 0) throw new OperationCanceledException("the other half of a parallel kernel failed.");
        return Stopwatch.GetTimestamp() - start;
    }

    /// <summary>Leader: no more phases (also after a failure, so the helper stops waiting).</summary>
    public void Finish() => Volatile.Write(ref _finished, 1);

    /// <summary>
    /// Helper: waits for a phase ≥ <paramref name="phase"/> and moves <paramref name="phase"/> to the current one;
    /// false when the leader has finished.
    /// </summary>
    public bool Next(ref int phase)
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref _phase) < phase)
        {
            if (Volatile.Read(ref _finished) != 0) return false;
            spin.SpinOnce(-1);
        }
        if (Volatile.Read(ref _finished) != 0) return false;
        phase = Volatile.Read(ref _phase);
        return true;
    }

    /// <summary>Helper: item 1 of <paramref name="phase"/>, which it claimed, is complete.</summary>
    public void Done(int phase) => Volatile.Write(ref _done, phase);

    /// <summary>Helper: its item threw; the leader stops waiting for it.</summary>
    public void Fail() => Volatile.Write(ref _failed, 1);
}

/// <summary>
/// Process-wide back-off for two-thread kernels led through <see cref="PairPhases"/>: a run whose leader waited far
/// longer than an item takes (the helper was descheduled in the middle of one: another process has the core) makes
/// the next runs single-threaded for a while, 10 ms at first, doubling while the probes keep stalling (up to 1 s), back
/// to normal after a clean run. On an idle machine it never triggers.
/// </summary>
internal static class PairContention
{
    private static readonly long InitialBackoff = Stopwatch.Frequency / 100, MaximumBackoff = Stopwatch.Frequency;
    private static long s_until, s_backoff = InitialBackoff;

    /// <summary>Whether two-thread runs are currently avoided.</summary>
    public static bool BackingOff => Stopwatch.GetTimestamp() < Volatile.Read(ref s_until);

    /// <summary>Reports a led run's longest wait and the stall limit for it (both in <see cref="Stopwatch"/> ticks).</summary>
    public static void Report(long longestWait, long limit)
    {
        if (longestWait <= limit)
        {
            Volatile.Write(ref s_backoff, InitialBackoff);
            return;
        }
        long backoff = Volatile.Read(ref s_backoff);
        Volatile.Write(ref s_until, Stopwatch.GetTimestamp() + backoff);
        Volatile.Write(ref s_backoff, Math.Min(2 * backoff, MaximumBackoff));
    }
}
