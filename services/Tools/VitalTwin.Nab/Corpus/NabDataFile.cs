namespace VitalTwin.Nab.Corpus;

/// <summary>One NAB data file: <c>timestamp,value</c> rows.</summary>
/// <param name="Name">Path relative to the data folder with '/' separators, as the labels file keys it.</param>
public sealed record NabDataFile(string Name, DateTime[] Timestamps, double[] Values)
{
    public static NabDataFile Read(string dataDirectory, string path)
    {
        var table = CsvTable.Read(path);
        string name = Path.GetRelativePath(dataDirectory, path).Replace(Path.DirectorySeparatorChar, '/');
        return new NabDataFile(name, table.Timestamps(), table.Doubles("value"));
    }

    /// <summary>Every <c>*.csv</c> under the data folder, in ordinal order of their names.</summary>
    public static IReadOnlyList<string> FindAll(string dataDirectory) =>
        Directory.EnumerateFiles(dataDirectory, "*.csv", SearchOption.AllDirectories)
            .OrderBy(path => Path.GetRelativePath(dataDirectory, path).Replace(Path.DirectorySeparatorChar, '/'), StringComparer.Ordinal)
            .ToList();
}
