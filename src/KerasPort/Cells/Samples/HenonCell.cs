using System.Numerics;

namespace KerasPort.Cells.Samples;

/// <summary>
/// The Hénon map as a weightless recurrent cell: (x, y) → (1 − a·x² + y, b·x). One state of width 2, (x, y); the output
/// is the new state; inputs are ignored (any input width). Config: <c>a</c> (default 1.4), <c>b</c> (default 0.3).
/// Run in float64 it reproduces the map's double arithmetic bit for bit; over dual numbers it yields the map's Jacobian
/// [[−2a·x, 1], [b, 0]] exactly, which is what Lyapunov exponents are computed from.
/// </summary>
public sealed class HenonCell : CustomCell
{
    /// <summary>The Keras class name this sample registers under.</summary>
    public const string KerasClassName = "HenonCell";

    private static readonly int[] Sizes = [2];

    /// <summary>A Hénon map with parameters <paramref name="a"/> and <paramref name="b"/>.</summary>
    public HenonCell(double a = 1.4, double b = 0.3)
    {
        A = a;
        B = b;
    }

    /// <summary>Builds the cell from its Keras config (<c>a</c>, <c>b</c>).</summary>
    public HenonCell(CustomCellContext context) : this(context.GetDouble("a", 1.4), context.GetDouble("b", 0.3))
    {
    }

    /// <summary>Registers <see cref="KerasClassName"/> in <paramref name="registry"/> (the global one when null).</summary>
    public static void Register(CustomCellRegistry? registry = null) =>
        (registry ?? CustomCellRegistry.Global).Register(KerasClassName, context => new HenonCell(context));

    /// <summary>The parameter a.</summary>
    public double A { get; }

    /// <summary>The parameter b.</summary>
    public double B { get; }

    /// <inheritdoc />
    public override IReadOnlyList<int> StateSizes => Sizes;

    /// <inheritdoc />
    public override int OutputSize => 2;

    /// <inheritdoc />
    public override void Step<T>(int batch, ReadOnlySpan<T> inputs, ReadOnlyCellStates<T> states, CellStates<T> newStates, Span<T> output, Span<T> scratch)
    {
        T a = T.CreateTruncating(A), b = T.CreateTruncating(B);
        for (int r = 0; r < batch; r++)
        {
            var s = states.Row(0, r);
            T x = s[0], y = s[1];
            T nx = T.One - a * x * x + y;
            T ny = b * x;
            var next = newStates.Row(0, r);
            next[0] = nx;
            next[1] = ny;
            output[2 * r] = nx;
            output[2 * r + 1] = ny;
        }
    }
}
