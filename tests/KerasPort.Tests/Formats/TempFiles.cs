namespace KerasPort.Tests.Formats;

/// <summary>A per-test temporary folder, deleted on dispose.</summary>
internal sealed class TempFiles : IDisposable
{
    public TempFiles()
    {
        Dir = Path.Combine(Path.GetTempPath(), "keras-port-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; }

    public string PathOf(string name) => Path.Combine(Dir, name);

    public string Write(string name, byte[] bytes)
    {
        var p = PathOf(name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    public string Write(string name, string text)
    {
        var p = PathOf(name);
        File.WriteAllText(p, text);
        return p;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
