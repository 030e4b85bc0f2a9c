using System.Diagnostics;
using System.Runtime.InteropServices;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// Phases of work, each of two items, shared by a leader (the caller, <see cref="PairWorker"/>'s part 0) and a helper
/// (part 1) without ever depending on a helper that is not running. Phase p's inputs are the results of phase p − 1.
/// The leader always does item 0; item 1 goes to whoever claims it first: the helper claims phase p as soon as it has
/// finished p − 1 (then waits for the leader's item 0 of p − 1, like a barrier), and the leader, after its item 0,
/// takes item 1 itself when the helper has not claimed it (absent, descheduled, late to start, fallen behind: its later
/// claims are refused and it catches up with the current phase). So the leader waits only for an item the helper has
/// claimed (and is about to compute or computing), and results do not depend on who did what as long as the items do
/// not. The counters the two sides write
/// sit on separate cache lines, so a phase costs one cache-line hand-over each way, as a barrier does.
/// </summary>
internal sealed class PairPhases
{
    /// <summary>How long the leader looks for the helper's result before checking whether it was claimed (spins), by default.</summary>
    public const int DefaultGraceSpins = 50;

    private readonly int _graceSpins;

    private Lines _lines;
    private int _count;
    private bool _helperActive; // leader: the helper did the previous phase's item 1
    private long _longestWait;

    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct Lines
    {
        [FieldOffset(64)] public int Phase;     // leader: the phase whose inputs are complete
        [FieldOffset(68)] public int Led;       // leader: the last phase whose item 0 is done
        [FieldOffset(72)] public int Finished;  // leader: 1 when it will start no more phases
        [FieldOffset(128)] public int Done;     // helper: the last phase whose item 1 it finished
        [FieldOffset(132)] public int Failed;   // helper: 1 when its item threw
        [FieldOffset(192)] public int Claimed;  // both: the last phase whose item 1 is claimed
    }

    /// <summary>
    /// Phases whose leader, while the helper keeps up, looks for the helper's result for <paramref name="graceSpins"/>
    /// pause hints before it checks the claim (a check takes the claim's cache line from the helper, which then pays a
    /// hand-over on its next claim: short phases that the helper often finishes a little after the leader want a longer grace).
    /// </summary>
    public PairPhases(int graceSpins = DefaultGraceSpins) => _graceSpins = graceSpins;

    /// <summary>Resets for a run of <paramref name="count"/> phases (before the helper can see it).</summary>
    public void Reset(int count)
    {
        _count = count;
        _lines.Phase = _lines.Led = _lines.Done = _lines.Claimed = -1;
        _lines.Finished = _lines.Failed = 0;
        _helperActive = false;
        _longestWait = 0;
        Interlocked.MemoryBarrier();
    }

    /// <summary>Leader: the longest wait for a helper's item in this run (<see cref="Stopwatch"/> ticks; waits shorter than <see cref="CpuPause.UntimedPolls"/> polls count as 0).</summary>
    public long LongestWait => _longestWait;

    /// <summary>Phases in this run.</summary>
    public int Count => _count;

    /// <summary>Leader: phase <paramref name="phase"/> (0, 1, 2, … in order) has its inputs.</summary>
    public void Begin(int phase) => Volatile.Write(ref _lines.Phase, phase);

    /// <summary>
    /// Leader, after item 0 of <paramref name="phase"/>: true when the leader must do item 1 itself (the helper had not
    /// claimed it); false once the helper has done it. While the helper keeps up, the leader first looks for its result
    /// for a few spins, leaving the claim's cache line to the helper.
    /// </summary>
    public bool LeaderTakes(int phase)
    {
        Volatile.Write(ref _lines.Led, phase);
        if (_helperActive)
        {
            for (int i = 0; i < _graceSpins; i++)
            {
                if (Volatile.Read(ref _lines.Done) >= phase) return false;
                CpuPause.Once();
            }
        }
        if (Volatile.Read(ref _lines.Done) >= phase)
        {
            _helperActive = true;
            return false;
        }
        if (Interlocked.CompareExchange(ref _lines.Claimed, phase, phase - 1) == phase - 1)
        {
            _helperActive = false;
            return true;
        }
        // the clock is read only once the wait outlasts CpuPause.UntimedPolls (the usual wait, for a claimed item about to
        // be finished, reads none)
        long start = 0;
        int polls = 0;
        var wait = new CpuPause.Poller();
        while (Volatile.Read(ref _lines.Done) < phase)
        {
            if (Volatile.Read(ref _lines.Failed) != 0) throw new OperationCanceledException("the other half of a parallel kernel failed.");
            if (++polls == CpuPause.UntimedPolls) start = Stopwatch.GetTimestamp();
            wait.Once();
        }
        if (start != 0) _longestWait = Math.Max(_longestWait, Stopwatch.GetTimestamp() - start);
        _helperActive = true;
        return false;
    }

