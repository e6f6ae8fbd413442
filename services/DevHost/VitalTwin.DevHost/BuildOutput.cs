namespace VitalTwin.DevHost;

/// <summary>
/// Finds a sibling program in the build's artifacts layout (artifacts/bin/&lt;project&gt;/&lt;pivot&gt;/),
/// where this program and every service are built side by side with the same configuration.
/// </summary>
public static class BuildOutput
{
    public static string Locate(string assemblyName)
    {
        var own = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var binRoot = own.Parent?.Parent
            ?? throw new InvalidOperationException($"{AppContext.BaseDirectory} is not inside an artifacts/bin layout.");
        var candidate = Path.Combine(binRoot.FullName, assemblyName, own.Name, assemblyName + ".dll");
        return File.Exists(candidate)
            ? candidate
            : throw new FileNotFoundException($"{assemblyName} is not built; build the solution first (./build.sh).", candidate);
    }
}
