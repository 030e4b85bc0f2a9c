using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using KerasPort.Cli;
using KerasPort.Formats.Arrays;
using KerasPort.Tests.Infrastructure;

namespace KerasPort.Tests.Cli;

/// <summary>Runs <c>keras-port</c> in-process and reads what it writes, independently of the CLI's own writers.</summary>
internal static partial class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    public static string Fixture(string relative) => Path.Combine(TestPaths.Fixtures, relative);

    /// <summary>
    /// Decodes .npy bytes by the NumPy format spec (magic, version 1 header length, header dict, little-endian C-order data),
    /// returning the header's dtype descriptor, the shape and the values.
    /// </summary>
    public static (string Descr, int[] Shape, double[] Data) DecodeNpy(byte[] bytes)
    {
        Assert.True(bytes.Length >= 10 && bytes[0] == 0x93 && Encoding.ASCII.GetString(bytes, 1, 5) == "NUMPY", "not a .npy file");
        Assert.Equal(1, bytes[6]);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Equal(0, (10 + headerLength) % 64);
        Assert.Contains("'fortran_order': False", header);
        string descr = Descr().Match(header).Groups[1].Value;
        int[] shape = Shape().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        int offset = 10 + headerLength;
        int size = descr switch { "<f4" => 4, "<f8" => 8, _ => throw new Xunit.Sdk.XunitException($"unexpected dtype {descr}") };
        Assert.Equal(shape.Aggregate(1, (a, b) => a * b) * size, bytes.Length - offset);
        var data = new double[(bytes.Length - offset) / size];
        for (int i = 0; i < data.Length; i++)
            data[i] = size == 4 ? BitConverter.ToSingle(bytes, offset + 4 * i) : BitConverter.ToDouble(bytes, offset + 8 * i);
        return (descr, shape, data);
    }

    /// <summary>Every entry of a .npz archive, by key (entry name without .npy), in archive order.</summary>
    public static List<(string Key, string Descr, int[] Shape, double[] Data)> DecodeNpz(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var result = new List<(string, string, int[], double[])>();
        foreach (var entry in zip.Entries)
        {
            using var s = entry.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            var (descr, shape, data) = DecodeNpy(ms.ToArray());
            Assert.EndsWith(".npy", entry.FullName);
            result.Add((entry.FullName[..^4], descr, shape, data));
        }
        return result;
    }

    /// <summary>Asserts |got − expected| ≤ tolerance · max(1, |expected|) element-wise, and equal shapes.</summary>
    public static void AssertClose(NamedArray expected, int[] shape, double[] got, double tolerance)
    {
        Assert.Equal(expected.Shape, shape);
        Assert.Equal(expected.Data.Length, got.Length);
        for (int i = 0; i < got.Length; i++)
        {
            double e = expected.Data[i];
            Assert.True(Math.Abs(got[i] - e) <= tolerance * Math.Max(1, Math.Abs(e)),
                $"{expected.Name}[{i}]: got {got[i]:R}, reference {e:R} (tolerance {tolerance})");
        }
    }

    [GeneratedRegex(@"'descr': '([^']*)'")]
    private static partial Regex Descr();

    [GeneratedRegex(@"'shape': \(([^)]*)\)")]
    private static partial Regex Shape();
}
