using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace KerasPort.Formats.Arrays;

/// <summary>
/// NumPy <c>.npy</c> files (format versions 1.0–3.0): little-endian float32 (<c>&lt;f4</c>) and float64 (<c>&lt;f8</c>) in C order.
/// Other dtypes and Fortran order are rejected with <see cref="InvalidModelArgumentException"/>; truncated files raise
/// <see cref="CorruptModelFileException"/>.
/// </summary>
internal static partial class NpyFormat
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads a <c>.npy</c> file; the array is named after the file (without extension).</summary>
    public static NamedArray Read(string path) => Decode(ArrayFiles.ReadAllBytes(path), Path.GetFileNameWithoutExtension(path), path);

    /// <summary>Decodes <c>.npy</c> bytes; <paramref name="source"/> names the file (and entry) in messages.</summary>
    public static NamedArray Decode(ReadOnlySpan<byte> bytes, string name, string source)
    {
        if (bytes.Length < 10 || !bytes.StartsWith(Magic))
            throw new InvalidModelArgumentException($"{source}: not a NumPy .npy file (it does not start with \\x93NUMPY)");
        int major = bytes[6];
        int headerLength, headerStart;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
                headerStart = 10;
                break;
            case 2:
            case 3:
                if (bytes.Length < 12) throw new CorruptModelFileException($"{source}: the .npy header is truncated");
                uint len = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
                if (len > int.MaxValue) throw new CorruptModelFileException($"{source}: the .npy header claims {len} bytes");
                headerLength = (int)len;
                headerStart = 12;
                break;
            default:
                throw new InvalidModelArgumentException($"{source}: .npy format version {major}.{bytes[7]} is not supported (expected 1.0, 2.0 or 3.0)");
        }
        if (bytes.Length < headerStart + (long)headerLength)
            throw new CorruptModelFileException($"{source}: the .npy header is truncated ({headerLength} bytes announced, {bytes.Length - headerStart} present)");

        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes.Slice(headerStart, headerLength));
        var (descr, fortran, shape) = ParseHeader(header, source);
        if (fortran)
            throw new InvalidModelArgumentException($"{source}: the array is stored in Fortran order; only C order is supported (save it with np.ascontiguousarray)");
        var (itemSize, dtype) = descr switch
        {
            "<f4" => (4, "float32"),
            "<f8" => (8, "float64"),
            ">f4" or ">f8" => throw new InvalidModelArgumentException($"{source}: dtype '{descr}' is big-endian; only little-endian '<f4' (float32) and '<f8' (float64) are supported"),
            _ => throw new InvalidModelArgumentException($"{source}: dtype '{descr}' is not supported; expected '<f4' (float32) or '<f8' (float64)"),
        };

        var payload = bytes[(headerStart + headerLength)..];
        long count = 1;
        foreach (var d in shape)
        {
            count *= d;
            if (count > payload.Length) break; // already more values than bytes: no overflow, reported below
        }
        if (count * itemSize != payload.Length)
        {
            string needs = count > payload.Length ? "more" : (count * itemSize).ToString(CultureInfo.InvariantCulture);
            throw new CorruptModelFileException($"{source}: shape ({string.Join(", ", shape)}) of {dtype} needs {needs} data bytes but the file holds {payload.Length}");
        }

        var data = new double[count];
        if (itemSize == 4)
            for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(payload[(i * 4)..]);
        else
            for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadDoubleLittleEndian(payload[(i * 8)..]);
        return new NamedArray(name, shape, data, dtype);
    }

    private static (string Descr, bool Fortran, int[] Shape) ParseHeader(string header, string source)
    {
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
        {
            if (!descr.Success && header.Contains("'descr'", StringComparison.Ordinal))
                throw new InvalidModelArgumentException($"{source}: structured dtypes are not supported; expected '<f4' (float32) or '<f8' (float64)");
            throw new CorruptModelFileException($"{source}: the .npy header is not a dict with 'descr', 'fortran_order' and 'shape': {header.Trim()}");
        }
        var dims = new List<int>();
        foreach (var part in shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var digits = part.TrimEnd('L', 'l');
            if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int d))
                throw new CorruptModelFileException($"{source}: the .npy shape ({shape.Groups[1].Value}) is not a tuple of non-negative integers");
            dims.Add(d);
        }
        return (descr.Groups[1].Value, fortran.Groups[1].Value == "True", dims.ToArray());
    }

    /// <summary>Writes <paramref name="array"/> as a version 1.0 <c>.npy</c> file (float32 or float64 by its <see cref="NamedArray.DType"/>).</summary>
    public static void Write(string path, NamedArray array) => ArrayFiles.WriteAllBytes(path, Encode(array));

    /// <summary>
    /// Encodes <paramref name="array"/> as <c>.npy</c> bytes exactly as <c>np.save</c> (NumPy ≥ 1.24) does: the header dict, then
    /// <c>21 - len(repr(shape[0]))</c> spare spaces (NumPy's GROWTH_AXIS_MAX_DIGITS), then spaces and a newline so that the data starts
    /// at a multiple of 64 bytes. float32 arrays are stored by rounding each value to float32.
    /// </summary>
    public static byte[] Encode(NamedArray array)
    {
        var (descr, itemSize) = array.DType switch
        {
            "float32" => ("<f4", 4),
            "float64" => ("<f8", 8),
            _ => throw new InvalidModelArgumentException($"array '{array.Name}': dtype '{array.DType}' cannot be written to .npy; expected float32 or float64"),
        };
        string shape = array.Shape.Length switch
        {
            0 => "()",
            1 => $"({array.Shape[0]},)",
            _ => "(" + string.Join(", ", array.Shape) + ")",
        };
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        if (array.Shape.Length > 0)
            dict += new string(' ', Math.Max(0, 21 - array.Shape[0].ToString(CultureInfo.InvariantCulture).Length));
        const int prefix = 10; // magic (6) + version (2) + header length (2)
        int padding = 64 - (prefix + dict.Length + 1) % 64;
        string header = dict + new string(' ', padding) + "\n";
        if (header.Length > ushort.MaxValue)
            throw new InvalidModelArgumentException($"array '{array.Name}': rank {array.Shape.Length} gives a .npy header too long for format 1.0");
        int padded = prefix + header.Length;

        var bytes = new byte[padded + (long)array.Data.Length * itemSize];
        Magic.CopyTo(bytes);
        bytes[6] = 1;
        bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.Latin1.GetBytes(header, bytes.AsSpan(10));
        var payload = bytes.AsSpan(padded);
        if (itemSize == 4)
            for (int i = 0; i < array.Data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(payload[(i * 4)..], (float)array.Data[i]);
        else
            for (int i = 0; i < array.Data.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(payload[(i * 8)..], array.Data[i]);
        return bytes;
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
