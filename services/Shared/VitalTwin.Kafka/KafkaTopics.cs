using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Kafka;

/// <summary>
/// VitalTwin's topic names, bound from <c>Kafka:Topics</c>. The defaults are the names of the public
/// contract; deployments override them only to add a prefix or suffix.
/// </summary>
public sealed class KafkaTopics
{
    public const string SectionName = "Kafka:Topics";

    [Required] public string Telemetry { get; set; } = "vitaltwin.telemetry.v1";
    [Required] public string TelemetryRejected { get; set; } = "vitaltwin.telemetry.rejected.v1";
    [Required] public string Anomalies { get; set; } = "vitaltwin.anomalies.v1";
    [Required] public string Twins { get; set; } = "vitaltwin.twins.v1";
    [Required] public string TwinEvents { get; set; } = "vitaltwin.twin-events.v1";
    [Required] public string Alerts { get; set; } = "vitaltwin.alerts.v1";
    [Required] public string DeadLetter { get; set; } = "vitaltwin.deadletter.v1";
    [Required] public string DetectorState { get; set; } = "vitaltwin.anomaly-detection.state.v1";
    [Required] public string Devices { get; set; } = "vitaltwin.devices.v1";
    [Required] public string Consent { get; set; } = "vitaltwin.consent.v1";
    [Required] public string Audit { get; set; } = "vitaltwin.audit.v1";
    [Required] public string Members { get; set; } = "vitaltwin.members.v1";
    [Required] public string PatientCommands { get; set; } = "vitaltwin.patient-commands.v1";
    [Required] public string PatientSettings { get; set; } = "vitaltwin.patient-settings.v1";

    /// <summary>
    /// Every topic with its layout. All topics keyed by patient share one partition count, so they are
    /// co-partitioned: one consumer instance owns all of a patient's events.
    /// </summary>
    public IReadOnlyList<TopicSpec> Specs(int partitions) =>
    [
        new(Telemetry, partitions, Compacted: false),
        new(TelemetryRejected, partitions, Compacted: false),
        new(Anomalies, partitions, Compacted: false),
        new(Twins, partitions, Compacted: true),
        new(TwinEvents, partitions, Compacted: false),
        new(Alerts, partitions, Compacted: false),
        new(DetectorState, partitions, Compacted: true),
        new(Devices, partitions, Compacted: true),
        new(Consent, partitions, Compacted: true),
        new(Audit, partitions, Compacted: false),
        // Clinicians' commands, applied by the owner of the patient's partition; kept, as the commands' audit log.
        new(PatientCommands, partitions, Compacted: false),
        new(PatientSettings, partitions, Compacted: true),
        // Keyed by instance, not patient: which replica holds which partitions, read whole by every replica.
        new(Members, 1, Compacted: true),
        new(DeadLetter, 1, Compacted: false),
    ];
}

public sealed record TopicSpec(string Name, int Partitions, bool Compacted);
