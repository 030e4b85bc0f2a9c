using KerasPort.Model;
using PureHDF;
using PureHDF.VOL.Native;

namespace KerasPort.Formats.Hdf5;

/// <summary>
/// An open HDF5 image (a file on disk or an archive entry in memory) with the typed reading helpers every Keras layout needs.
/// Every failure inside PureHDF is reported as a <see cref="CorruptModelFileException"/> that names the file and what was being read.
/// </summary>
internal sealed class Hdf5Image : IDisposable
{
    private readonly NativeFile _file;

    private Hdf5Image(string displayName, NativeFile file, long length)
    {
        DisplayName = displayName;
        _file = file;
        Length = length;
    }

    /// <summary>How the file is named in messages: the path as the caller gave it, plus the archive entry when there is one.</summary>
    public string DisplayName { get; }

    /// <summary>The size of the image in bytes.</summary>
    public long Length { get; }

    /// <summary>The root group.</summary>
    public IH5Group Root => _file;

    /// <summary>Opens an HDF5 file from disk (the caller has already checked that it exists and starts with the HDF5 signature).</summary>
    public static Hdf5Image OpenFile(string path)
    {
        FileStream fs;
        try
        {
            fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelIOException($"{path}: cannot open the file: {e.Message}", e);
        }
        return Open(path, fs);
    }

    /// <summary>Opens an HDF5 image held in memory (e.g. <c>model.weights.h5</c> inside a <c>.keras</c> archive).</summary>
    public static Hdf5Image OpenBytes(string displayName, byte[] bytes) => Open(displayName, new MemoryStream(bytes, writable: false));

    private static Hdf5Image Open(string displayName, Stream stream)
    {
        var guarded = new GuardedStream(stream, GuardedStream.DefaultBudget(stream.Length));
        try
        {
            var file = H5File.Open(guarded, leaveOpen: false);
            return new Hdf5Image(displayName, file, guarded.Length);
        }
        catch (Exception e) when (e is not KerasPortException)
        {
            guarded.Dispose();
            throw Corrupt(displayName, "opening the HDF5 superblock and root group", e);
        }
    }

    public void Dispose() => _file.Dispose();

