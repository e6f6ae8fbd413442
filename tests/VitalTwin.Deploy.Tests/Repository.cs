namespace VitalTwin.Deploy.Tests;

/// <summary>Paths in the checkout the tests read: deploy/, charts/, services/.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Deploy => Path.Combine(Root, "deploy");

    public static string Chart => Path.Combine(Root, "charts", "vitaltwin");

    public static string Services => Path.Combine(Root, "services");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(PathOf(parts));

    /// <summary>The part of a path below the repository root, with forward slashes, for messages.</summary>
    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VitalTwin.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No VitalTwin.slnx above {AppContext.BaseDirectory}.");
    }
}
