using System.Globalization;
using System.Text.Json;
using VitalTwin.Nab.Corpus;
using VitalTwin.Nab.Scoring;

namespace VitalTwin.Nab.Tests;

internal sealed record StoredFileScore(string File, double Threshold, double Score, int Tp, int Tn, int Fp, int Fn, int Total);

/// <summary>NAB's published results for the subset: per-file score tables, per-row result files and final scores.</summary>
internal static class StoredResults
{
    public static IReadOnlyList<string> Detectors() =>
        Directory.EnumerateDirectories(SharedNab.PathTo("results")).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();

    public static double Threshold(string detector, string profile)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(SharedNab.PathTo("config", "thresholds.json")));
        return document.RootElement.GetProperty(detector).GetProperty(profile).GetProperty("threshold").GetDouble();
    }

    public static double FinalScore(string detector, string profile)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(SharedNab.PathTo("results", "final_results.json")));
        return document.RootElement.GetProperty(detector).GetProperty(profile).GetDouble();
    }

    public static int WindowCount()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(SharedNab.PathTo("labels", "combined_windows.json")));
        return document.RootElement.EnumerateObject().Sum(file => file.Value.GetArrayLength());
    }

    /// <summary>The rows of <c>results/{detector}/{detector}_{profile}_scores.csv</c>, or null if NAB's subset lacks the table.</summary>
    public static (IReadOnlyDictionary<string, StoredFileScore> Files, double Total)? ScoreTable(string detector, string profile)
    {
        string path = SharedNab.PathTo("results", detector, $"{detector}_{profile}_scores.csv");
        if (!File.Exists(path))
        {
            return null;
        }

        var files = new Dictionary<string, StoredFileScore>(StringComparer.Ordinal);
        double total = double.NaN;
        foreach (string[] f in File.ReadLines(path).Skip(1).Select(line => line.Split(',')))
        {
            if (f[0] == "Totals")
            {
                total = Parse(f[4]);
                continue;
            }

            files[f[2]] = new StoredFileScore(f[2], Parse(f[3]), Parse(f[4]), int.Parse(f[5], CultureInfo.InvariantCulture),
                int.Parse(f[6], CultureInfo.InvariantCulture), int.Parse(f[7], CultureInfo.InvariantCulture),
                int.Parse(f[8], CultureInfo.InvariantCulture), int.Parse(f[9], CultureInfo.InvariantCulture));
        }

        return (files, total);
    }

    /// <summary>The per-row results file of a detector on a data file (e.g. results/numenta/realTraffic/numenta_speed_7578.csv), or null.</summary>
    public static CsvTable? RowResults(string detector, string dataFile)
    {
        string directory = Path.GetDirectoryName(dataFile) ?? "";
        string path = SharedNab.PathTo("results", detector, directory, $"{detector}_{Path.GetFileName(dataFile)}");
        return File.Exists(path) ? CsvTable.Read(path) : null;
    }

    public static IReadOnlyList<NabDataFile> DataFiles()
    {
        string data = SharedNab.PathTo("data");
        return NabDataFile.FindAll(data).Select(path => NabDataFile.Read(data, path)).ToList();
    }

    public static LabelledSeries Labelled(NabDataFile file) =>
        LabelledSeries.FromTimestamps(file.Name, file.Timestamps, Labels.Value.WindowsOf(file.Name));

    private static readonly Lazy<NabLabels> Labels = new(() => NabLabels.Read(SharedNab.PathTo("labels", "combined_windows.json")));

    private static double Parse(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
