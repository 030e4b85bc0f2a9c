using System.Numerics;

namespace KerasPort.Runtime;

/// <summary>
/// Runs one Keras layer call: infers concrete output shapes from input shapes, then computes outputs from inputs.
/// A runner is immutable and shared by every thread; per-call buffers live in the workspace it creates for a frame.
/// </summary>
internal abstract class LayerRunner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected LayerRunner(string name, string className)
    {
        Name = name;
        ClassName = className;
    }

    /// <summary>The Keras layer name.</summary>
    public string Name { get; }

    /// <summary>The Keras class name.</summary>
    public string ClassName { get; }

    /// <summary>Concrete output shapes (batch first) for concrete input shapes; throws ShapeMismatchException on bad input.</summary>
    public abstract int[][] OutputShapes(int[][] inputShapes);

    /// <summary>Per-frame scratch (RNN workspaces, ...), created once per input shape; null when none is needed.</summary>
    public virtual object? CreateWorkspace(int[][] inputShapes) => null;

    /// <summary>
    /// True for layers that pass their first input's mask on unchanged (Keras supports_masking without compute_mask):
    /// Dense, Activation, Dropout family, normalization... The executor copies the mask after <see cref="Run"/>.
    /// </summary>
    public virtual bool PropagatesMask => false;

    /// <summary>
    /// Whether output <paramref name="output"/> carries a mask, given which inputs carry one. Layers that create or
    /// transform masks override this and fill the output masks in <see cref="Run"/>; layers that drop masks return false.
    /// </summary>
    public virtual bool OutputMasked(int output, bool[] inputMasked) => PropagatesMask && inputMasked.Length > 0 && inputMasked[0];

    /// <summary>Computes the outputs. Output slots are already sized; masks flagged by <see cref="OutputMasked"/> must be filled.</summary>
    public abstract void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state);

    /// <summary>
    /// Runs this layer and <paramref name="next"/>, the plan's next step, which reads this layer's single output as its
    /// single input, together when the two layers know a faster way than one after the other (two Dense layers split over
    /// both cores meet once instead of twice). False, having run nothing, otherwise (the default). Neither layer may have
    /// a workspace or use the run state when it returns true.
    /// </summary>
    public virtual bool TryRunWithNext(LayerRunner<T> next, Slot<T> input, Slot<T> output, Slot<T> nextOutput) => false;

    /// <summary>True for stateful layers, whose states persist across calls in <see cref="RunState{T}"/>.</summary>
    public virtual bool IsStateful => false;

    /// <summary>Helper: "(2, 3, 4)".</summary>
    protected static string ShapeText(int[] shape) => "(" + string.Join(", ", shape) + ")";
}

/// <summary>State that outlives one call: stateful RNN states per layer, keyed by layer name.</summary>
internal sealed class RunState<T> where T : unmanaged
{
    private readonly Dictionary<string, T[]> _states = new(StringComparer.Ordinal);

    /// <summary>The persisted states of a stateful layer for the given batch size (zeros when new or the batch size changed).</summary>
    public T[] Get(string layer, int length)
    {
        if (!_states.TryGetValue(layer, out var s) || s.Length != length)
        {
            s = new T[length];
            _states[layer] = s;
        }
        return s;
    }

    /// <summary>Zeros every stored state (Keras <c>reset_states()</c>).</summary>
    public void Reset()
    {
        foreach (var s in _states.Values) Array.Clear(s);
    }

    public bool TryGet(string layer, out T[] state) => _states.TryGetValue(layer, out state!);
}
