namespace KerasPort.Model;

/// <summary>Helpers for Keras shapes held as <c>int?[]</c> (null = unknown dimension, index 0 = batch).</summary>
public static class Shapes
{
    /// <summary>Formats a shape the way Keras's summary does, e.g. <c>(None, 60, 64)</c>.</summary>
    public static string Format(IReadOnlyList<int?> shape) =>
        "(" + string.Join(", ", shape.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "None")) + (shape.Count == 1 ? ",)" : ")");

    /// <summary>Formats one or several output shapes (several as a Keras-style list).</summary>
    public static string Format(IReadOnlyList<int?[]> shapes) =>
        shapes.Count == 1 ? Format(shapes[0]) : "[" + string.Join(", ", shapes.Select(s => Format(s))) + "]";

    /// <summary>Formats a stored (fully known) shape.</summary>
    public static string Format(int[] shape) => Format(shape.Select(d => (int?)d).ToArray());

    internal static int?[] With(this int?[] shape, int axis, int? value)
    {
        var s = (int?[])shape.Clone();
        s[axis < 0 ? s.Length + axis : axis] = value;
        return s;
    }

    internal static int? Last(this int?[] shape) => shape.Length == 0 ? null : shape[^1];

    internal static long Elements(int[] shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }
}
