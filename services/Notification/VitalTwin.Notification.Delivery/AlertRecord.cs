using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using VitalTwin.Clinical.Consent;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Kafka;

namespace VitalTwin.Notification.Delivery;

/// <summary>One record of the alerts topic, decoded, with what delivery needs to know without looking at its type.</summary>
internal sealed record AlertRecord(IMessage Message, string AlertId, string PatientId, DateTimeOffset? OccurredAt, AlertPriority? Priority)
{
    public string Schema => Message.Descriptor.FullName;

    /// <summary>
    /// Whether the record may leave VitalTwin now: only while the patient's consent allows monitoring. The one
    /// exception is the resolution the withdrawal itself caused, which tells the subscriber to stop escalating an
    /// alert it already holds, and says nothing else of the patient.
    /// </summary>
    public bool MayBeDelivered(ConsentBook consents) =>
        Message is AlertResolved { Resolution: Resolution.ConsentWithdrawn } || consents.MayProcess(PatientId);

    /// <summary>
    /// Decodes a lifecycle event; null for a record type this version does not know, which the topic's contract
    /// says to ignore. A corrupt payload throws, which dead-letters it.
    /// </summary>
    public static AlertRecord? Read(ConsumedEvent consumed) => AlertTopicRecords.Parse(consumed.Schema, consumed.Value.Span) switch
    {
        AlertRaised raised => new(raised, raised.AlertId, raised.PatientId, Time(raised.RaisedAt), raised.Priority),
        AlertEscalated escalated => new(escalated, escalated.AlertId, escalated.PatientId, Time(escalated.EscalatedAt), escalated.Priority),
        AlertAcknowledged acknowledged => new(acknowledged, acknowledged.AlertId, acknowledged.PatientId, Time(acknowledged.AcknowledgedAt), null),
        AlertSilenced silenced => new(silenced, silenced.AlertId, silenced.PatientId, Time(silenced.SilencedAt), null),
        AlertResolved resolved => new(resolved, resolved.AlertId, resolved.PatientId, Time(resolved.ResolvedAt), null),
        _ => null,
    };

    private static DateTimeOffset? Time(Timestamp? timestamp) => timestamp?.ToDateTimeOffset();
}
