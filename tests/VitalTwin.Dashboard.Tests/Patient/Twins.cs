using Google.Protobuf.WellKnownTypes;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.Dashboard.Tests.Patient;

/// <summary>Twins, histories and alerts as the services send them, built for the tests.</summary>
internal static class Twins
{
    public const string HeartRate = "8867-4";
    public const string Saturation = "59408-5";
    public const string Respiration = "9279-1";
    public const string Systolic = "8480-6";
    public const string Temperature = "8310-5";

    public static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    public static Timestamp At(DateTimeOffset at) => Timestamp.FromDateTimeOffset(at);

    public static VitalSeries Series(string loinc, TimeSpan window, params (DateTimeOffset Time, double Mean)[] points)
    {
        var series = new VitalSeries { Code = new VitalCode { Loinc = loinc }, Name = loinc, Unit = "/min" };
        series.Points.AddRange(points.Select(p => new VitalHistoryPoint { Time = At(p.Time), Mean = p.Mean, Min = p.Mean - 1, Max = p.Mean + 1, Count = (long)window.TotalSeconds }));
        return series;
    }

    public static VitalHistory History(params VitalSeries[] series)
    {
        var history = new VitalHistory { PatientId = "p-1" };
        history.Series.AddRange(series);
        return history;
    }

    public static PatientTwin Twin(params (string Loinc, double Value, VitalStatus Status)[] vitals)
    {
        var twin = new PatientTwin { PatientId = "p-1" };
        foreach (var (loinc, value, status) in vitals)
        {
            var latest = new LatestVital { Code = new VitalCode { Loinc = loinc }, Name = loinc, Value = value, Unit = "/min", ObservedAt = At(Now) };
            twin.Vitals.Add(latest);
            status.Code = latest.Code;
            twin.VitalStatuses.Add(status);
        }
        return twin;
    }

    public static AlertView Alert(string id, DateTimeOffset observedAt, string sourceEventId, params AlertReason[] reasons)
    {
        var raised = new AlertRaised { AlertId = id, PatientId = "p-1", RaisedAt = At(observedAt.AddSeconds(2)), ObservedAt = At(observedAt), SourceEventId = sourceEventId, Priority = AlertPriority.Medium };
        raised.Reasons.AddRange(reasons);
        return new AlertView { AlertId = id, PatientId = "p-1", State = AlertState.Notified, Raised = raised };
    }
}