    /// <summary>Leader: no more phases (also after a failure, so the helper stops waiting).</summary>
    public void Finish() => Volatile.Write(ref _lines.Finished, 1);

    /// <summary>
    /// Helper: the next phase whose item 1 it should do, from <paramref name="phase"/> on (its previous one + 1), with
    /// the phase's inputs complete when it returns; <paramref name="didPrevious"/> says whether the helper did item 1
    /// of phase − 1 itself. False when there is none (the leader finished, or every phase is done).
    /// </summary>
    public bool HelperNext(ref int phase, bool didPrevious)
    {
        var spin = new CpuPause.Poller();
        while (phase < _count)
        {
            if (Interlocked.CompareExchange(ref _lines.Claimed, phase, phase - 1) == phase - 1)
            {
                // claimed: wait for the inputs (the leader's item 0 of phase − 1, or the whole of it when not ours)
                while (didPrevious ? Volatile.Read(ref _lines.Led) < phase - 1 : Volatile.Read(ref _lines.Phase) < phase)
                {
                    if (Volatile.Read(ref _lines.Finished) != 0) return false;
                    spin.Once();
                }
                return true;
            }
            // refused: the leader took it (or is past it); catch up with the phase the leader is on
            while (Volatile.Read(ref _lines.Phase) <= phase)
            {
                if (Volatile.Read(ref _lines.Finished) != 0) return false;
                spin.Once();
            }
            if (Volatile.Read(ref _lines.Finished) != 0) return false;
            phase = Volatile.Read(ref _lines.Phase);
            didPrevious = false;
        }
        return false;
    }

    /// <summary>Helper: claims item 1 of phase 0 (whose inputs exist from the start); false when the leader took it.</summary>
    public bool HelperClaimsFirst() => Interlocked.CompareExchange(ref _lines.Claimed, 0, -1) == -1;

    /// <summary>Helper: item 1 of <paramref name="phase"/>, which it claimed, is complete.</summary>
    public void Done(int phase) => Volatile.Write(ref _lines.Done, phase);

    /// <summary>Helper: its item threw; the leader stops waiting for it.</summary>
    public void Fail() => Volatile.Write(ref _lines.Failed, 1);

}

/// <summary>
/// Process-wide back-off for two-thread kernels led through <see cref="PairPhases"/>. A led run whose leader waited far
/// longer than an item takes had its helper descheduled in the middle of one. An isolated stall (a kernel thread taking
/// the core for a moment, every few tens of milliseconds even on an idle machine) is only remembered; a second one within
/// <see cref="Window"/> means the cores are contended, and the next runs are single-threaded for a while: 10 ms at first,
/// doubling while the probes keep stalling (up to 1 s), back to 10 ms after a clean run.
/// </summary>
internal static class PairContention
{
    private static readonly long Window = Stopwatch.Frequency / 50, InitialBackoff = Stopwatch.Frequency / 100, MaximumBackoff = Stopwatch.Frequency;
    private static long s_until, s_lastStall = long.MinValue / 2, s_backoff = InitialBackoff;

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
        long now = Stopwatch.GetTimestamp(), last = Volatile.Read(ref s_lastStall);
        Volatile.Write(ref s_lastStall, now);
        if (now - last > Window) return;
        long backoff = Volatile.Read(ref s_backoff);
        Volatile.Write(ref s_until, now + backoff);
        Volatile.Write(ref s_backoff, Math.Min(2 * backoff, MaximumBackoff));
    }
}
