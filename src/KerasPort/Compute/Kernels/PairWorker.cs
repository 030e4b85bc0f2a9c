namespace KerasPort.Compute.Kernels;

/// <summary>Work split in two halves: part 0 runs on the caller, part 1 on <see cref="PairWorker"/>'s thread.</summary>
internal interface IPairJob
{
    /// <summary>Runs half <paramref name="part"/> (0 or 1).</summary>
    void Run(int part);
}

/// <summary>
/// One persistent background thread that takes the second half of large kernels (the machine this targets has two
/// cores). A caller that finds the worker busy (another thread's parallel section) runs both halves itself, so
/// concurrent callers are safe and never wait on each other. No allocation per call: the job is a reusable object.
/// The worker polls for the next job for <see cref="SpinMicroseconds"/> after each one (back-to-back kernels, such as
/// the layers of one prediction or consecutive predictions, then start without an operating-system wake-up), then blocks.
/// <see cref="RunLed"/> is for jobs whose first half can finish alone: it does not wait for a worker that has not started.
/// On Linux a worker found on the caller's processor when it is woken or its half taken over is moved off it
/// (<see cref="WorkerAffinity"/>).
/// </summary>
internal static class PairWorker
{
    private static readonly object s_gate = new();
    private static readonly SemaphoreSlim s_wake = new(0);
    private static IPairJob? s_job;
    private static long s_posted;          // jobs posted so far (the worker runs each once)
    private static int s_sleeping;         // 1 while the worker is (about to be) blocked on s_wake
    private static volatile int s_pending; // 1 while the worker owes part 1 of s_job
    private static int s_claim;            // part 1 of s_job: 0 posted, 1 taken by the worker, 2 withdrawn by the caller (RunLed)
    private static volatile Exception? s_error;
    private static Thread? s_thread;

    /// <summary>How long the idle worker polls for a new job before it blocks.</summary>
    internal static int SpinMicroseconds = 50;

    /// <summary>Whether a second core exists to run part 1 on.</summary>
    public static bool Available { get; } = Environment.ProcessorCount >= 2;

    /// <summary>
    /// Runs <c>job.Run(0)</c> here and <c>job.Run(1)</c> on the worker, returning when both are done; both halves
    /// run here, one after the other, when the worker is busy or unavailable (<paramref name="inParallel"/> tells the
    /// job which happened before it starts, through <see cref="IPairJob.Run"/>'s caller: it is false then). The halves
    /// must be independent of each other: when part 0 is done before the worker has taken part 1 (the worker's core
    /// busy with another thread, a slow wake-up), part 1 is withdrawn and run here too, instead of waiting for a worker
    /// that may not get its core for a scheduler time slice.
    /// </summary>
    public static void Run(IPairJob job, out bool inParallel)
    {
        inParallel = false;
        if (!Available || !Monitor.TryEnter(s_gate))
        {
            job.Run(-1);
            return;
        }
        try
        {
            EnsureThread();
            Post(job);
            inParallel = true;
            bool takeOver = false;
            try
            {
                job.Run(0);
            }
            finally
            {
                takeOver = TryWithdraw();
                if (!takeOver) CpuPause.Until(static () => s_pending == 0);
                s_job = null;
            }
            if (s_error is { } e) throw new AggregateException(e);
            if (takeOver) job.Run(1);
        }
        finally
        {
            Monitor.Exit(s_gate);
        }
    }

    /// <summary>
    /// Claims the next of <paramref name="count"/> chunks of a job whose parts share them out as they go (both parts may
    /// claim at once: each chunk goes to one); false when every chunk is taken.
    /// </summary>
    public static bool TryClaim(ref int next, int count, out int chunk)
    {
        chunk = Interlocked.Increment(ref next) - 1;
        return chunk < count;
    }

    /// <summary>
    /// From inside part 0 of a <see cref="Run"/> (or at its end, as <see cref="Run"/> and <see cref="RunLed"/> do):
    /// withdraws part 1 if the worker has not taken it yet, so the caller can do it itself (also a job whose parts meet
    /// before they end, where part 0 cannot simply finish first). True when withdrawn: the worker will not run it, and
    /// <see cref="Run"/> neither waits for it nor runs it again after part 0.
    /// </summary>
    public static bool TryWithdraw()
    {
        // the claim is read before it is written: in the usual case (taken long ago) that leaves its cache line shared
        // instead of pulling it from the worker, which writes next to it when it finishes
        if (s_pending == 0 || Volatile.Read(ref s_claim) != 0 || Interlocked.CompareExchange(ref s_claim, 2, 0) != 0) return false;
        s_pending = 0; // withdrawn: the worker will not touch it
        WorkerAffinity.AvoidCallersCpu(); // a worker stuck behind this thread on its processor is moved off it
        return true;
    }

