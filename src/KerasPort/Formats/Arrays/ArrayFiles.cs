namespace KerasPort.Formats.Arrays;

/// <summary>File access for array files, reporting failures as <see cref="ModelIOException"/> naming the file.</summary>
internal static class ArrayFiles
{
    public static byte[] ReadAllBytes(string path)
    {
        if (Directory.Exists(path)) throw new ModelIOException($"{path}: is a directory, not a file");
        if (!File.Exists(path)) throw new ModelIOException($"{path}: file not found");
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelIOException($"{path}: cannot read the file: {e.Message}", e);
        }
    }

    public static string ReadAllText(string path) => System.Text.Encoding.UTF8.GetString(ReadAllBytes(path)).TrimStart('\uFEFF');

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, () => File.WriteAllBytes(path, bytes));

    public static void WriteAllText(string path, string text) => Write(path, () => File.WriteAllText(path, text));

    public static void Write(string path, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelIOException($"{path}: cannot write the file: {e.Message}", e);
        }
    }
}
