using System.Buffers.Binary;
using System.Text;

namespace KerasPort.Benchmarks.Onnx;

/// <summary>
/// A minimal protocol-buffers (proto2 wire format) writer: varints, fixed32, and length-delimited fields. Nested
/// messages are written into their own writer and emitted with their length, which is all ONNX's messages need.
/// </summary>
internal sealed class ProtoWriter
{
    private const int WireVarint = 0;
    private const int WireFixed32 = 5;
    private const int WireLengthDelimited = 2;

    private readonly MemoryStream _buffer = new();

    public byte[] ToArray() => _buffer.ToArray();

    private void WriteTag(int field, int wireType) => WriteRawVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteRawVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }

    /// <summary>int64 / int32 / enum field. Negative values are sign-extended to 64 bits (10 bytes), as protobuf specifies.</summary>
    public void Int64(int field, long value)
    {
        WriteTag(field, WireVarint);
        WriteRawVarint(unchecked((ulong)value));
    }

    /// <summary>float field (fixed32, little-endian IEEE 754).</summary>
    public void Float(int field, float value)
    {
        WriteTag(field, WireFixed32);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, value);
        _buffer.Write(b);
    }

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, WireLengthDelimited);
        WriteRawVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>An embedded message, written by <paramref name="write"/>.</summary>
    public void Message(int field, Action<ProtoWriter> write)
    {
        var inner = new ProtoWriter();
        write(inner);
        Bytes(field, inner._buffer.GetBuffer().AsSpan(0, (int)inner._buffer.Length));
    }
}
