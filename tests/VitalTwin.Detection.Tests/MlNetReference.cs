using System.Globalization;
using System.Text.Json;

namespace VitalTwin.Detection.Tests;

internal sealed record ReferenceRow(bool Alert, double RawScore, double PValue, double Martingale);

/// <summary>ML.NET's golden test values and its outputs on NAB series, as stored in the shared data folder.</summary>
internal static class MlNetReference
{
    public static JsonElement Golden(string testName)
    {
        using var stream = File.OpenRead(SharedData.PathTo("mlnet", "golden_expectations.json"));
        using var document = JsonDocument.Parse(stream);
        return document.RootElement.GetProperty(testName).Clone();
    }

    public static float[] NabValues(string series)
    {
        string path = Directory.EnumerateFiles(SharedData.PathTo("nab", "data"), series + ".csv", SearchOption.AllDirectories).Single();
        return File.ReadLines(path)
            .Skip(1)
            .Select(line => float.Parse(line[(line.IndexOf(',', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture))
            .ToArray();
    }

    /// <summary>Rows of reference/{detector}_{series}.csv: Alert,RawScore,PValue,Martingale (empty for spikes).</summary>
    public static ReferenceRow[] Outputs(string detector, string series) =>
        File.ReadLines(SharedData.PathTo("mlnet", "reference", $"{detector}_{series}.csv"))
            .Skip(1)
            .Select(line => line.Split(','))
            .Select(f => new ReferenceRow(f[0] == "1", Parse(f[1]), Parse(f[2]), Parse(f[3])))
            .ToArray();

    private static double Parse(string field) =>
        field.Length == 0 ? double.NaN : double.Parse(field, CultureInfo.InvariantCulture);
}
