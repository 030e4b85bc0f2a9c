namespace KerasPort.Formats;

/// <summary>What the first bytes of a file say it is. The extension is never consulted.</summary>
internal enum FileKind
{
    /// <summary>Starts with the HDF5 signature <c>\x89HDF\r\n\x1a\n</c>.</summary>
    Hdf5,
    /// <summary>Starts with a zip local file header <c>PK\x03\x04</c>.</summary>
    Zip,
    /// <summary>Starts (after optional whitespace and UTF-8 byte order mark) with <c>{</c>.</summary>
    Json,
    /// <summary>Has no bytes.</summary>
    Empty,
    /// <summary>Anything else.</summary>
    Unknown,
}

/// <summary>Detects a file's format from its leading bytes.</summary>
internal static class FileSignature
{
    private static ReadOnlySpan<byte> Hdf5Magic => [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n'];
    private static ReadOnlySpan<byte> ZipMagic => [(byte)'P', (byte)'K', 3, 4];

    /// <summary>How many leading bytes <see cref="Detect"/> looks at.</summary>
    public const int ProbeLength = 512;

    /// <summary>Classifies the leading bytes of a file.</summary>
    public static FileKind Detect(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty) return FileKind.Empty;
        if (head.StartsWith(Hdf5Magic)) return FileKind.Hdf5;
        if (head.StartsWith(ZipMagic)) return FileKind.Zip;
        var rest = head;
        if (rest.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) rest = rest[3..];
        int i = 0;
        while (i < rest.Length && rest[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        return i < rest.Length && rest[i] == (byte)'{' ? FileKind.Json : FileKind.Unknown;
    }

    /// <summary>Reads the head of <paramref name="path"/> and classifies it; a missing or unreadable file raises <see cref="ModelIOException"/>.</summary>
    public static FileKind Sniff(string path)
    {
        if (Directory.Exists(path))
            throw new ModelIOException($"{path}: is a directory, not a file");
        if (!File.Exists(path))
            throw new ModelIOException($"{path}: file not found");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            var head = new byte[ProbeLength];
            int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return Detect(head.AsSpan(0, n));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelIOException($"{path}: cannot read the file: {e.Message}", e);
        }
    }

    /// <summary>Describes the leading bytes for an error message (hex of the first 8 bytes).</summary>
    public static string DescribeHead(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var head = new byte[8];
            int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return n == 0 ? "no bytes" : "bytes " + Convert.ToHexString(head, 0, n);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unreadable bytes";
        }
    }
}
