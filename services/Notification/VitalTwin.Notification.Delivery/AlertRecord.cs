using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Kafka;

namespace VitalTwin.Notification.Delivery;

/// <summary>One record of the alerts topic, decoded, with what delivery needs to know without looking at its type.</summary>
internal sealed record AlertRecord(IMessage Message, string AlertId, DateTimeOffset? OccurredAt, AlertPriority? Priority)
{
    public string Schema => Message.Descriptor.FullName;

    /// <summary>
    /// Decodes a lifecycle event; null for a record type this version does not know, which the topic's contract
    /// says to ignore. A corrupt payload throws, which dead-letters it.
    /// </summary>
    public static AlertRecord? Read(ConsumedEvent consumed) => AlertTopicRecords.Parse(consumed.Schema, consumed.Value.Span) switch
    {
        AlertRaised raised => new(raised, raised.AlertId, Time(raised.RaisedAt), raised.Priority),
        AlertEscalated escalated => new(escalated, escalated.AlertId, Time(escalated.EscalatedAt), escalated.Priority),
        AlertAcknowledged acknowledged => new(acknowledged, acknowledged.AlertId, Time(acknowledged.AcknowledgedAt), null),
        AlertSilenced silenced => new(silenced, silenced.AlertId, Time(silenced.SilencedAt), null),
        AlertResolved resolved => new(resolved, resolved.AlertId, Time(resolved.ResolvedAt), null),
        _ => null,
    };

    private static DateTimeOffset? Time(Timestamp? timestamp) => timestamp?.ToDateTimeOffset();
}
