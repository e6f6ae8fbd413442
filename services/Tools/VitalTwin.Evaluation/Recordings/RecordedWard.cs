using System.Text;
using VitalTwin.Clinical;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Evaluation.Pipeline;
using VitalTwin.Simulator.Core.Replay;

namespace VitalTwin.Evaluation.Recordings;

/// <summary>
/// A recording (<see cref="VitalsCsv"/>) with a hospital's own labels (<see cref="LabelsCsv"/>) and, optionally,
/// its patients' ages and conditions (<see cref="PatientsCsv"/>), checked against each other. The run spans the
/// first to the last reading. Nothing is dropped: a label or a patient row the recording cannot account for stops
/// the load with its file and line.
/// </summary>
public sealed record RecordedWard(EvaluatedCohort Cohort, IReadOnlyList<RecordedReading> Recording, IReadOnlyList<LabelledEvent> Events, VitalCatalogue Catalogue)
{
    /// <exception cref="RecordingFormatException">A file is not valid, or they disagree; the message names the file and line.</exception>
    public static RecordedWard Load(string recordingPath, string labelsPath, string? patientsPath, VitalCatalogue catalogue)
    {
        ArgumentException.ThrowIfNullOrEmpty(recordingPath);
        ArgumentException.ThrowIfNullOrEmpty(labelsPath);
        ArgumentNullException.ThrowIfNull(catalogue);
        var recording = VitalsCsv.Load(recordingPath, catalogue);
        var labels = InFile(labelsPath, LabelsCsv.Read);
        var patients = patientsPath is null ? null : InFile(patientsPath, PatientsCsv.Read);
        return From(Path.GetFileNameWithoutExtension(recordingPath), recording, labels, Path.GetFileName(labelsPath), patients, patientsPath is null ? null : Path.GetFileName(patientsPath), catalogue);
    }

    /// <param name="labelsFile">Names the labels in messages.</param>
    /// <param name="patientsFile">Names the patients file in messages.</param>
    /// <exception cref="RecordingFormatException">The recording is empty, or a label or patient row does not match it.</exception>
    public static RecordedWard From(
        string name,
        IReadOnlyList<RecordedReading> recording,
        IReadOnlyList<LabelRow> labels,
        string labelsFile,
        IReadOnlyList<PatientRow>? patients,
        string? patientsFile,
        VitalCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentNullException.ThrowIfNull(labels);
        if (recording.Count == 0)
        {
            throw new RecordingFormatException(1, $"the recording has no readings to score (for {labelsFile})");
        }
        var start = recording.Min(r => r.Timestamp);
        var end = recording.Max(r => r.Timestamp);
        var recorded = recording.Select(r => r.PatientId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var known = recorded.ToHashSet(StringComparer.Ordinal);
        foreach (var label in labels)
        {
            if (!known.Contains(label.Event.PatientId))
            {
                throw new RecordingFormatException(label.Line, $"patient '{label.Event.PatientId}' has no readings in the recording (in {labelsFile})");
            }
            if (label.Event.Onset > end)
            {
                throw new RecordingFormatException(label.Line, $"onset {label.Event.Onset:O} is after the recording's last reading ({end:O}) (in {labelsFile})");
            }
        }
        var traits = recorded.ToDictionary(p => p, p => new PatientTraits(p, null, null), StringComparer.Ordinal);
        foreach (var row in patients ?? [])
        {
            traits[row.Patient.PatientId] = known.Contains(row.Patient.PatientId)
                ? row.Patient
                : throw new RecordingFormatException(row.Line, $"patient '{row.Patient.PatientId}' has no readings in the recording (in {patientsFile})");
        }
        var cohort = new EvaluatedCohort(name, null, start, end, [.. recorded.Select(p => traits[p])], HasTraits: patients is not null);
        return new RecordedWard(cohort, recording, [.. labels.Select(l => l.Event)], catalogue);
    }

    private static T InFile<T>(string path, Func<TextReader, T> read)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        try
        {
            return read(reader);
        }
        catch (RecordingFormatException ex)
        {
            throw new RecordingFormatException(ex.Line, $"{ex.Problem} (in {Path.GetFileName(path)})");
        }
    }
}
