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
    public static AlertRecord? Read(ConsumedEvent consumed)
    {
        if (consumed.Is(AlertRaised.Descriptor))
        {
            var raised = consumed.Parse(AlertRaised.Parser);
            return new(raised, raised.AlertId, Time(raised.RaisedAt), raised.Priority);
        }
        if (consumed.Is(AlertEscalated.Descriptor))
        {
            var escalated = consumed.Parse(AlertEscalated.Parser);
            return new(escalated, escalated.AlertId, Time(escalated.EscalatedAt), escalated.Priority);
        }
        if (consumed.Is(AlertAcknowledged.Descriptor))
        {
            var acknowledged = consumed.Parse(AlertAcknowledged.Parser);
            return new(acknowledged, acknowledged.AlertId, Time(acknowledged.AcknowledgedAt), null);
        }
        if (consumed.Is(AlertSilenced.Descriptor))
        {
            var silenced = consumed.Parse(AlertSilenced.Parser);
            return new(silenced, silenced.AlertId, Time(silenced.SilencedAt), null);
        }
        if (consumed.Is(AlertResolved.Descriptor))
        {
            var resolved = consumed.Parse(AlertResolved.Parser);
            return new(resolved, resolved.AlertId, Time(resolved.ResolvedAt), null);
        }
        return null;
    }

    private static DateTimeOffset? Time(Timestamp? timestamp) => timestamp?.ToDateTimeOffset();
}
