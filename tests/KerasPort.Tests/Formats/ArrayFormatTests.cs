using System.IO.Compression;
using System.Text;
using KerasPort.Formats.Arrays;
using KerasPort.Tests.Infrastructure;

namespace KerasPort.Tests.Formats;

/// <summary>.npy, .npz and JSON tensor files.</summary>
public sealed class ArrayFormatTests : IDisposable
{
    private readonly TempFiles _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>Builds .npy bytes by hand, following the NumPy format spec: magic, version, header length, header dict, data.</summary>
    private static byte[] HandMadeNpy(string dict, byte[] payload, int major = 1)
    {
        var header = Encoding.ASCII.GetBytes(dict + "\n");
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0 };
        if (major == 1) bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        else bytes.AddRange(BitConverter.GetBytes((uint)header.Length));
        bytes.AddRange(header);
        bytes.AddRange(payload);
        return bytes.ToArray();
    }

    private static byte[] Floats(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();
    private static byte[] Doubles(params double[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();

    [Fact]
    public void ReadsHandMadeFloat32AndFloat64Files()
    {
        var f4 = _tmp.Write("a.npy", HandMadeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", Floats(1, 2, 3, 4, 5, 0.1f)));
        var a = NpyFormat.Read(f4);
        Assert.Equal("a", a.Name);
        Assert.Equal([2, 3], a.Shape);
        Assert.Equal("float32", a.DType);
        Assert.Equal([1.0, 2, 3, 4, 5, (double)0.1f], a.Data);

        var f8 = _tmp.Write("b.npy", HandMadeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", Doubles(0.1, -2.5, 1e300), major: 2));
        var b = NpyFormat.Read(f8);
        Assert.Equal([3], b.Shape);
        Assert.Equal("float64", b.DType);
        Assert.Equal([0.1, -2.5, 1e300], b.Data);

        var scalar = NpyFormat.Read(_tmp.Write("s.npy", HandMadeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", Doubles(4.25))));
        Assert.Empty(scalar.Shape);
        Assert.Equal([4.25], scalar.Data);
    }

    [Fact]
    public void WritesWhatNpSaveWrites()
    {
        var bytes = NpyFormat.Encode(new NamedArray("x", [2, 3], [1, 2, 3, 4, 5, 6], "float32"));
        // numpy.lib.format: dict, 21 - len('2') growth spaces, then spaces up to a 64-byte boundary for magic+length+header, then '\n'.
        string expectedDict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        Assert.Equal(128 + 6 * 4, bytes.Length);
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        Assert.Equal(118, BitConverter.ToUInt16(bytes, 8));
        Assert.Equal(expectedDict + new string(' ', 118 - 1 - expectedDict.Length) + "\n", Encoding.ASCII.GetString(bytes, 10, 118));
        Assert.Equal(Floats(1, 2, 3, 4, 5, 6), bytes[128..]);

        var scalar = NpyFormat.Encode(new NamedArray("s", [], [2.0], "float64"));
        Assert.Equal(128 + 8, scalar.Length); // a 56-character dict cannot fit before byte 64
        Assert.StartsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", Encoding.ASCII.GetString(scalar, 10, 118));
    }

    [Fact]
    public void EncodingAModernNumpyFileReproducesItByteForByte()
    {
        if (TestPaths.Corpus is not { } corpus) return;
        // Written by a NumPy with the 64-byte alignment and growth padding (header length 118 for shape (5, 10)).
        var path = Path.Combine(corpus, "dl4j-test-resources", "modelimport", "keras", "fullconfigs", "cnn_batch_norm", "predictions.npy");
        if (!File.Exists(path)) return;
        var original = File.ReadAllBytes(path);
        var array = NpyFormat.Read(path);
        Assert.Equal([5, 10], array.Shape);
        Assert.Equal(original, NpyFormat.Encode(array));
    }

    [Fact]
    public void RoundTripsThroughFiles()
    {
        var original = new NamedArray("z", [2, 2], [0.1, double.MaxValue, -0.0, 1e-310], "float64");
        var path = _tmp.PathOf("z.npy");
        NpyFormat.Write(path, original);
        var back = NpyFormat.Read(path);
        Assert.Equal(original.Shape, back.Shape);
        Assert.Equal(original.Data, back.Data);
        Assert.Equal("float64", back.DType);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", "Fortran")]
    [InlineData("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }", "<i8")]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", "big-endian")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 2), }", "structured")]
    public void UnsupportedLayoutsAreArgumentErrorsNamingTheFile(string dict, string mention)
    {
        var path = _tmp.Write("bad.npy", HandMadeNpy(dict, new byte[32]));
        var e = Assert.Throws<InvalidModelArgumentException>(() => NpyFormat.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(mention, e.Message);
    }

    [Fact]
    public void TruncatedOrForeignNpyFilesAreTypedErrors()
    {
        var cut = _tmp.Write("cut.npy", HandMadeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }", Floats(1, 2, 3)));
        var e1 = Assert.Throws<CorruptModelFileException>(() => NpyFormat.Read(cut));
        Assert.Contains(cut, e1.Message);

        var huge = _tmp.Write("huge.npy", HandMadeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 2147483647, 8), }", Floats(1)));
        Assert.Throws<CorruptModelFileException>(() => NpyFormat.Read(huge));

        var text = _tmp.Write("text.npy", "hello, world");
        var e2 = Assert.Throws<InvalidModelArgumentException>(() => NpyFormat.Read(text));
        Assert.Contains(text, e2.Message);

        var missing = _tmp.PathOf("missing.npy");
        Assert.Contains(missing, Assert.Throws<ModelIOException>(() => NpyFormat.Read(missing)).Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NpzRoundTripsStoredAndDeflated(bool compress)
    {
        var path = _tmp.PathOf("arrays.npz");
        NpzFormat.Write(path, [new NamedArray("input_1", [1, 2], [0.5, 1.5], "float32"), new NamedArray("b", [], [3.0], "float64")], compress);

        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.Equal(["input_1.npy", "b.npy"], zip.Entries.Select(e => e.FullName));
            Assert.All(zip.Entries, e => Assert.Equal(compress, e.CompressedLength < e.Length));
        }
        var arrays = NpzFormat.Read(path);
        Assert.Equal(["input_1", "b"], arrays.Select(a => a.Name));
        Assert.Equal([0.5, 1.5], arrays[0].Data);
        Assert.Equal("float32", arrays[0].DType);
        Assert.Equal([3.0], arrays[1].Data);
        Assert.Empty(arrays[1].Shape);
    }

    [Fact]
    public void NpzBuiltByHandWithDeflateReads()
    {
        var path = _tmp.PathOf("hand.npz");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using var s = zip.CreateEntry("test1_input.npy", CompressionLevel.Optimal).Open();
            s.Write(HandMadeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", Floats(7, 8)));
        }
        var a = Assert.Single(NpzFormat.Read(path));
        Assert.Equal("test1_input", a.Name);
        Assert.Equal([7.0, 8], a.Data);
    }

    [Fact]
    public void BrokenNpzFilesAreTypedErrors()
    {
        var notZip = _tmp.Write("x.npz", "not a zip at all");
        Assert.Contains(notZip, Assert.Throws<InvalidModelArgumentException>(() => NpzFormat.Read(notZip)).Message);

        var whole = _tmp.PathOf("whole.npz");
        NpzFormat.Write(whole, [new NamedArray("a", [64], new double[64], "float64")]);
        var bytes = File.ReadAllBytes(whole);
        var cut = _tmp.Write("cut.npz", bytes[..(bytes.Length / 2)]);
        Assert.Contains(cut, Assert.Throws<CorruptModelFileException>(() => NpzFormat.Read(cut)).Message);
    }

    [Fact]
    public void CorpusNpyFilesRead()
    {
        if (TestPaths.Corpus is not { } corpus) return;
        var dir = Path.Combine(corpus, "dl4j-test-resources", "modelimport", "keras", "fullconfigs", "cnn");
        if (!Directory.Exists(dir)) return;
        var input = NpyFormat.Read(Path.Combine(dir, "input.npy"));
        Assert.Equal([5, 10, 10, 3], input.Shape);
        Assert.Equal("float64", input.DType);
        var raw = File.ReadAllBytes(Path.Combine(dir, "input.npy"));
        Assert.Equal(BitConverter.ToDouble(raw, raw.Length - 12000), input.Data[0]);
        Assert.Equal(BitConverter.ToDouble(raw, raw.Length - 8), input.Data[^1]);

        var predictions = NpyFormat.Read(Path.Combine(dir, "predictions.npy"));
        Assert.Equal([5, 1], predictions.Shape);
        Assert.Equal("float32", predictions.DType);
    }

    [Fact]
    public void JsonTensorsReadFlatAndNestedData()
    {
        var path = _tmp.Write("inputs.json", """
            {"inputs": [
              {"shape": [2, 3], "data": [1, 2, 3, 4, 5, 6.5]},
              {"name": "state_h", "data": [[0.1, 0.2], [0.3, 0.4]]},
              {"shape": [1, 2], "data": [[1e-3, -2]], "dtype": "float32"}
            ]}
            """);
        var arrays = JsonTensorFormat.ReadSection(path, "inputs");
        Assert.Equal(3, arrays.Count);
        Assert.Equal("inputs[0]", arrays[0].Name);
        Assert.Equal([2, 3], arrays[0].Shape);
        Assert.Equal([1.0, 2, 3, 4, 5, 6.5], arrays[0].Data);
        Assert.Equal("float64", arrays[0].DType);
        Assert.Equal("state_h", arrays[1].Name);
        Assert.Equal([2, 2], arrays[1].Shape);
        Assert.Equal([0.1, 0.2, 0.3, 0.4], arrays[1].Data);
        Assert.Equal("float32", arrays[2].DType);
        Assert.Equal([(double)1e-3f, -2.0], arrays[2].Data);
    }

    [Fact]
    public void JsonTensorsWriteShortestFormsAndReadBack()
    {
        var path = _tmp.PathOf("outputs.json");
        JsonTensorFormat.Write(path, "outputs", [
            new NamedArray("dense_1", [1, 3], [0.1f, 1.0, double.NaN], "float32"),
            new NamedArray("d64", [2], [0.1, 1.0 / 3], "float64"),
        ]);
        string text = File.ReadAllText(path);
        Assert.Contains("\"data\":[0.1,1.0,NaN]", text);
        Assert.Contains("\"data\":[0.1,0.3333333333333333]", text);

        var back = JsonTensorFormat.ReadSection(path, "outputs");
        Assert.Equal([(double)0.1f, 1.0, double.NaN], back[0].Data);
        Assert.Equal("float32", back[0].DType);
        Assert.Equal([0.1, 1.0 / 3], back[1].Data);
        Assert.Equal([1, 3], back[0].Shape);
    }

    [Theory]
    [InlineData("""{"inputs": [{"shape": [2, 2], "data": [1, 2, 3]}]}""", typeof(ShapeMismatchException))]
    [InlineData("""{"inputs": [{"data": [[1, 2], [3]]}]}""", typeof(ShapeMismatchException))]
    [InlineData("""{"inputs": [{"shape": [3], "data": [[1, 2, 3]]}]}""", typeof(ShapeMismatchException))]
    [InlineData("""{"inputs": [{"shape": [1], "data": ["x"]}]}""", typeof(InvalidModelArgumentException))]
    [InlineData("""{"inputs": [{"shape": [1]}]}""", typeof(InvalidModelArgumentException))]
    [InlineData("""{"inputs": {"shape": [1], "data": [1]}}""", typeof(InvalidModelArgumentException))]
    [InlineData("""{"outputs": []}""", typeof(InvalidModelArgumentException))]
    [InlineData("""{"inputs": [""", typeof(CorruptModelFileException))]
    public void BadJsonTensorsAreTypedErrorsNamingTheFile(string json, Type expected)
    {
        var path = _tmp.Write("bad.json", json);
        var e = Assert.Throws(expected, () => JsonTensorFormat.ReadSection(path, "inputs"));
        Assert.Contains(path, e.Message);
    }
}
