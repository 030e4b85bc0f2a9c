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
