namespace KerasPort.Tests.Infrastructure;

/// <summary>Locates the repository root, the fixtures folder and the shared corpus (which a fresh clone lacks).</summary>
public static class TestPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KerasPort.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("KerasPort.sln not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository root (the folder holding KerasPort.sln).</summary>
    public static string RepoRoot => Root.Value;

    /// <summary>The committed fixtures folder.</summary>
    public static string Fixtures => Path.Combine(RepoRoot, "fixtures");

    /// <summary>The shared corpus of real Keras files (<c>../shared/corpus</c> beside the repo, or $KERASPORT_CORPUS), or null when absent.</summary>
    public static string? Corpus
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("KERASPORT_CORPUS");
            if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
            var p = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "corpus"));
            return Directory.Exists(p) ? p : null;
        }
    }
}
