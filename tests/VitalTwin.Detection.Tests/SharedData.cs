namespace VitalTwin.Detection.Tests;

/// <summary>Finds the shared data folder that sits beside the repository clone.</summary>
internal static class SharedData
{
    private static readonly Lazy<string> Root = new(Locate);

    public static string PathTo(params string[] relative) => Path.Combine([Root.Value, .. relative]);

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "global.json")))
            {
                string data = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
                return Directory.Exists(data)
                    ? data
                    : throw new DirectoryNotFoundException($"Shared test data not found at {data} (expected beside the repository root {dir.FullName}).");
            }
        }

        throw new DirectoryNotFoundException($"No global.json above {AppContext.BaseDirectory}; cannot locate the repository root and the shared data beside it.");
    }
}
