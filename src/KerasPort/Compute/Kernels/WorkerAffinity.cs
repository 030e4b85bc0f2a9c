using System.Runtime.InteropServices;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// Keeps <see cref="PairWorker"/>'s thread off the caller's processor on Linux. A woken thread is placed on the
/// processor that woke it when the scheduler thinks it cache-hot, and a worker that sleeps between jobs is then woken
/// there again and again: measured on a 2-vCPU VM, W6 b256 ran for seconds with the worker last seen on the caller's
/// vCPU in 761 of 765 calls whose worker part the caller had to run itself (2.2 ms a call against 1.1 in parallel), the
/// other vCPU idle. When the caller has to take over the worker's part and finds the worker last ran on its own
/// processor, the worker's affinity is set to every processor the process may use but that one, which moves it at once.
/// Elsewhere (another OS, an affinity call refused) nothing is done.
/// </summary>
internal static partial class WorkerAffinity
{
    private const int MaskBytes = 128; // 1024 processors
    private static int s_tid;              // the worker's thread id (0: unknown)
    private static readonly byte[] s_allowed = new byte[MaskBytes]; // the processors the worker was started with
    private static volatile int s_lastCpu = -1; // the processor the worker last ran on
    private static int s_avoided = -1;     // the processor the worker's affinity now excludes

    /// <summary>Called on the worker's thread when it starts: its id and the processors it may use.</summary>
    public static unsafe void RegisterWorker()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            fixed (byte* mask = s_allowed)
                if (sched_getaffinity(0, MaskBytes, mask) == 0) Volatile.Write(ref s_tid, gettid()); // after the mask: readers check s_tid first
        }
        catch (Exception)
        {
            // no usable libc under that name (a musl system, a linker script): the worker's affinity is left alone; this
            // runs on the worker's thread, where an exception would end the process
            Volatile.Write(ref s_tid, 0);
        }
    }

    /// <summary>Called on the worker's thread while it runs or polls: where it is.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void Seen() => s_lastCpu = Thread.GetCurrentProcessorId();

    /// <summary>
    /// Called by a caller that takes over the worker's part: when the worker last ran on the caller's processor, moves
    /// it off. True when the affinity was changed.
    /// </summary>
    public static bool AvoidCallersCpu()
    {
        if (Volatile.Read(ref s_tid) == 0) return false;
        int cpu = Thread.GetCurrentProcessorId();
        if (cpu != s_lastCpu || cpu == s_avoided) return false;
        return Avoid(cpu);
    }

    /// <summary>Sets the worker's affinity to the processors it started with but <paramref name="cpu"/> (false when refused or when that leaves none).</summary>
    internal static unsafe bool Avoid(int cpu)
    {
        if (Volatile.Read(ref s_tid) == 0 || cpu < 0 || cpu >= MaskBytes * 8) return false;
        byte* mask = stackalloc byte[MaskBytes];
        s_allowed.CopyTo(new Span<byte>(mask, MaskBytes));
        mask[cpu / 8] &= (byte)~(1 << (cpu % 8));
        bool any = false;
        for (int i = 0; i < MaskBytes && !any; i++) any = mask[i] != 0;
        if (!any || sched_setaffinity(s_tid, MaskBytes, mask) != 0) return false;
        s_avoided = cpu;
        return true;
    }

    /// <summary>Gives the worker back every processor it started with (tests).</summary>
    internal static unsafe bool Restore()
    {
        if (Volatile.Read(ref s_tid) == 0) return false;
        fixed (byte* mask = s_allowed)
            if (sched_setaffinity(s_tid, MaskBytes, mask) != 0) return false;
        s_avoided = -1;
        return true;
    }

    /// <summary>Whether the worker thread is known (Linux, its id read) so that its affinity can be changed.</summary>
    internal static bool Known => Volatile.Read(ref s_tid) != 0;

    /// <summary>Whether the worker started with <paramref name="cpu"/> among its processors.</summary>
    internal static bool Allowed(int cpu) => cpu >= 0 && cpu < MaskBytes * 8 && (s_allowed[cpu / 8] & (1 << (cpu % 8))) != 0;

    /// <summary>Whether the worker's affinity excludes <paramref name="cpu"/> now (tests; false where unknown).</summary>
    internal static unsafe bool Excludes(int cpu)
    {
        if (s_tid == 0) return false;
        byte* mask = stackalloc byte[MaskBytes];
        new Span<byte>(mask, MaskBytes).Clear();
        return sched_getaffinity(s_tid, MaskBytes, mask) == 0 && (mask[cpu / 8] & (1 << (cpu % 8))) == 0;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int gettid();

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int sched_getaffinity(int pid, nint size, byte* mask);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int sched_setaffinity(int pid, nint size, byte* mask);
}
