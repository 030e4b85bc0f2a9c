using System.Runtime.CompilerServices;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// Arrays whose data the kernels read and write a vector at a time start on a 64-byte boundary: a vector access that
/// straddles two cache lines costs two (measured: the one-row LSTM step ran 1.5 times slower on unaligned weights).
/// The array is allocated on the pinned object heap, so the element found aligned stays aligned.
/// </summary>
internal static class AlignedArray
{
    /// <summary>A T[] with room for <paramref name="length"/> elements from <paramref name="offset"/>, which is 64-byte aligned.</summary>
    public static unsafe T[] Allocate<T>(int length, out int offset) where T : unmanaged
    {
        int pad = 64 / sizeof(T);
        var storage = GC.AllocateArray<T>(checked(length + pad), pinned: true);
        nuint address = (nuint)Unsafe.AsPointer(ref storage[0]);
        int misalignment = (int)(address % 64);
        offset = misalignment == 0 ? 0 : (64 - misalignment) / sizeof(T) % pad;
        return storage;
    }
}

/// <summary>
/// A reusable buffer whose first element is 64-byte aligned (<see cref="AlignedArray"/>), grown on demand and kept: a
/// field of a workspace or a plan slot (a mutable struct: use it through the field, never a copy).
/// </summary>
internal struct AlignedBuffer<T> where T : unmanaged
{
    private T[]? _storage;
    private int _offset;

    /// <summary>The first <paramref name="length"/> elements, reallocated (contents lost) when the buffer is smaller.</summary>
    public Span<T> Grow(int length)
    {
        if (_storage is null || _storage.Length - _offset < length) _storage = AlignedArray.Allocate<T>(length, out _offset);
        return _storage.AsSpan(_offset, length);
    }

    /// <summary>Elements available from the aligned start (0 before the first <see cref="Grow"/>).</summary>
    public readonly int Capacity => _storage is null ? 0 : _storage.Length - _offset;

    /// <summary>The first <paramref name="length"/> elements (at most the grown size).</summary>
    public readonly Span<T> Span(int length) => _storage is null ? Span<T>.Empty[..length] : _storage.AsSpan(_offset, length);

    /// <summary>The first <paramref name="length"/> elements as memory (at most the grown size).</summary>
    public readonly Memory<T> Memory(int length) => _storage is null ? Memory<T>.Empty[..length] : _storage.AsMemory(_offset, length);
}
