namespace KerasPort.Formats.Hdf5;

/// <summary>
/// A read-only stream wrapper that HDF5 parsing goes through. It turns the two failure modes of a broken file into
/// exceptions instead of hangs or garbage: a read past the end of the image (a truncated file, or an address that points
/// outside it) and an unbounded amount of reading (a cyclic B-tree or heap chain in a corrupted file).
/// </summary>
internal sealed class GuardedStream : Stream
{
    private readonly Stream _inner;
    private readonly long _length;
    private readonly long _readBudget;
    private long _bytesRead;
    private long _calls;

    /// <summary>The budget charged per read call on top of its size.</summary>
    private const int CallCost = 64;

    /// <summary>Wraps <paramref name="inner"/> (which must be seekable); reading more than <paramref name="readBudget"/> bytes in total fails.</summary>
    public GuardedStream(Stream inner, long readBudget)
    {
        _inner = inner;
        _length = inner.Length;
        _readBudget = readBudget;
    }

    /// <summary>
    /// The default budget for an image of <paramref name="length"/> bytes: 16 passes over it, and at least 4 MiB. Reading every
    /// model file of the corpus took at most 8 passes (small files whose metadata PureHDF re-reads); a looping structure
    /// exhausts the budget in well under a second.
    /// </summary>
    public static long DefaultBudget(long length) => Math.Max(4L << 20, length * 16);

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _length;

    public override long Position
    {
        get => _inner.Position;
        set => _inner.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length == 0) return 0;
        long position = _inner.Position;
        if (position < 0 || position + buffer.Length > _length)
            throw new HdfTruncatedException($"a structure of {buffer.Length} bytes at byte offset {position} extends beyond the end of the file ({_length} bytes): the file is truncated or an address or size is broken");
        // Each call costs its size plus a fixed overhead, so that a loop of tiny reads is caught as fast as a loop of large ones.
        _bytesRead += buffer.Length + CallCost;
        _calls++;
        if (_bytesRead > _readBudget)
            throw new HdfTruncatedException($"parsing made {_calls} reads from a {_length}-byte file, more than its structure can need: the structure loops");
        int n = _inner.Read(buffer);
        if (n == 0)
            throw new HdfTruncatedException($"unexpected end of data at byte offset {position} ({_length} bytes in the file)");
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Raised by <see cref="GuardedStream"/>; turned into a <see cref="CorruptModelFileException"/> by the readers.</summary>
internal sealed class HdfTruncatedException(string message) : IOException(message);
