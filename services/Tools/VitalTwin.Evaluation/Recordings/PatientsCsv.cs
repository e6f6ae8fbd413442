using System.Globalization;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Simulator.Core.Replay;

namespace VitalTwin.Evaluation.Recordings;

/// <summary>A patient's traits and the line they came from, for messages.</summary>
public sealed record PatientRow(int Line, PatientTraits Patient);

/// <summary>
/// Who the recorded patients are, for the subgroups: a header <c>patient,age,condition</c>, then one patient per
/// line; age in whole years (empty when unknown), condition free text (empty when unknown).
/// </summary>
public static class PatientsCsv
{
    public const string Header = "patient,age,condition";
    public const int OldestAge = 130;

    /// <exception cref="RecordingFormatException">The header or a row is not valid, or a patient comes twice; the first such line.</exception>
    public static IReadOnlyList<PatientRow> Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<PatientRow>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (lineNumber, fields) in CsvFields.Rows(reader, Header))
        {
            var (patient, ageText, condition) = (fields[0], fields[1], fields[2]);
            if (patient.Length == 0)
            {
                throw new RecordingFormatException(lineNumber, "patient is empty");
            }
            if (!seen.TryAdd(patient, lineNumber))
            {
                throw new RecordingFormatException(lineNumber, $"patient '{patient}' is already on line {seen[patient]}");
            }
            int? age = null;
            if (ageText.Length > 0)
            {
                age = int.TryParse(ageText, NumberStyles.None, CultureInfo.InvariantCulture, out var years) && years <= OldestAge
                    ? years
                    : throw new RecordingFormatException(lineNumber, $"age '{ageText}' is not a whole number of years from 0 to {OldestAge} (leave it empty when unknown)");
            }
            rows.Add(new PatientRow(lineNumber, new PatientTraits(patient, age, condition.Length == 0 ? null : condition)));
        }
        return rows;
    }
}
