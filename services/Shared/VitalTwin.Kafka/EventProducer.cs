using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace VitalTwin.Kafka;

/// <summary>
/// The process's one idempotent producer. A returned task completes when the brokers have the event,
/// which is what makes "acknowledge only after delivery" possible. librdkafka retries on its own, so
/// no resilience pipeline wraps it.
/// </summary>
public sealed partial class EventProducer : IDisposable
{
    private readonly IProducer<string, byte[]> _producer;
    private readonly ILogger<EventProducer> _logger;

    public EventProducer(IOptions<KafkaOptions> options, IHostEnvironment environment, ILogger<EventProducer> logger)
    {
        _logger = logger;
        var config = new ProducerConfig
        {
            BootstrapServers = options.Value.BootstrapServers,
            ClientId = options.Value.ClientId ?? environment.ApplicationName,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
        };
        _producer = new ProducerBuilder<string, byte[]>(config)
            .SetErrorHandler((_, error) => LogKafkaError(_logger, error.Code, error.Reason))
            .Build();
    }

    /// <summary>Publishes <paramref name="message"/> keyed by <paramref name="key"/> (a patient id) and waits for delivery.</summary>
    public Task PublishAsync(string topic, string key, IMessage message, string messageId, CancellationToken cancellationToken) =>
        PublishAsync(topic, key, message, messageId, [], cancellationToken);

    /// <summary>As above, with headers a topic's contract adds to the standard ones (e.g. the alert id on the alerts topic).</summary>
    public async Task PublishAsync(
        string topic, string key, IMessage message, string messageId, IEnumerable<KeyValuePair<string, string>> extraHeaders, CancellationToken cancellationToken)
    {
        var headers = new Headers
        {
            { EventHeaders.ContentType, Encoding.UTF8.GetBytes(EventHeaders.ProtobufContentType) },
            { EventHeaders.Schema, Encoding.UTF8.GetBytes(message.Descriptor.FullName) },
            { EventHeaders.MessageId, Encoding.UTF8.GetBytes(messageId) },
        };
        foreach (var (name, value) in extraHeaders)
        {
            headers.Add(name, Encoding.UTF8.GetBytes(value));
        }
        using var activity = KafkaInstrumentation.StartPublish(topic, headers);
        await PublishRawAsync(topic, key, message.ToByteArray(), headers, cancellationToken);
    }

    internal Task PublishRawAsync(string topic, string key, byte[] value, Headers headers, CancellationToken cancellationToken) =>
        _producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value, Headers = headers }, cancellationToken);

    /// <summary>Waits for everything in flight, for a clean shutdown.</summary>
    public void Flush(TimeSpan timeout) => _producer.Flush(timeout);

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka producer error {Code}: {Reason}")]
    private static partial void LogKafkaError(ILogger logger, ErrorCode code, string reason);
}
