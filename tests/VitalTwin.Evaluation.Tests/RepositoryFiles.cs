namespace VitalTwin.Evaluation.Tests;

internal static class RepositoryFiles
{
    /// <summary>The repository root: the nearest folder above the test's output that holds the solution file.</summary>
    public static string Root()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VitalTwin.slnx")))
            {
                return directory.FullName;
            }
        }
        throw new DirectoryNotFoundException("No VitalTwin.slnx above the test output.");
    }

    public static string Scenario(string file) => Path.Combine(Root(), "scenarios", file);
}
