namespace VitalTwin.Nab.Tests;

/// <summary>Finds the NAB subset in the shared data folder that sits beside the repository clone.</summary>
internal static class SharedNab
{
    private static readonly Lazy<string> Root = new(Locate);

    public static string PathTo(params string[] relative) => Path.Combine([Root.Value, .. relative]);

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "global.json")))
            {
                string nab = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "nab"));
                return Directory.Exists(nab)
                    ? nab
                    : throw new DirectoryNotFoundException($"NAB data not found at {nab} (expected in the shared folder beside the repository root {dir.FullName}).");
            }
        }

        throw new DirectoryNotFoundException($"No global.json above {AppContext.BaseDirectory}; cannot locate the repository root and the shared data beside it.");
    }
}
