using VitalTwin.Load.Measurement;

namespace VitalTwin.Load.Reporting;

/// <summary>Everything one run measured; written as load-&lt;rate&gt;.json and summarised as .md.</summary>
internal sealed record LoadReport(
    DateTimeOffset StartedAt,
    RunSettings Settings,
    ThroughputResult Throughput,
    LatencyResult Latency,
    AlertResult Alerts,
    IReadOnlyList<ServiceLag> LagAtEnd,
    IReadOnlyDictionary<string, long> MaxLagDuringWindow,
    IReadOnlyList<ProcessUsage> Processes,
    IReadOnlyList<string> Findings,
    IReadOnlyList<StatusSample> Timeline)
{
    /// <summary>The final line's number: readings/s end to end, rounded down.</summary>
    public long SustainedReadingsPerSecond => (long)Throughput.SustainedPerSecond;

    /// <summary>The other final line's number, or null when no device-to-alert latency was measured.</summary>
    public double? DeviceToAlertP99Ms => Latency.DeviceToAlert.Count > 0 ? Latency.DeviceToAlert.P99 : null;
}

/// <param name="Transport">The Gateway's front door the run drove: grpc, mqtt or fhir.</param>
internal sealed record RunSettings(
    int Rate, int DurationSeconds, int WarmupSeconds, int Partitions, int Streams, int BatchSize, int Patients,
    int Deteriorating, int TwinSample, double StreamSeconds, int DrainTimeoutSeconds, int ProcessorCount, int Replicas,
    string Transport = "grpc");

/// <param name="OfferedPerSecond">New readings written to the streams per second of the window (resends not counted).</param>
/// <param name="AcceptedPerSecond">Readings the Gateway acknowledged (durable on the telemetry topic) per second, until the last acknowledgement.</param>
/// <param name="SustainedPerSecond">
/// Accepted readings the twins had applied, per second from the window's opening until they had (or until the
/// drain timeout), less the share the watched twins never applied (lost): the end-to-end rate, equal to the
/// accepted rate when the pipeline kept up.
/// </param>
/// <param name="TwinsCaughtUpAfterWindowSeconds">Seconds after the window closed until every watched twin reflected its last reading; null if that did not happen.</param>
/// <param name="AdmissionSeconds">From sending every patient's first tick to TwinState having applied them all (or the admission timeout).</param>
/// <param name="WarmupSeconds">The warm-up as it was: the time asked for, plus any wait for the twins to follow the senders.</param>
/// <param name="WindowCompleteness">Of the readings sent to the watched patients in the window, the share their twins applied; below 1 when data was lost.</param>
/// <param name="RefusedForBackPressure">Readings of calls the Gateway refused for back-pressure (part of Unacknowledged).</param>
/// <param name="RefusedRounds">Sender rounds in which the Gateway refused calls for back-pressure.</param>
/// <param name="Resent">Refused readings the senders sent again after the Gateway's hinted wait.</param>
/// <param name="DroppedBySenders">Refused readings the senders gave up (beyond their backlog, or left when the run ended); not expected of the twins.</param>
/// <param name="AppliedFraction">Share of the window's readings the twins had applied when measurement ended (1 when caught up).</param>
internal sealed record ThroughputResult(
    double WindowSeconds,
    long Sent,
    long Accepted,
    long Rejected,
    long FailedCalls,
    long Unacknowledged,
    double OfferedPerSecond,
    double AcceptedPerSecond,
    double SustainedPerSecond,
    double? TwinsCaughtUpAfterWindowSeconds,
    double AppliedFraction,
    long SampledTwinReadingsApplied,
    long SampledTwinReadingsSent,
    double WindowCompleteness,
    IReadOnlyDictionary<string, long> Rejections,
    IReadOnlyDictionary<string, long> Failures,
    double RegistrationSeconds,
    double ClusterStartSeconds,
    double AdmissionSeconds,
    bool AdmissionComplete,
    double WarmupSeconds,
    bool TwinsFollowingAtWindowStart,
    long RefusedForBackPressure = 0,
    long RefusedRounds = 0,
    long Resent = 0,
    long DroppedBySenders = 0);

internal sealed record LatencyResult(
    LatencySummary DeviceToGatewayProduce,
    LatencySummary DeviceToTelemetryTopic,
    LatencySummary DeviceToTwin,
    LatencySummary DeviceToAlert,
    LatencySummary DeviceToAlertKafkaTimestamp,
    string DeviceToTelemetryMethod,
    string DeviceToTwinMethod,
    string DeviceToAlertMethod);

internal sealed record AlertResult(int Expected, int Measured, long RaisedOnLaterTick, long UnexpectedNews2High, IReadOnlyDictionary<string, long> RaisedByCondition);

/// <summary>One status line's figures, kept for the timeline.</summary>
internal sealed record StatusSample(
    double ElapsedSeconds,
    string Phase,
    double SentPerSecond,
    double AcceptedPerSecond,
    LatencySummary DeviceToTwin,
    int AlertsMeasured,
    int AlertsExpected,
    IReadOnlyDictionary<string, long> Lag,
    IReadOnlyDictionary<string, double> CpuPercent);
