using System.Collections.Frozen;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace VitalTwin.Contracts.Alerting.V1;

/// <summary>The record types of the alerts topic, by the schema name each record carries in its header.</summary>
public static class AlertTopicRecords
{
    private static readonly FrozenDictionary<string, MessageParser> Parsers = new MessageDescriptor[]
    {
        AlertRaised.Descriptor,
        AlertEscalated.Descriptor,
        AlertAcknowledged.Descriptor,
        AlertSilenced.Descriptor,
        AlertResolved.Descriptor,
        AlertMoved.Descriptor,
    }.ToFrozenDictionary(descriptor => descriptor.FullName, descriptor => descriptor.Parser, StringComparer.Ordinal);

    /// <summary>
    /// Decodes a record of the alerts topic; null for a schema this version does not know, which the topic's
    /// contract says to ignore. A corrupt payload throws <see cref="InvalidProtocolBufferException"/>.
    /// </summary>
    public static IMessage? Parse(string? schema, ReadOnlySpan<byte> payload) =>
        schema is not null && Parsers.TryGetValue(schema, out var parser) ? parser.ParseFrom(payload) : null;
}