    /// <summary>Runs <paramref name="action"/>, turning any non-KerasPort exception into a <see cref="CorruptModelFileException"/> about <paramref name="what"/>.</summary>
    public T Guard<T>(string what, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is not KerasPortException)
        {
            throw Corrupt(DisplayName, what, e);
        }
    }

    /// <summary>A corrupt-file error naming the file and the failed step.</summary>
    public CorruptModelFileException Corrupt(string what, Exception? inner = null) => Corrupt(DisplayName, what, inner);

    private static CorruptModelFileException Corrupt(string file, string what, Exception? inner)
    {
        string detail = inner is null ? "" : $": {inner.GetType().Name}: {inner.Message}";
        return new CorruptModelFileException($"{file}: the HDF5 structure is broken or truncated while {what}{detail}", inner);
    }

    /// <summary>Whether <paramref name="obj"/> has an attribute <paramref name="name"/>.</summary>
    public bool HasAttribute(IH5Object obj, string location, string name) => Guard($"looking for attribute '{name}' of {location}", () => obj.AttributeExists(name));

    /// <summary>The names of all attributes of <paramref name="obj"/>.</summary>
    public IReadOnlyList<string> AttributeNames(IH5Object obj, string location) =>
        Guard($"listing the attributes of {location}", () => obj.Attributes().Select(a => a.Name).ToList());

    /// <summary>Reads a scalar (or one-element) string attribute; null when the attribute does not exist.</summary>
    public string? ReadStringAttribute(IH5Object obj, string location, string name)
    {
        if (!HasAttribute(obj, location, name)) return null;
        string where = $"reading attribute '{name}' of {location}";
        return Guard(where, () =>
        {
            var attr = obj.Attribute(name);
            if (!IsString(attr.Type))
                throw Corrupt($"{where}: expected a string, found {attr.Type.Class} of {attr.Type.Size} bytes");
            var dims = attr.Space.Dimensions;
            if (dims.Length == 0) return TrimNul(attr.Read<string>());
            var all = attr.Read<string[]>();
            if (all.Length != 1)
                throw Corrupt($"{where}: expected one string, found an array of {all.Length}");
            return TrimNul(all[0]);
        });
    }

    /// <summary>
    /// Reads a list of names stored the way Keras's <c>save_attributes_to_hdf5_group</c> writes it: one attribute <paramref name="name"/>,
    /// or chunks <c>name0</c>, <c>name1</c>, … concatenated in order; an empty numeric array means an empty list.
    /// Returns null when neither the attribute nor its first chunk exists.
    /// </summary>
    public IReadOnlyList<string>? ReadNameList(IH5Object obj, string location, string name)
    {
        if (HasAttribute(obj, location, name)) return ReadNames(obj, location, name);
        if (!HasAttribute(obj, location, name + "0")) return null;
        var all = new List<string>();
        for (int chunk = 0; HasAttribute(obj, location, name + chunk); chunk++)
            all.AddRange(ReadNames(obj, location, name + chunk));
        return all;
    }

    private string[] ReadNames(IH5Object obj, string location, string attrName)
    {
        string where = $"reading attribute '{attrName}' of {location}";
        return Guard(where, () =>
        {
            var attr = obj.Attribute(attrName);
            var type = attr.Type;
            ulong count = ElementCount(attr.Space);
            if (type.Class is H5DataTypeClass.FloatingPoint or H5DataTypeClass.FixedPoint)
            {
                // Keras writes np.array([]) (float64, shape (0,)) for a layer without weights.
                if (count == 0) return [];
                throw Corrupt($"{where}: expected strings, found {count} numbers");
            }
            if (!IsString(type))
                throw Corrupt($"{where}: expected strings, found {type.Class}");
            var names = attr.Space.Dimensions.Length == 0 ? [attr.Read<string>()] : attr.Read<string[]>();
            for (int i = 0; i < names.Length; i++) names[i] = TrimNul(names[i]);
            return names;
        });
    }

    /// <summary>Resolves a relative path such as <c>lstm_1/lstm_cell/kernel:0</c> segment by segment; null when any segment is missing.</summary>
    public IH5Object? TryGet(IH5Group start, string location, string relativePath)
    {
        string where = $"resolving '{relativePath}' under {location}";
        return Guard(where, () =>
        {
            IH5Object current = start;
            var segments = relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segments.Length == 0) return null;
            foreach (var segment in segments)
            {
                if (current is not IH5Group group || !group.LinkExists(segment)) return null;
                current = group.Get(segment);
            }
            return current;
        });
    }

    /// <summary>The child groups and datasets of <paramref name="group"/>, in storage order.</summary>
    public IReadOnlyList<IH5Object> Children(IH5Group group, string location) =>
        Guard($"listing the members of {location}", () => group.Children().ToList());

    /// <summary>Reads a numeric dataset as a <see cref="WeightTensor"/> named <paramref name="name"/>.</summary>
    public WeightTensor ReadTensor(IH5Dataset dataset, string name, string location)
    {
        var (shape, data, dtype) = ReadNumeric(dataset, location);
        return new WeightTensor(name, shape, data, dtype);
    }

    /// <summary>
    /// Reads a numeric dataset as float64 values, with its shape and stored dtype (<c>float32</c>, <c>float64</c>, <c>float16</c>,
    /// <c>int8</c>…<c>int64</c>, <c>uint8</c>…<c>uint64</c>). Sizes are checked against the file before anything is allocated.
    /// </summary>
    public (int[] Shape, double[] Data, string DType) ReadNumeric(IH5Dataset dataset, string location)
    {
        string where = $"reading dataset {location}";
        return Guard(where, () =>
        {
            var type = dataset.Type;
            var space = dataset.Space;
            if (space.Type == H5DataspaceType.Null)
                throw Corrupt($"{where}: the dataset has a null dataspace (no value)");
            var dims = space.Dimensions;
            var shape = new int[dims.Length];
            long count = 1;
            for (int i = 0; i < dims.Length; i++)
            {
                if (dims[i] > int.MaxValue)
                    throw Corrupt($"{where}: dimension {i} is {dims[i]}, beyond what can be loaded");
                shape[i] = (int)dims[i];
                count = checked(count * shape[i]);
            }
            long bytes = checked(count * type.Size);
            // Contiguous/compact data is stored as is, so it must fit in the file. Chunked data may be deflated, which shrinks data
            // at most about 1032:1; anything claiming more is a broken header, rejected before anything is allocated.
            bool chunked = dataset.Layout.Class == H5DataLayoutClass.Chunked;
            long limit = chunked ? Length * 1100 : Length;
            if (bytes > limit)
                throw Corrupt($"{where}: the dataset claims {bytes} bytes of data ({count} values of {type.Size} bytes, shape [{string.Join(", ", shape)}]) but the file holds only {Length} bytes");
            if (count > Array.MaxLength)
                throw Corrupt($"{where}: {count} values are more than an array can hold");

            var (data, dtype) = ReadValues(dataset, type, where);
            if (data.LongLength != count)
                throw Corrupt($"{where}: read {data.LongLength} values where the shape [{string.Join(", ", shape)}] holds {count}");
            return (shape, data, dtype);
        });
    }

    private (double[] Data, string DType) ReadValues(IH5Dataset dataset, IH5DataType type, string where)
    {
        switch (type.Class)
        {
            case H5DataTypeClass.FloatingPoint:
                return type.Size switch
                {
                    4 => (Widen(dataset.Read<float[]>()), "float32"),
                    8 => (dataset.Read<double[]>(), "float64"),
                    2 => (Array.ConvertAll(dataset.Read<Half[]>(), h => (double)h), "float16"),
                    _ => throw Corrupt($"{where}: unsupported floating-point size {type.Size} bytes"),
                };
            case H5DataTypeClass.FixedPoint:
                bool signed = type.FixedPoint.IsSigned;
                return (type.Size, signed) switch
                {
                    (1, true) => (Array.ConvertAll(dataset.Read<sbyte[]>(), v => (double)v), "int8"),
                    (1, false) => (Array.ConvertAll(dataset.Read<byte[]>(), v => (double)v), "uint8"),
                    (2, true) => (Array.ConvertAll(dataset.Read<short[]>(), v => (double)v), "int16"),
                    (2, false) => (Array.ConvertAll(dataset.Read<ushort[]>(), v => (double)v), "uint16"),
                    (4, true) => (Array.ConvertAll(dataset.Read<int[]>(), v => (double)v), "int32"),
                    (4, false) => (Array.ConvertAll(dataset.Read<uint[]>(), v => (double)v), "uint32"),
                    (8, true) => (Array.ConvertAll(dataset.Read<long[]>(), v => (double)v), "int64"),
                    (8, false) => (Array.ConvertAll(dataset.Read<ulong[]>(), v => (double)v), "uint64"),
                    _ => throw Corrupt($"{where}: unsupported integer size {type.Size} bytes"),
                };
            default:
                throw Corrupt($"{where}: expected a numeric dataset, found {type.Class}");
        }
    }

    private static double[] Widen(float[] values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }

    private static bool IsString(IH5DataType type) =>
        type.Class == H5DataTypeClass.String
        || (type.Class == H5DataTypeClass.VariableLength && type.VariableLength.BaseType.Class is H5DataTypeClass.FixedPoint or H5DataTypeClass.String);

    private static ulong ElementCount(IH5Dataspace space)
    {
        if (space.Type == H5DataspaceType.Null) return 0;
        ulong n = 1;
        foreach (var d in space.Dimensions) n *= d;
        return n;
    }

    private static string TrimNul(string s) => s.TrimEnd('\0');
}
