using System.Globalization;
using System.Text;
using VitalTwin.Notification.Core;
using VitalTwin.Simulator.Core.Replay;

namespace VitalTwin.Evaluation.Reporting;

/// <summary>
/// alerts.csv: every alert VitalTwin raised, in the order raised, as <c>patient,timestamp,condition,priority</c>;
/// the timestamp is the time of the reading the alert rests on, ISO-8601 in UTC. For checking a run against a
/// hospital's own records, or loading into a spreadsheet.
/// </summary>
public static class AlertsCsv
{
    public const string FileName = "alerts.csv";
    public const string Header = "patient,timestamp,condition,priority";

    public static void Write(IEnumerable<AlertDecision> alerts, string path)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var csv = new StringBuilder(Header).Append('\n');
        foreach (var alert in alerts)
        {
            csv.Append(CsvFields.Quote(alert.PatientId)).Append(',')
                .Append(alert.ObservedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)).Append(',')
                .Append(alert.Condition).Append(',')
                .Append(alert.Priority).Append('\n');
        }
        File.WriteAllText(path, csv.ToString());
    }
}
