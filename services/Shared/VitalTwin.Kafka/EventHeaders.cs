namespace VitalTwin.Kafka;

/// <summary>Headers on every VitalTwin event, so any Kafka client can route and decode it.</summary>
public static class EventHeaders
{
    public const string ContentType = "content-type";
    public const string Schema = "schema";
    public const string MessageId = "message-id";

    /// <summary>On the alerts topic: the alert a lifecycle event belongs to, so a subscriber can route without decoding.</summary>
    public const string AlertId = "alert-id";
    public const string DeadLetterReason = "dead-letter-reason";
    public const string DeadLetterSourceTopic = "dead-letter-source-topic";
    public const string DeadLetterSourcePartition = "dead-letter-source-partition";
    public const string DeadLetterSourceOffset = "dead-letter-source-offset";

    /// <summary>On a dead letter without the event's key, value and headers: too large to copy, it is read at its source offset.</summary>
    public const string DeadLetterPayloadOmitted = "dead-letter-payload-omitted";

    public const string ProtobufContentType = "application/x-protobuf";
}
