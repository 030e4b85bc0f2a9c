using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// The input projection of one time step computed by the run of blocks that reads it: x·W + b of the batch's rows at
/// step t (batch-first inputs) for the panels of the packed kernel under a range of columns, into a buffer of one step's
/// rows (batch × kernel.Columns). Two threads that split a step's blocks on a panel boundary each project their own
/// columns, so neither reads what the other writes. A product of two rows or more with inputs of one k-block sums every
/// row exactly as a product over all rows and steps does (<see cref="Gemm"/>), so the values are the whole-sequence
/// projection's. Inactive (default) when the projection of the whole sequence is computed beforehand.
/// </summary>
internal ref struct StepColumns<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private PackedMatrix<T>? _kernel;
    private T[] _bias;
    private ref T _inputs;
    private int _inputSize, _batch, _time;

    /// <summary>Whether each run of blocks projects its columns first.</summary>
    public readonly bool Active => _kernel is not null;

    /// <summary>
    /// Projection from <paramref name="inputs"/> (<paramref name="batch"/> × <paramref name="time"/> × kernel.Rows) with
    /// <paramref name="kernel"/> and <paramref name="bias"/>; <paramref name="layer"/> names the layer in the error.
    /// </summary>
    public static unsafe StepColumns<T> Create(PackedMatrix<T> kernel, T[] bias, T* inputs, int inputSize, int batch, int time, string layer)
    {
        if (batch < 2 || inputSize != kernel.Rows || inputSize > GemmLayout.KC || bias.Length < kernel.Columns)
            throw new ArgumentException($"a step-by-step {layer} projection needs two rows or more, inputs of one k-block and the kernel's bias.");
        return new StepColumns<T> { _kernel = kernel, _bias = bias, _inputs = ref *inputs, _inputSize = inputSize, _batch = batch, _time = time };
    }

    /// <summary>
    /// Writes step <paramref name="t"/>'s projection for columns [firstColumn, endColumn) into
    /// <paramref name="projection"/> (the panels under them: both ends on panel boundaries, or the end at the last column).
    /// </summary>
    public readonly void Project(int t, ref T projection, int firstColumn, int endColumn)
    {
        var kernel = _kernel!;
        int nr = kernel.PanelWidth, pw = kernel.Columns, k = _inputSize;
        if (firstColumn % nr != 0 || (endColumn % nr != 0 && endColumn != pw))
            throw new InvalidOperationException($"columns [{firstColumn}, {endColumn}) of a step's projection do not fall on panels of {nr}.");
        var x = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref _inputs, (nint)t * k), ((_batch - 1) * _time + 1) * k);
        Gemm.MultiplyPanels(_batch, x, _time * k, kernel, firstColumn / nr, (endColumn + nr - 1) / nr, MemoryMarshal.CreateSpan(ref projection, _batch * pw), pw, _bias);
    }
}
