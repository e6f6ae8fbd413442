using System.Globalization;

namespace VitalTwin.Detection.Tests;

/// <summary>ML.NET's Spectral Residual test inputs from the shared data folder, parsed as doubles as ML.NET's loader does.</summary>
internal static class SrCnnTestData
{
    /// <summary>The single Value column of mlnet/test/data/Timeseries/{file}.</summary>
    public static double[] Timeseries(string file) =>
        File.ReadLines(SharedData.PathTo("mlnet", "test", "data", "Timeseries", file))
            .Skip(1)
            .Where(line => line.Length > 0)
            .Select(line => double.Parse(line, CultureInfo.InvariantCulture))
            .ToArray();

    /// <summary>The value column of a NAB series (ML.NET's period_*.csv are these values).</summary>
    public static double[] Nab(string series)
    {
        string path = Directory.EnumerateFiles(SharedData.PathTo("nab", "data"), series + ".csv", SearchOption.AllDirectories).Single();
        return File.ReadLines(path)
            .Skip(1)
            .Select(line => double.Parse(line[(line.IndexOf(',', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture))
            .ToArray();
    }
}
