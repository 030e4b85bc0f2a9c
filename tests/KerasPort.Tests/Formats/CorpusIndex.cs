using System.Text.RegularExpressions;

namespace KerasPort.Tests.Formats;

/// <summary>
/// The corpus's own description of its files (INDEX.md, written from h5py inspection, independent of KerasPort):
/// per model file its format, Keras version, backend and sidecar config. Also finds files by their magic bytes.
/// </summary>
internal sealed partial class CorpusIndex
{
    /// <summary>One INDEX.md row.</summary>
    public sealed record Row(string RelativePath, string VersionColumn, string FormatColumn, string? SidecarConfig)
    {
        /// <summary>The Keras version stored in the file itself, or null when INDEX says it is not recorded there.</summary>
        public string? FileVersion => VersionColumn.Contains('(') ? null : VersionColumn.Split(" / ")[0].Trim();

        /// <summary>The version INDEX gives whatever its source (the file or the sidecar JSON).</summary>
        public string AnyVersion => VersionColumn.Split(" / ")[0].Split(" (")[0].Trim();

        /// <summary>The backend stored in the file, or null when INDEX lists none.</summary>
        public string? Backend => VersionColumn.Contains(" / ") ? VersionColumn.Split(" / ")[1].Trim() : null;
    }

    private CorpusIndex(string root, IReadOnlyDictionary<string, Row> rows)
    {
        Root = root;
        Rows = rows;
    }

    public string Root { get; }
    public IReadOnlyDictionary<string, Row> Rows { get; }

    public static CorpusIndex Load(string root)
    {
        var rows = new Dictionary<string, Row>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(root, "INDEX.md")))
        {
            if (!RowStart().IsMatch(line)) continue;
            var cells = line.Split('|');
            string rel = cells[2].Trim().Trim('`');
            var sidecar = Sidecar().Match(line);
            rows[rel] = new Row(rel, cells[4].Trim(), cells[5].Trim(), sidecar.Success ? sidecar.Groups[1].Value : null);
        }
        return new CorpusIndex(root, rows);
    }

    /// <summary>Corpus-relative paths (forward slashes) of every file whose first bytes are the HDF5 or zip signature.</summary>
    public IEnumerable<string> FilesByMagic(bool hdf5, bool zip) =>
        Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Where(f =>
            {
                var head = new byte[8];
                using var s = File.OpenRead(f);
                int n = s.ReadAtLeast(head, 8, throwOnEndOfStream: false);
                bool isHdf5 = n == 8 && head.AsSpan().SequenceEqual(Hdf5Signature);
                bool isZip = n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
                return (hdf5 && isHdf5) || (zip && isZip);
            })
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .OrderBy(f => f, StringComparer.Ordinal);

    public static bool IsReferenceFile(string relativePath) => relativePath.EndsWith("_inputs_and_outputs.h5", StringComparison.Ordinal);

    private static readonly byte[] Hdf5Signature = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A];

    public string Full(string relativePath) => Path.Combine(Root, relativePath);

    [GeneratedRegex(@"^\| \d+ \| `")]
    private static partial Regex RowStart();

    [GeneratedRegex(@"cfg: sidecar ([^\]\s;]+)")]
    private static partial Regex Sidecar();
}
