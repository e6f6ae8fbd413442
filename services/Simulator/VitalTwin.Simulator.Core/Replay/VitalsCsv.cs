using System.Globalization;
using System.Text;
using VitalTwin.Clinical;

namespace VitalTwin.Simulator.Core.Replay;

/// <summary>
/// Recorded vitals as CSV: a header <c>timestamp,patient,code,value,unit</c>, then one reading per line with an
/// ISO-8601 timestamp (UTC when it has no offset), a patient id, a LOINC code of the vital catalogue, a number
/// with '.' as decimal separator, and a UCUM unit the catalogue accepts for that vital. Fields may be quoted
/// ("...", with "" for a quote). Blank lines are skipped.
/// </summary>
public static class VitalsCsv
{
    public const string Header = "timestamp,patient,code,value,unit";

    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm:ssK",
    ];

    /// <summary>The rows in file order, read as they are enumerated.</summary>
    /// <exception cref="RecordingFormatException">A row (or the header) is not valid; the first such row.</exception>
    public static IEnumerable<RecordedReading> Read(TextReader reader, VitalCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(catalogue);
        return CsvFields.Rows(reader, Header).Select(row => Parse(row.Fields, row.Line, catalogue));
    }

    /// <summary>Reads a whole recording and orders it by timestamp (rows with equal timestamps keep their file order).</summary>
    /// <exception cref="RecordingFormatException">A row is not valid; the message names the file and line.</exception>
    public static IReadOnlyList<RecordedReading> Load(string path, VitalCatalogue catalogue)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        try
        {
            return [.. Read(reader, catalogue).OrderBy(r => r.Timestamp)];
        }
        catch (RecordingFormatException ex)
        {
            throw new RecordingFormatException(ex.Line, $"{ex.Problem} (in {Path.GetFileName(path)})");
        }
    }

    private static RecordedReading Parse(List<string> fields, int lineNumber, VitalCatalogue catalogue)
    {
        var (timestampText, patient, code, valueText, unit) = (fields[0], fields[1], fields[2], fields[3], fields[4]);
        if (!TryParseTimestamp(timestampText, out var timestamp))
        {
            throw new RecordingFormatException(lineNumber, $"timestamp '{timestampText}' is not ISO-8601, e.g. 2025-01-06T08:30:00Z");
        }
        if (patient.Length == 0)
        {
            throw new RecordingFormatException(lineNumber, "patient is empty");
        }
        if (code.Length == 0 || !catalogue.TryFind(code, null, out var vital))
        {
            throw new RecordingFormatException(lineNumber, $"code '{code}' is not the LOINC code of a known vital ({string.Join(", ", catalogue.All.Select(d => $"{d.Loinc} {d.Name}"))})");
        }
        if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new RecordingFormatException(lineNumber, $"value '{valueText}' is not a number");
        }
        if (!vital.AcceptedUnits.Contains(unit, StringComparer.Ordinal))
        {
            throw new RecordingFormatException(lineNumber, $"unit '{unit}' is not one of {string.Join(", ", vital.AcceptedUnits)} for {vital.Name}");
        }
        return new RecordedReading(timestamp, patient, vital, value, unit, lineNumber);
    }

    /// <summary>An ISO-8601 time as recordings write it (with fractions or an offset; UTC without one), in UTC.</summary>
    public static bool TryParseTimestamp(string text, out DateTimeOffset timestamp)
    {
        if (DateTimeOffset.TryParseExact(text, TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            timestamp = parsed.ToUniversalTime();
            return true;
        }
        timestamp = default;
        return false;
    }
}
