using PureHDF;

namespace KerasPort.Tests.Formats;

/// <summary>Small helpers to write Keras-shaped HDF5 files with PureHDF's writer (vlen strings, or fixed-length NULLTERM with a string length).</summary>
internal static class H5Write
{
    public static H5Dataset F32(int[] shape, params float[] values) =>
        new(values, fileDims: shape.Select(d => (ulong)d).ToArray());

    public static H5Dataset F64(int[] shape, params double[] values) =>
        new(values, fileDims: shape.Select(d => (ulong)d).ToArray());

    /// <summary>Values 1, 2, … n scaled by <paramref name="scale"/>, reshaped to <paramref name="shape"/>.</summary>
    public static float[] Seq(int n, float scale, float offset = 0) => Enumerable.Range(1, n).Select(i => i * scale + offset).ToArray();

    /// <summary>Adds <paramref name="dataset"/> at a slash-separated <paramref name="path"/> below <paramref name="group"/>, creating groups on the way.</summary>
    public static void Put(H5Group group, string path, object dataset)
    {
        var parts = path.Split('/');
        for (int i = 0; i < parts.Length - 1; i++)
        {
            if (!group.TryGetValue(parts[i], out var next))
            {
                next = new H5Group();
                group[parts[i]] = next;
            }
            group = (H5Group)next;
        }
        group[parts[^1]] = dataset;
    }

    /// <summary>A layer group whose <c>weight_names</c> lists <paramref name="weights"/> (name → dataset) in the given order.</summary>
    public static H5Group Layer(params (string Name, H5Dataset Data)[] weights)
    {
        var g = new H5Group
        {
            Attributes = new()
            {
                ["weight_names"] = weights.Length == 0 ? new double[0] : (object)weights.Select(w => w.Name).ToArray(),
            },
        };
        foreach (var (name, data) in weights) Put(g, name, data);
        return g;
    }

    public static string Save(this H5File file, TempFiles tmp, string name, int fixedStringLength = 0)
    {
        var path = tmp.PathOf(name);
        if (fixedStringLength > 0) file.Write(path, new H5WriteOptions(DefaultStringLength: fixedStringLength));
        else file.Write(path);
        return path;
    }
}
