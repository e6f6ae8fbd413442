using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical.Consent;
using VitalTwin.Kafka;

namespace VitalTwin.Consent;

/// <summary>
/// Keeps a consent book equal to the whole consent topic: replayed before the host serves anything, then followed
/// live on every partition, since any instance may be asked about any patient (a reading from any device, a consent
/// query). Records are read by <see cref="ConsentRecords"/>; one that breaks the contract counts as a refusal.
/// </summary>
public sealed partial class ConsentFollower(
    ConsentBook book,
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    TimeProvider clock,
    KafkaMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<ConsentFollower> logger) : TopicFollower(kafka.Value, topics.Value.Consent, clock, metrics, lifetime, logger)
{
    protected override void Apply(ConsumedEvent consumed)
    {
        if (string.IsNullOrEmpty(consumed.Key))
        {
            LogUnkeyed(Logger, consumed.Position.Partition.Value, consumed.Position.Offset.Value);
            return;
        }
        // Tombstones arrive at Delete; anything else is a record, and one that breaks the contract (an empty value
        // without a schema, say) reads as a refusal: it might have been one.
        var consent = ConsentRecords.Read(consumed, Clock.GetUtcNow());
        if (consent.Status == ConsentStatus.Unreadable)
        {
            LogUnreadable(Logger, consumed.Position.Partition.Value, consumed.Position.Offset.Value);
        }
        book.Apply(consent);
    }

    protected override void Delete(ConsumedEvent tombstone)
    {
        if (!string.IsNullOrEmpty(tombstone.Key))
        {
            // VitalTwin never deletes a consent key, so a tombstone came from elsewhere: worth a warning, never a permission.
            LogDeleted(Logger, Topic);
            book.Forget(tombstone.Key);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A consent record on {Topic} was deleted (a tombstone, which VitalTwin never writes); a refusal or withdrawal stays in force")]
    private static partial void LogDeleted(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consent record at partition {Partition} offset {Offset} has no key; ignored")]
    private static partial void LogUnkeyed(ILogger logger, int partition, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consent record at partition {Partition} offset {Offset} could not be read; its patient counts as not consenting until a valid record follows")]
    private static partial void LogUnreadable(ILogger logger, int partition, long offset);
}