    /// <summary>
    /// Like <see cref="Run"/> for a job whose part 0 completes the whole job by itself when part 1 never runs (part 1
    /// only helps, e.g. through <see cref="PairPhases"/>): when part 0 returns before the worker has taken part 1 (a
    /// busy machine, a slow wake-up), part 1 is withdrawn instead of waited for. Otherwise returns when both are done.
    /// Returns how long part 0's thread waited for part 1 to end after its own (<see cref="System.Diagnostics.Stopwatch"/>
    /// ticks; 0 for a wait too short to time, see <see cref="CpuPause.UntilTimed"/>).
    /// </summary>
    public static long RunLed(IPairJob job)
    {
        long waited = 0;
        if (!Available || !Monitor.TryEnter(s_gate))
        {
            job.Run(-1);
            return 0;
        }
        try
        {
            EnsureThread();
            Post(job);
            try
            {
                job.Run(0);
            }
            finally
            {
                if (!TryWithdraw()) waited = CpuPause.UntilTimed(static () => s_pending == 0);
                s_job = null;
            }
            if (s_error is { } e) throw new AggregateException(e);
        }
        finally
        {
            Monitor.Exit(s_gate);
        }
        return waited;
    }

    private static void Post(IPairJob job)
    {
        s_job = job;
        s_error = null;
        s_pending = 1;
        Volatile.Write(ref s_claim, 0); // after s_job and s_pending: the worker may take the job from here on
        Volatile.Write(ref s_posted, s_posted + 1);
        if (Interlocked.Exchange(ref s_sleeping, 0) == 1)
        {
            WorkerAffinity.AvoidCallersCpu(); // a sleeping worker would be woken on this thread's processor, where it last ran
            s_wake.Release();
        }
    }

    private static void EnsureThread()
    {
        if (s_thread is not null) return;
        s_thread = new Thread(Loop) { IsBackground = true, Name = "KerasPort pair worker" };
        s_thread.Start();
    }

    private static void Loop()
    {
        WorkerAffinity.RegisterWorker();
        long seen = 0;
        while (true)
        {
            long spinTicks = System.Diagnostics.Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            while (Volatile.Read(ref s_posted) == seen)
            {
                WorkerAffinity.Seen();
                if (System.Diagnostics.Stopwatch.GetTimestamp() - start < spinTicks)
                {
                    for (int i = 0; i < 16 && Volatile.Read(ref s_posted) == seen; i++) CpuPause.Once();
                    continue;
                }
                // announce the sleep, then look again (the poster sets s_posted before it reads s_sleeping; both sides
                // use full fences, so a job posted now is either seen here or wakes the semaphore)
                Interlocked.Exchange(ref s_sleeping, 1);
                if (Volatile.Read(ref s_posted) == seen) s_wake.Wait();
                Interlocked.Exchange(ref s_sleeping, 0);
                start = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            seen = Volatile.Read(ref s_posted);
            // a job withdrawn by RunLed (or already taken on an earlier look) is not run
            if (Interlocked.CompareExchange(ref s_claim, 1, 0) != 0) continue;
            try
            {
                s_job!.Run(1);
            }
            catch (Exception e)
            {
                s_error = e;
            }
            finally
            {
                s_pending = 0;
            }
        }
    }
}

/// <summary>Busy-wait helpers: the processor's spin-loop hint, then the runtime's escalating <see cref="SpinWait"/>.</summary>
internal static class CpuPause
{
    /// <summary>Pause hints (tens of nanoseconds each) before a waiter starts yielding its core.</summary>
    public const int PollsBeforeYield = 4000;

    /// <summary>One spin-loop hint (x86 PAUSE, Arm YIELD), or the runtime's shortest spin elsewhere.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void Once()
    {
        if (System.Runtime.Intrinsics.X86.X86Base.IsSupported) System.Runtime.Intrinsics.X86.X86Base.Pause();
        else if (System.Runtime.Intrinsics.Arm.ArmBase.IsSupported) System.Runtime.Intrinsics.Arm.ArmBase.Yield();
        else Thread.SpinWait(1);
    }

    /// <summary>
    /// Pause hints a timed wait polls before it reads the clock (a few microseconds: far below any stall worth reporting,
    /// and a clock read costs tens of nanoseconds, as much as a short kernel's hand-over).
    /// </summary>
    public const int UntimedPolls = 256;

    /// <summary>
    /// <see cref="Until"/>, returning how long it waited (<see cref="System.Diagnostics.Stopwatch"/> ticks) from its
    /// <see cref="UntimedPolls"/>-th poll on: 0 for a short wait, which reads no clock.
    /// </summary>
    public static long UntilTimed(Func<bool> done)
    {
        long start = 0;
        var poll = new Poller();
        while (!done())
        {
            if (poll.Polls + 1 == UntimedPolls) start = System.Diagnostics.Stopwatch.GetTimestamp();
            poll.Once();
        }
        return start == 0 ? 0 : System.Diagnostics.Stopwatch.GetTimestamp() - start;
    }

    /// <summary>Waits until <paramref name="done"/> returns true: pause hints first, then yielding.</summary>
    public static void Until(Func<bool> done)
    {
        var poll = new Poller();
        while (!done()) poll.Once();
    }

    /// <summary>One wait's polls: <see cref="PollsBeforeYield"/> pause hints, then the runtime's yielding spin.</summary>
    public struct Poller
    {
        private int _polls;
        private SpinWait _spin;

        /// <summary>Polls made so far.</summary>
        public readonly int Polls => _polls;

        /// <summary>Waits a little: a pause hint, or (after <see cref="PollsBeforeYield"/> of them) a yielding spin.</summary>
        public void Once()
        {
            if (_polls++ < PollsBeforeYield) CpuPause.Once();
            else _spin.SpinOnce(-1);
        }
    }
}
