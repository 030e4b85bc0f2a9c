using System.Numerics;

namespace KerasPort.Runtime;

/// <summary>One layer call of a plan: the runner and the slots it reads and writes.</summary>
internal sealed record PlanStep<T>(LayerRunner<T> Runner, int[] Inputs, int[] Outputs) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// A model compiled for one element type: model inputs are slots 0..n-1, each step reads and writes slots, and the model
/// outputs are read from <see cref="OutputSlots"/>. Frames (all buffers for one set of input shapes) are pooled, so
/// concurrent callers never share buffers and repeated calls with the same shapes allocate nothing.
/// </summary>
internal sealed class ExecutionPlan<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<Frame> _idle = [];
    private readonly object _gate = new();

    public ExecutionPlan(IReadOnlyList<PlanStep<T>> steps, int inputCount, int[] outputSlots, int slotCount)
    {
        Steps = steps;
        InputCount = inputCount;
        OutputSlots = outputSlots;
        SlotCount = slotCount;
        IsStateful = steps.Any(s => s.Runner.IsStateful);
        _feedsNext = new bool[steps.Count];
        for (int s = 0; s + 1 < steps.Count; s++)
            _feedsNext[s] = steps[s].Outputs.Length == 1 && steps[s + 1].Inputs.Length == 1 && steps[s + 1].Inputs[0] == steps[s].Outputs[0];
    }

    // step s has one output, which is the single input of step s + 1: the two may run together (LayerRunner.TryRunWithNext)
    private readonly bool[] _feedsNext;

    public IReadOnlyList<PlanStep<T>> Steps { get; }
    public int InputCount { get; }
    public int[] OutputSlots { get; }
    public int SlotCount { get; }
    public bool IsStateful { get; }

    /// <summary>States of stateful layers (shared by all frames; stateful models serialize their calls).</summary>
    public RunState<T> State { get; } = new();

    /// <summary>Takes an idle frame built for these input shapes, or builds one.</summary>
    public Frame Rent(ReadOnlySpan<int[]> inputShapes)
    {
        lock (_gate)
        {
            for (int i = _idle.Count - 1; i >= 0; i--)
            {
                if (_idle[i].Matches(inputShapes))
                {
                    var f = _idle[i];
                    _idle.RemoveAt(i);
                    return f;
                }
            }
        }
        // callers reuse their shape arrays: the frame keeps its own copies
        var copies = new int[inputShapes.Length][];
        for (int i = 0; i < copies.Length; i++) copies[i] = (int[])inputShapes[i].Clone();
        return new Frame(this, copies);
    }

    public void Return(Frame frame)
    {
        lock (_gate)
        {
            if (_idle.Count < 16) _idle.Add(frame);
        }
    }

    /// <summary>Runs every step on a frame whose input slots hold the inputs.</summary>
    public void Execute(Frame frame)
    {
        if (IsStateful)
        {
            lock (State) ExecuteSteps(frame);
        }
        else
        {
            ExecuteSteps(frame);
        }
    }

    /// <summary>Runs every step with the states of <paramref name="state"/> (a stream's own states; the caller serializes calls).</summary>
    public void Execute(Frame frame, RunState<T> state) => ExecuteSteps(frame, state);

    private void ExecuteSteps(Frame frame) => ExecuteSteps(frame, State);

    private void ExecuteSteps(Frame frame, RunState<T> state)
    {
        for (int s = 0; s < Steps.Count; s++)
        {
            var step = Steps[s];
            var ins = frame.StepInputs[s];
            var outs = frame.StepOutputs[s];
            try
            {
                if (_feedsNext[s] && step.Runner.TryRunWithNext(Steps[s + 1].Runner, ins[0], outs[0], frame.StepOutputs[s + 1][0]))
                {
                    PropagateMask(step, ins, outs);
                    s++;
                    PropagateMask(Steps[s], frame.StepInputs[s], frame.StepOutputs[s]);
                    continue;
                }
                step.Runner.Run(ins, outs, frame.Workspaces[s], state);
            }
            catch (OverflowException e)
            {
                // a working buffer's size (checked arithmetic in the kernels) passed the largest array .NET allocates
                throw new InvalidModelArgumentException(
                    $"layer '{step.Runner.Name}': inputs of shape {string.Join(" and ", ins.Select(i => $"({string.Join(", ", i.Shape)})"))} need a working buffer " +
                    "larger than the largest .NET array (2^31 − 1 elements); pass fewer rows or steps per call (KerasModel.CreateStream carries the states " +
                    "from one call to the next)", e);
            }
            PropagateMask(step, ins, outs);
        }
    }

    private static void PropagateMask(PlanStep<T> step, Slot<T>[] ins, Slot<T>[] outs)
    {
        if (step.Runner.PropagatesMask && ins.Length > 0 && ins[0].HasMask)
            foreach (var o in outs)
                if (o.HasMask) ins[0].Mask.CopyTo(o.Mask);
    }

    /// <summary>All buffers for one set of input shapes.</summary>
    internal sealed class Frame
    {
        public Frame(ExecutionPlan<T> plan, int[][] inputShapes)
        {
            InputShapes = inputShapes;
            Slots = new Slot<T>[plan.SlotCount];
            for (int i = 0; i < Slots.Length; i++) Slots[i] = new Slot<T>();
            for (int i = 0; i < plan.InputCount; i++) Slots[i].Resize(inputShapes[i]);
            var masked = new bool[plan.SlotCount];
            StepInputs = new Slot<T>[plan.Steps.Count][];
            StepOutputs = new Slot<T>[plan.Steps.Count][];
            Workspaces = new object?[plan.Steps.Count];
            for (int s = 0; s < plan.Steps.Count; s++)
            {
                var step = plan.Steps[s];
                var shapes = step.Inputs.Select(i => Slots[i].Shape).ToArray();
                var outShapes = step.Runner.OutputShapes(shapes);
                if (outShapes.Length != step.Outputs.Length)
                    throw new InvalidOperationException($"layer '{step.Runner.Name}' produced {outShapes.Length} outputs; the graph expects {step.Outputs.Length}");
                var inMasked = step.Inputs.Select(i => masked[i]).ToArray();
                for (int k = 0; k < step.Outputs.Length; k++)
                {
                    var slot = Slots[step.Outputs[k]];
                    slot.Resize(outShapes[k]);
                    bool m = step.Runner.OutputMasked(k, inMasked);
                    slot.SetMasked(m);
                    masked[step.Outputs[k]] = m;
                }
                StepInputs[s] = step.Inputs.Select(i => Slots[i]).ToArray();
                StepOutputs[s] = step.Outputs.Select(i => Slots[i]).ToArray();
                Workspaces[s] = step.Runner.CreateWorkspace(shapes);
            }
        }

        public int[][] InputShapes { get; }
        public Slot<T>[] Slots { get; }
        public Slot<T>[][] StepInputs { get; }
        public Slot<T>[][] StepOutputs { get; }
        public object?[] Workspaces { get; }

        public bool Matches(ReadOnlySpan<int[]> shapes)
        {
            if (shapes.Length != InputShapes.Length) return false;
            for (int i = 0; i < shapes.Length; i++)
                if (!shapes[i].AsSpan().SequenceEqual(InputShapes[i])) return false;
            return true;
        }
    }
}
