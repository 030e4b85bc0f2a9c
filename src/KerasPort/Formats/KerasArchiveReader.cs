using System.IO.Compression;
using System.Text;
using KerasPort.Formats.Hdf5;
using Newtonsoft.Json.Linq;

namespace KerasPort.Formats;

/// <summary>
/// Reads a <c>.keras</c> zip archive (Keras 3, tf.keras 2.13–2.15): <c>config.json</c> (required), <c>metadata.json</c>
/// (<c>keras_version</c>) and <c>model.weights.h5</c> (a Keras 3 weights tree, read from memory).
/// </summary>
internal static class KerasArchiveReader
{
    public const string ConfigEntry = "config.json";
    public const string MetadataEntry = "metadata.json";
    public const string WeightsEntry = "model.weights.h5";

    /// <summary>The largest archive entry that is loaded into memory (HDF5 images are indexed by 32-bit arrays here).</summary>
    private const long MaxEntryBytes = int.MaxValue;

    /// <summary>Reads the archive at <paramref name="path"/>.</summary>
    public static KerasFileContent Read(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelIOException($"{path}: cannot open the file: {e.Message}", e);
        }

        using (stream)
        {
            ZipArchive zip;
            try
            {
                zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true, entryNameEncoding: Encoding.UTF8);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
            {
                throw new CorruptModelFileException($"{path}: the zip archive is broken or truncated: {e.Message}", e);
            }

            using (zip)
            {
                var config = zip.GetEntry(ConfigEntry);
                if (config is null)
                {
                    var names = zip.Entries.Take(10).Select(e => e.FullName);
                    throw new NotKerasFileException($"{path}: this zip archive is not a .keras model: it has no '{ConfigEntry}' (entries: [{string.Join(", ", names)}])");
                }

                JObject modelConfig = ModelJson.ParseConfig(path, $"archive entry '{ConfigEntry}'", ReadText(path, config));

                string? kerasVersion = null;
                var metadata = zip.GetEntry(MetadataEntry);
                if (metadata is not null)
                {
                    var meta = ModelJson.ParseConfig(path, $"archive entry '{MetadataEntry}'", ReadText(path, metadata));
                    kerasVersion = ModelJson.OptionalString(meta, "keras_version");
                }

                var weightsEntry = zip.GetEntry(WeightsEntry)
                    ?? throw new MissingWeightsException($"{path}: the .keras archive has no '{WeightsEntry}' (entries: [{string.Join(", ", zip.Entries.Take(10).Select(e => e.FullName))}])");
                byte[] weightsBytes = ReadBytes(path, weightsEntry);
                string display = $"{path} (entry {WeightsEntry})";
                if (FileSignature.Detect(weightsBytes.AsSpan(0, Math.Min(weightsBytes.Length, FileSignature.ProbeLength))) != FileKind.Hdf5)
                    throw new CorruptModelFileException($"{display}: the weights entry is not an HDF5 file");

                using var h5 = Hdf5Image.OpenBytes(display, weightsBytes);
                return new KerasFileContent
                {
                    Path = path,
                    Format = ModelFileFormat.KerasArchive,
                    KerasVersion = kerasVersion,
                    Backend = null,
                    ModelConfig = modelConfig,
                    Weights = V3WeightsReader.Read(h5),
                };
            }
        }
    }

    private static string ReadText(string path, ZipArchiveEntry entry) => Encoding.UTF8.GetString(ReadBytes(path, entry));

    /// <summary>Decompresses one entry into memory, checking its size against the central directory.</summary>
    public static byte[] ReadBytes(string path, ZipArchiveEntry entry)
    {
        if (entry.Length > MaxEntryBytes)
            throw new CorruptModelFileException($"{path}: archive entry '{entry.FullName}' claims {entry.Length} bytes, more than can be loaded");
        try
        {
            var bytes = new byte[entry.Length];
            using var s = entry.Open();
            int n = s.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (n != bytes.Length || s.ReadByte() != -1)
                throw new CorruptModelFileException($"{path}: archive entry '{entry.FullName}' should hold {entry.Length} bytes but does not");
            return bytes;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new CorruptModelFileException($"{path}: archive entry '{entry.FullName}' cannot be decompressed: {e.Message}", e);
        }
    }
}
