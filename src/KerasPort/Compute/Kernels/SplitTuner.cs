using System.Diagnostics;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// Learns, for one call site (a layer's workspace), whether a kernel that meets the other thread during a sequence (after
/// every step, or every few steps as the one-row LSTM projection pipeline does) is faster on two threads than run the
/// other way (one thread, or a split that meets rarely). The static
/// thresholds say when a split can pay; whether it does depends on how long a cache line takes to travel between the two
/// cores, which the host decides: on the 2-vCPU VMs this was tuned on, the round trip between the vCPUs flips between
/// about 90 ns and about 400 ns for minutes at a time as the host moves them, and at 400 ns a per-step split of a small
/// layer runs slower than one thread. So each call is timed; the faster way (per time step, the fastest recent call, for
/// the current batch size) is used, and the other is re-timed now and then (every
/// <see cref="MinimumProbeInterval"/> to <see cref="MaximumProbeInterval"/> calls) so that a change of placement is
/// noticed. Both ways compute the same values (the split kernels are bit-identical to the serial ones), so only the time
/// depends on the choice. Not synchronised: a workspace serves one call at a time.
/// </summary>
internal sealed class SplitTuner
{
    /// <summary>Calls between two timings of the way not currently preferred, after a timing that changed the choice.</summary>
    public const int MinimumProbeInterval = 16;

    /// <summary>The longest interval: each timing that confirms the choice doubles it up to this.</summary>
    public const int MaximumProbeInterval = 256;

    /// <summary>Calls that alternate between the two ways before the estimates decide.</summary>
    public const int WarmupCalls = 8;

    /// <summary>
    /// Multiply-adds of h·U in one time step (all rows) from which a split is taken without timing it: such a step takes
    /// tens of microseconds on one thread against a hand-over of 0.1 to 1 µs, so the split always wins, while each
    /// re-timing would run two whole calls the slow way (W3 b64, LSTM(512) over 64 rows: two calls of 250–300 ms on one
    /// thread every 16 to 256 calls of 120–150 ms split, on an AVX2 Zen 3).
    /// </summary>
    public const long CertainStepWork = 1L << 20;

    /// <summary>Whether a split whose steps take <paramref name="stepWork"/> multiply-adds needs timing (<see cref="CertainStepWork"/>).</summary>
    public static bool Needed(long stepWork) => stepWork < CertainStepWork;

    private int _batch = -1;
    private double _split, _other; // ticks per step; 0: not timed yet
    private int _calls, _interval, _untilProbe;
    private bool _probing, _splitWasFaster;

    /// <summary>Whether the next call of <paramref name="batch"/> rows should split (call <see cref="Record"/> after it).</summary>
    public bool PreferSplit(int batch)
    {
        if (batch != _batch)
        {
            _batch = batch;
            _split = _other = 0;
            _calls = 0;
            _untilProbe = _interval = MinimumProbeInterval;
        }
        _probing = false;
        // the first calls alternate (the first ones of a process also run code the JIT has not optimised yet)
        if (_calls < WarmupCalls) return (++_calls & 1) == 1;
        bool splitFaster = _split <= _other;
        if (--_untilProbe > 0) return splitFaster;
        // a re-timing is two calls of the other way, and only the second counts: the first finds the caches (and, for a
        // split, the worker thread, which sleeps after 50 µs without work) cold
        _probing = _untilProbe < 0;
        _splitWasFaster = splitFaster;
        return !splitFaster;
    }

    /// <summary>A call of <paramref name="steps"/> time steps took <paramref name="ticks"/> (<see cref="Stopwatch"/> ticks), split or not.</summary>
    public void Record(bool split, int steps, long ticks)
    {
        if (_untilProbe == 0) return; // the first call of a re-timing
        double perStep = (double)ticks / Math.Max(1, steps);
        ref double estimate = ref split ? ref _split : ref _other;
        // a faster call is the estimate (calls are slowed down by many things, sped up by none; the first ones of a
        // process run unoptimised code); a slower one raises it by at most 3 %: an interrupt or a descheduling in the
        // middle of a microsecond call doubles its time, and a lasting slowdown (a 1.7 times slower split) still shows
        // within 20 calls
        if (estimate == 0 || perStep < estimate) estimate = perStep;
        else estimate = Math.Min(0.75 * estimate + 0.25 * perStep, 1.03 * estimate);
        if (_probing)
        {
            // a timing that confirms the choice makes the next one rarer; one that changes it makes them frequent again
            _probing = false;
            _interval = (_split <= _other) == _splitWasFaster ? Math.Min(2 * _interval, MaximumProbeInterval) : MinimumProbeInterval;
            _untilProbe = _interval;
        }
    }

    /// <summary>The current estimates (ticks per step; 0 when not timed yet), for tests.</summary>
    internal (double Split, double Other) Estimates => (_split, _other);
}
