using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Kafka.Security;

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

    // Consumers reach the process's metrics through its one producer, which every consumer already has.
    internal KafkaMetrics Metrics { get; }

    // And the process's clock, which paces their back-off after a consume error.
    internal TimeProvider Clock { get; }

    public EventProducer(IOptions<KafkaOptions> options, IHostEnvironment environment, ILogger<EventProducer> logger)
        : this(options, environment, logger, new KafkaMetrics(new System.Diagnostics.Metrics.Meter(KafkaMetrics.MeterName)))
    {
    }

    /// <summary>The producer, carrying the Kafka metrics every consumer of the process reports to.</summary>
    public EventProducer(IOptions<KafkaOptions> options, IHostEnvironment environment, ILogger<EventProducer> logger, KafkaMetrics metrics)
        : this(options, environment, logger, metrics, TimeProvider.System)
    {
    }

    /// <summary>The producer, carrying the Kafka metrics and the clock every consumer of the process uses.</summary>
    public EventProducer(IOptions<KafkaOptions> options, IHostEnvironment environment, ILogger<EventProducer> logger, KafkaMetrics metrics, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(clock);
        _logger = logger;
        Metrics = metrics;
        Clock = clock;
        var config = options.Value.Connect(new ProducerConfig
        {
            ClientId = options.Value.ClientId ?? environment.ApplicationName,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
        });
        _producer = new ProducerBuilder<string, byte[]>(config)
            .SetErrorHandler((_, error) => LogKafkaError(_logger, error.Code, error.Reason))
            .Build();
    }

    // The same bytes on every event: encoded once (the client copies header values when it produces), not per reading.
    private static readonly byte[] ProtobufContentType = Encoding.UTF8.GetBytes(EventHeaders.ProtobufContentType);
    private static readonly ConcurrentDictionary<string, byte[]> SchemaNames = new(StringComparer.Ordinal);

    /// <summary>
    /// Publishes <paramref name="message"/> keyed by <paramref name="key"/> (a patient id) and waits for delivery;
    /// returns where it was stored, which orders it against the key's other records.
    /// </summary>
    public Task<TopicPartitionOffset> PublishAsync(string topic, string key, IMessage message, string messageId, CancellationToken cancellationToken) =>
        PublishAsync(topic, key, message, messageId, [], cancellationToken);

    /// <summary>As above, with headers a topic's contract adds to the standard ones (e.g. the alert id on the alerts topic).</summary>
    public async Task<TopicPartitionOffset> PublishAsync(
        string topic, string key, IMessage message, string messageId, IEnumerable<KeyValuePair<string, string>> extraHeaders, CancellationToken cancellationToken)
    {
        var headers = new Headers
        {
            { EventHeaders.ContentType, ProtobufContentType },
            { EventHeaders.Schema, SchemaNames.GetOrAdd(message.Descriptor.FullName, static name => Encoding.UTF8.GetBytes(name)) },
            { EventHeaders.MessageId, Encoding.UTF8.GetBytes(messageId) },
        };
        foreach (var (name, value) in extraHeaders)
        {
            headers.Add(name, Encoding.UTF8.GetBytes(value));
        }
        using var activity = KafkaInstrumentation.StartPublish(topic, headers);
        try
        {
            var delivered = await PublishRawAsync(topic, key, message.ToByteArray(), headers, cancellationToken);
            KafkaInstrumentation.Delivered(activity, delivered.TopicPartitionOffset);
            return delivered.TopicPartitionOffset;
        }
        catch (Exception ex)
        {
            KafkaInstrumentation.Failed(activity, ex);
            throw;
        }
    }

    /// <summary>
    /// Publishes a tombstone (no value, no schema) for <paramref name="key"/> on a compacted topic and waits for
    /// delivery: compaction then drops every earlier record of the key, and readers treat the key as deleted.
    /// Returns where it was stored.
    /// </summary>
    public async Task<TopicPartitionOffset> PublishTombstoneAsync(string topic, string key, CancellationToken cancellationToken) =>
        (await _producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = null! }, cancellationToken)).TopicPartitionOffset;

    internal Task<DeliveryResult<string, byte[]>> PublishRawAsync(string topic, string key, byte[] value, Headers headers, CancellationToken cancellationToken) =>
        _producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value, Headers = headers }, cancellationToken);

    /// <summary>Waits for everything in flight, for a clean shutdown.</summary>
    public void Flush(TimeSpan timeout) => _producer.Flush(timeout);

    /// <summary>
    /// Called by the host after every hosted service (every consumer) has stopped: what is still queued is
    /// delivered before the client goes, within the time left for shutdown.
    /// </summary>
    public void Dispose()
    {
        var left = _producer.Flush(FlushTimeout);
        if (left > 0)
        {
            LogUndelivered(_logger, left);
        }
        _producer.Dispose();
    }

    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(10);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka producer error {Code}: {Reason}")]
    private static partial void LogKafkaError(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} events were still undelivered when the producer closed")]
    private static partial void LogUndelivered(ILogger logger, int count);
}
