using KerasPort.Compute.Kernels;

namespace KerasPort.Runtime;

/// <summary>
/// One tensor of a running plan: its concrete shape (batch first), its values and the Keras mask attached to it
/// (batch × time, true = keep) when one flows with it. Buffers are sized once per input shape and reused.
/// </summary>
internal sealed class Slot<T> where T : unmanaged
{
    private AlignedBuffer<T> _buffer; // the kernels store whole vectors into it
    private bool[] _maskBuffer = [];

    public int[] Shape { get; private set; } = [];

    public int Length { get; private set; }

    public Span<T> Data => _buffer.Span(Length);

    public ReadOnlyMemory<T> Memory => _buffer.Memory(Length);

    /// <summary>The mask over (batch, time), or empty when the tensor carries no mask.</summary>
    public Span<bool> Mask => HasMask ? _maskBuffer.AsSpan(0, MaskLength) : Span<bool>.Empty;

    public bool HasMask { get; private set; }

    private int MaskLength => Shape.Length >= 2 ? Shape[0] * Shape[1] : 0;

    /// <summary>Sets the shape and makes sure the buffer holds it.</summary>
    public void Resize(int[] shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        if (n > int.MaxValue) throw new InvalidModelArgumentException($"tensor of shape ({string.Join(", ", shape)}) is too large");
        Shape = shape;
        Length = (int)n;
        _buffer.Grow(Length);
    }

    /// <summary>Attaches (or detaches) a mask sized for the current shape.</summary>
    public void SetMasked(bool masked)
    {
        HasMask = masked;
        if (masked && _maskBuffer.Length < MaskLength) _maskBuffer = new bool[MaskLength];
    }
}
