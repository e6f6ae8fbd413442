using Confluent.Kafka;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace VitalTwin.Kafka;

/// <summary>An event as read from a topic, before its handler decodes it.</summary>
public sealed class ConsumedEvent(ConsumeResult<string, byte[]> result)
{
    public string Topic => result.Topic;
    public string Key => result.Message.Key;
    public string? Schema { get; } = HeaderString(result.Message.Headers, EventHeaders.Schema);
    public string? MessageId { get; } = HeaderString(result.Message.Headers, EventHeaders.MessageId);
    public ReadOnlyMemory<byte> Value => result.Message.Value;

    /// <summary>A record with no value at all: on a compacted topic, the key's deletion (an empty value is not one).</summary>
    public bool IsTombstone => result.Message.Value is null;
    public TopicPartitionOffset Position => result.TopicPartitionOffset;

    internal ConsumeResult<string, byte[]> Result => result;

    public bool Is(MessageDescriptor descriptor) => string.Equals(Schema, descriptor.FullName, StringComparison.Ordinal);

    /// <summary>Decodes the payload; throws <see cref="InvalidProtocolBufferException"/> for a corrupt one, which dead-letters it.</summary>
    public T Parse<T>(MessageParser<T> parser) where T : IMessage<T> => parser.ParseFrom(result.Message.Value);

    // Kafka allows a header without a value; it reads as an absent header rather than failing the event.
    private static string? HeaderString(Headers? headers, string name) =>
        headers is not null && headers.TryGetLastBytes(name, out var bytes) && bytes is not null ? System.Text.Encoding.UTF8.GetString(bytes) : null;
}
