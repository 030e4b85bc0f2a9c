using System.Numerics;
using KerasPort.Cells;
using KerasPort.Compute.Recurrent;

namespace KerasPort.Compute.Jacobians;

/// <summary>
/// Rebuilds a cell over dual numbers: the same cell class with the same weights (zero tangents) and activations, so
/// running it on inputs/states that carry a unit tangent yields one exact Jacobian column per direction.
/// </summary>
internal static class DualLift
{
    public static IRecurrentCell<Dual<T>> Lift<T>(IRecurrentCell<T> cell) where T : unmanaged, IFloatingPointIeee754<T> => cell switch
    {
        LstmCell<T> c => new LstmCell<Dual<T>>(c.InputSize, c.Units, ToDual(c.Kernel), ToDual(c.RecurrentKernel), ToDual(c.Bias),
            c.Activation, c.RecurrentActivation),
        GruCell<T> c => new GruCell<Dual<T>>(c.InputSize, c.Units, ToDual(c.Kernel), ToDual(c.RecurrentKernel), ToDual(c.InputBias),
            ToDual(c.RecurrentBias), c.ResetAfter, c.Activation, c.RecurrentActivation),
        SimpleRnnCell<T> c => new SimpleRnnCell<Dual<T>>(c.InputSize, c.Units, ToDual(c.Kernel), ToDual(c.RecurrentKernel), ToDual(c.Bias), c.Activation),
        StackedCells<T> c => new StackedCells<Dual<T>>([.. c.Cells.Select(Lift)]),
        CustomCellAdapter<T> c => c.As<Dual<T>>(),
        _ => throw new NotSupportedException($"no Jacobian is available for cells of type {cell.GetType().Name}"),
    };

    private static Dual<T>[] ToDual<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new Dual<T>[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = new Dual<T>(values[i]);
        return result;
    }
}
