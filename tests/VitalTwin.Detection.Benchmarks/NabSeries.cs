using System.Globalization;

namespace VitalTwin.Detection.Benchmarks;

/// <summary>NAB's machine_temperature_system_failure, repeated to <see cref="Points"/> values.</summary>
internal static class NabSeries
{
    // 44 whole copies of the 22,695-row series, as in ML.NET's throughput figures in mlnet/reference/SOURCE.txt.
    public const int Copies = 44;
    public const int Points = Copies * RowsPerCopy;

    private const int RowsPerCopy = 22_695;

    public static float[] MachineTemperature()
    {
        string path = SharedDataPath("nab", "data", "realKnownCause", "machine_temperature_system_failure.csv");
        float[] series = File.ReadLines(path)
            .Skip(1)
            .Select(line => float.Parse(line.AsSpan(line.IndexOf(',', StringComparison.Ordinal) + 1), CultureInfo.InvariantCulture))
            .ToArray();
        if (series.Length != RowsPerCopy)
        {
            throw new InvalidDataException($"{path} has {series.Length} rows, expected {RowsPerCopy}.");
        }

        var repeated = new float[Points];
        for (int copy = 0; copy < Copies; copy++)
        {
            series.CopyTo(repeated, copy * RowsPerCopy);
        }

        return repeated;
    }

    // The shared data folder sits beside the repository root, the folder holding global.json.
    private static string SharedDataPath(params string[] relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "global.json")))
            {
                return Path.GetFullPath(Path.Combine([dir.FullName, "..", "shared", "data", .. relative]));
            }
        }

        throw new DirectoryNotFoundException($"No global.json above {AppContext.BaseDirectory}; cannot locate the shared data beside the repository root.");
    }
}
