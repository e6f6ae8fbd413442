using System.Text.Json;
using System.Text.Json.Serialization;

namespace VitalTwin.Evaluation.Reporting;

/// <summary>results.json: every figure of the report, for tools and for comparing runs.</summary>
public static class ResultsJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // Sensitivity of a kind without events, and delays never measured, are NaN or null rather than a made-up 0.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public static void Write<T>(T results, string path)
    {
        ArgumentNullException.ThrowIfNull(results);
        File.WriteAllText(path, JsonSerializer.Serialize(results, Options));
    }
}
