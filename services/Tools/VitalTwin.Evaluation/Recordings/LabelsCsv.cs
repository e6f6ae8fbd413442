using VitalTwin.Evaluation.Metrics;
using VitalTwin.Simulator.Core.Replay;

namespace VitalTwin.Evaluation.Recordings;

/// <summary>A labelled event and the line it came from, for messages.</summary>
public sealed record LabelRow(int Line, LabelledEvent Event);

/// <summary>
/// A hospital's own labels of a recording: a header <c>patient,kind,onset,end</c>, then one event per line with
/// ISO-8601 times (UTC when without an offset); <c>end</c> empty for an event that persists; <c>kind</c> free text,
/// by which the report groups events. Fields may be quoted as in the recording. Blank lines are skipped.
/// </summary>
public static class LabelsCsv
{
    public const string Header = "patient,kind,onset,end";

    /// <exception cref="RecordingFormatException">The header or a row is not valid; the first such line.</exception>
    public static IReadOnlyList<LabelRow> Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<LabelRow>();
        foreach (var (lineNumber, fields) in CsvFields.Rows(reader, Header))
        {
            var (patient, kind, onsetText, endText) = (fields[0], fields[1], fields[2], fields[3]);
            if (patient.Length == 0)
            {
                throw new RecordingFormatException(lineNumber, "patient is empty");
            }
            if (kind.Length == 0)
            {
                throw new RecordingFormatException(lineNumber, "kind is empty");
            }
            if (!VitalsCsv.TryParseTimestamp(onsetText, out var onset))
            {
                throw new RecordingFormatException(lineNumber, $"onset '{onsetText}' is not ISO-8601, e.g. 2025-01-06T08:30:00Z");
            }
            DateTimeOffset? end = null;
            if (endText.Length > 0)
            {
                end = VitalsCsv.TryParseTimestamp(endText, out var parsed)
                    ? parsed
                    : throw new RecordingFormatException(lineNumber, $"end '{endText}' is not ISO-8601, e.g. 2025-01-06T09:30:00Z (leave it empty for an event that persists)");
                if (parsed <= onset)
                {
                    throw new RecordingFormatException(lineNumber, $"end {endText} is not after onset {onsetText}");
                }
            }
            rows.Add(new LabelRow(lineNumber, new LabelledEvent(kind, patient, onset, end)));
        }
        return rows;
    }
}
