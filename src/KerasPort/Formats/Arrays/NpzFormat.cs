using System.IO.Compression;

namespace KerasPort.Formats.Arrays;

/// <summary>NumPy <c>.npz</c> archives: a zip of <c>&lt;key&gt;.npy</c> entries, stored (<c>np.savez</c>) or deflated (<c>np.savez_compressed</c>).</summary>
internal static class NpzFormat
{
    /// <summary>Reads every <c>.npy</c> entry, in archive order; each array is named by its key (the entry name without <c>.npy</c>).</summary>
    public static IReadOnlyList<NamedArray> Read(string path)
    {
        var bytes = ArrayFiles.ReadAllBytes(path);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
        {
            if (bytes.Length < 4 || bytes[0] != 'P' || bytes[1] != 'K')
                throw new InvalidModelArgumentException($"{path}: not a NumPy .npz file (not a zip archive)", e);
            throw new CorruptModelFileException($"{path}: the .npz archive is broken or truncated: {e.Message}", e);
        }

        using (zip)
        {
            var arrays = new List<NamedArray>();
            foreach (var entry in zip.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                string key = entry.FullName[..^4];
                byte[] data = KerasArchiveReader.ReadBytes(path, entry);
                arrays.Add(NpyFormat.Decode(data, key, $"{path} (entry {entry.FullName})"));
            }
            return arrays;
        }
    }

    /// <summary>Writes <paramref name="arrays"/> as <c>&lt;Name&gt;.npy</c> entries; <paramref name="compress"/> deflates them like <c>np.savez_compressed</c>.</summary>
    public static void Write(string path, IReadOnlyList<NamedArray> arrays, bool compress = false)
    {
        var duplicate = arrays.GroupBy(a => a.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidModelArgumentException($"{path}: two arrays are named '{duplicate.Key}'");
        ArrayFiles.Write(path, () =>
        {
            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create);
            foreach (var array in arrays)
            {
                var entry = zip.CreateEntry(array.Name + ".npy", compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                using var s = entry.Open();
                s.Write(NpyFormat.Encode(array));
            }
        });
    }
}
