using VitalTwin.Clinical;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Evaluation.Pipeline;
using VitalTwin.Evaluation.Recordings;
using VitalTwin.Evaluation.Reporting;
using VitalTwin.Simulator.Core.Replay;

namespace VitalTwin.Evaluation.Tests;

/// <summary>A recording scored against a hospital's own labels: the formats, their errors, and alerts.csv.</summary>
public sealed class RecordingTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<LabelRow> Labels(string text) => LabelsCsv.Read(new StringReader(text));

    private static IReadOnlyList<PatientRow> Patients(string text) => PatientsCsv.Read(new StringReader(text));

    [Fact]
    public void Labels_are_read_with_free_text_kinds_times_in_UTC_and_an_empty_end_for_a_persisting_event()
    {
        var labels = Labels("""
            patient,kind,onset,end
            p1,Sepsis (qSOFA ≥ 2),2025-01-06T10:00:00+01:00,

            "bed 4, ward 2",rapid response call,2025-01-06T09:30:00Z,2025-01-06T10:15:30.5Z
            """);

        Assert.Equal(
            [
                new LabelRow(2, new LabelledEvent("Sepsis (qSOFA ≥ 2)", "p1", Start.AddHours(1), null)),
                new LabelRow(4, new LabelledEvent("rapid response call", "bed 4, ward 2", Start.AddMinutes(90), Start.AddMinutes(135).AddSeconds(30.5))),
            ],
            labels);
        Assert.Equal(TimeSpan.Zero, labels[0].Event.Onset.Offset);
    }

    [Theory]
    [InlineData("patient,kind,start,end\n", 1, "expected the header 'patient,kind,onset,end'")]
    [InlineData("", 1, "the file is empty")]
    [InlineData("patient,kind,onset,end\np1,sepsis,2025-01-06T10:00:00Z\n", 2, "expected 4 fields")]
    [InlineData("patient,kind,onset,end\np1,sepsis,2025-01-06T10:00:00Z,\np1,,2025-01-06T10:00:00Z,\n", 3, "kind is empty")]
    [InlineData("patient,kind,onset,end\n,sepsis,2025-01-06T10:00:00Z,\n", 2, "patient is empty")]
    [InlineData("patient,kind,onset,end\np1,sepsis,06/01/2025 10:00,\n", 2, "onset '06/01/2025 10:00' is not ISO-8601")]
    [InlineData("patient,kind,onset,end\np1,sepsis,2025-01-06T10:00:00Z,soon\n", 2, "end 'soon' is not ISO-8601")]
    [InlineData("patient,kind,onset,end\np1,sepsis,2025-01-06T10:00:00Z,2025-01-06T09:00:00Z\n", 2, "is not after onset")]
    [InlineData("patient,kind,onset,end\n\"p1,sepsis,2025-01-06T10:00:00Z,\n", 2, "a quoted field is not closed")]
    public void A_bad_labels_file_stops_at_its_first_bad_line(string text, int line, string problem)
    {
        var error = Assert.Throws<RecordingFormatException>(() => Labels(text));

        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"line {line}: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("patient,age,condition\np1,eighty,copd\n", 2, "age 'eighty' is not a whole number")]
    [InlineData("patient,age,condition\np1,131,copd\n", 2, "age '131'")]
    [InlineData("patient,age,condition\np1,-3,copd\n", 2, "age '-3'")]
    [InlineData("patient,age,condition\np1,80,copd\np1,81,copd\n", 3, "patient 'p1' is already on line 2")]
    [InlineData("patient,condition\n", 1, "expected the header 'patient,age,condition'")]
    public void A_bad_patients_file_stops_at_its_first_bad_line(string text, int line, string problem)
    {
        var error = Assert.Throws<RecordingFormatException>(() => Patients(text));

        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_and_patients_the_recording_cannot_account_for_are_errors_with_their_file_and_line_not_dropped()
    {
        var recording = Recording(("p1", 0), ("p1", 60), ("p2", 30));
        var labels = Labels("patient,kind,onset,end\np1,fall,2025-01-06T08:00:30Z,\np3,fall,2025-01-06T08:00:30Z,\n");
        var late = Labels("patient,kind,onset,end\np1,fall,2025-01-06T08:01:01Z,\n");
        var patients = Patients("patient,age,condition\np1,70,copd\np9,50,\n");

        var unknownLabel = Assert.Throws<RecordingFormatException>(() => RecordedWard.From("r", recording, labels, "events.csv", null, null, VitalCatalogue.Default));
        var afterEnd = Assert.Throws<RecordingFormatException>(() => RecordedWard.From("r", recording, late, "events.csv", null, null, VitalCatalogue.Default));
        var unknownPatient = Assert.Throws<RecordingFormatException>(() => RecordedWard.From("r", recording, labels.Take(1).ToList(), "events.csv", patients, "patients.csv", VitalCatalogue.Default));

        Assert.Equal("line 3: patient 'p3' has no readings in the recording (in events.csv)", unknownLabel.Message);
        Assert.Equal(2, afterEnd.Line);
        Assert.Contains("is after the recording's last reading", afterEnd.Message, StringComparison.Ordinal);
        Assert.Equal("line 3: patient 'p9' has no readings in the recording (in patients.csv)", unknownPatient.Message);
    }

    [Fact]
    public void A_recording_spans_its_first_to_last_reading_and_has_subgroups_only_with_its_patients_file()
    {
        var recording = Recording(("p2", 30), ("p1", 0), ("p1", 90));
        var labels = Labels("patient,kind,onset,end\np1,fall,2025-01-06T08:00:30Z,\n");

        var without = RecordedWard.From("r", recording, labels, "events.csv", null, null, VitalCatalogue.Default);
        var with = RecordedWard.From("r", recording, labels, "events.csv", Patients("patient,age,condition\np1,70,copd\n"), "patients.csv", VitalCatalogue.Default);

        Assert.Equal((Start, Start.AddSeconds(90)), (without.Cohort.Start, without.Cohort.End));
        Assert.Equal([new PatientTraits("p1", null, null), new PatientTraits("p2", null, null)], without.Cohort.Patients);
        Assert.False(without.Cohort.HasTraits);
        Assert.True(with.Cohort.HasTraits);
        Assert.Equal([new PatientTraits("p1", 70, "copd"), new PatientTraits("p2", null, null)], with.Cohort.Patients);
    }

    [Fact]
    public void A_replayed_recording_is_scored_against_its_labels_and_alerts_csv_lists_every_alert_VitalTwin_raised()
    {
        var directory = Directory.CreateTempSubdirectory("vitaltwin-replay-");
        try
        {
            // Half an hour of a steady patient whose SpO2 falls to 84 % from minute 10 to minute 14, labelled by the hospital.
            var desaturated = (From: Start.AddMinutes(10), To: Start.AddMinutes(14));
            var rows = new List<string> { VitalsCsv.Header };
            for (var second = 0; second <= 30 * 60; second += 5)
            {
                var at = Start.AddSeconds(second);
                var stamp = at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
                var wobble = second / 5 % 3;
                // A real desaturation quickens the pulse; one that nothing else follows would be screened as an artifact.
                rows.Add($"{stamp},\"bed 1, ward 2\",8867-4,{(at >= desaturated.From && at < desaturated.To ? 84 : 72) + wobble},/min");
                rows.Add($"{stamp},\"bed 1, ward 2\",59408-5,{(at >= desaturated.From && at < desaturated.To ? 84 : 96 + wobble)},%");
                rows.Add($"{stamp},\"bed 1, ward 2\",9279-1,{15 + wobble},/min");
                if (second % 300 == 0)
                {
                    rows.Add($"{stamp},\"bed 1, ward 2\",8480-6,{120 + wobble},mm[Hg]");
                    rows.Add($"{stamp},\"bed 1, ward 2\",8310-5,98.{wobble},[degF]");
                }
            }
            var recording = Path.Combine(directory.FullName, "ward.csv");
            var labels = Path.Combine(directory.FullName, "events.csv");
            File.WriteAllLines(recording, rows);
            File.WriteAllText(labels, "patient,kind,onset,end\n\"bed 1, ward 2\",hypoxaemia,2025-01-06T08:10:00Z,2025-01-06T08:14:00Z\n");
            var ward = RecordedWard.Load(recording, labels, null, VitalCatalogue.Default);
            var shipped = ShippedConfiguration.Load();

            var run = EvaluationRun.Replay(ward, shipped, new RunSettings(), TextWriter.Null, CancellationToken.None);
            var results = EvaluationResults.From(run, shipped, ScoringRules.Default);
            ReportWriter.Write(results, run, Path.Combine(directory.FullName, "out"));

            var vitalTwin = results.System(EvaluationResults.VitalTwin);
            Assert.Equal((1, 1), (vitalTwin.Overall.Events, vitalTwin.Overall.Detected));
            Assert.Equal("hypoxaemia", Assert.Single(vitalTwin.Kinds).Kind);
            Assert.Empty(results.Subgroups);
            Assert.Equal(run.Readings, results.Run.Accepted);
            var raised = run.Pipeline.Runs[0].Raised;
            Assert.NotEmpty(raised);
            // The twin scores the minute's median and counts a new band once it has held.
            var alert = Assert.Single(raised);
            Assert.InRange(alert.ObservedAt, desaturated.From + shipped.Twin.News2Hold, desaturated.From + (shipped.Twin.News2Window / 2) + shipped.Twin.News2Hold);
            var lines = File.ReadAllLines(Path.Combine(directory.FullName, "out", AlertsCsv.FileName));
            Assert.Equal(AlertsCsv.Header, lines[0]);
            Assert.Equal(
                raised.Select(a => $"\"bed 1, ward 2\",{a.ObservedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'},{a.Condition},{a.Priority}"),
                lines.Skip(1));
            Assert.StartsWith($"\"bed 1, ward 2\",{alert.ObservedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'},News2SingleParameter,Medium", lines[1], StringComparison.Ordinal);
            Assert.Equal(raised.Count, CsvRows(lines).Count(r => r.Count == 4));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static IEnumerable<List<string>> CsvRows(string[] lines) => lines.Skip(1).Select((l, i) => CsvFields.Split(l, i + 2));

    private static List<RecordedReading> Recording(params (string Patient, int Second)[] rows) =>
        [.. rows.Select((r, i) => new RecordedReading(Start.AddSeconds(r.Second), r.Patient, VitalCatalogue.Default[VitalSign.HeartRate], 70, "/min", i + 2)).OrderBy(r => r.Timestamp)];
}
