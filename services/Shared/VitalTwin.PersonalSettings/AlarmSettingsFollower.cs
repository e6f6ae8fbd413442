using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;

namespace VitalTwin.PersonalSettings;

/// <summary>
/// Keeps an <see cref="AlarmSettingsBook"/> equal to the whole settings topic: replayed before the host serves
/// anything, then followed live. Settings are few (only patients a clinician personalised), so every instance keeps
/// them all. A record that breaks the contract is skipped with a warning: the patient keeps the settings held, and
/// the defaults apply where none are.
/// </summary>
public sealed partial class AlarmSettingsFollower(
    AlarmSettingsBook book,
    VitalCatalogue catalogue,
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    TimeProvider clock,
    KafkaMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<AlarmSettingsFollower> logger) : TopicFollower(kafka.Value, topics.Value.PatientSettings, clock, metrics, lifetime, logger)
{
    protected override void Apply(ConsumedEvent consumed)
    {
        if (string.IsNullOrEmpty(consumed.Key) || !consumed.Is(PatientAlarmSettings.Descriptor))
        {
            LogUnreadable(Logger, consumed.Position.Partition.Value, consumed.Position.Offset.Value);
            return;
        }
        try
        {
            var record = consumed.Parse(PatientAlarmSettings.Parser);
            EventContract.EnsureKeyedBy(consumed, record.PatientId);
            book.Apply(record.PatientId, record.ToDomain(catalogue));
        }
        catch (Exception e) when (e is InvalidDataException or Google.Protobuf.InvalidProtocolBufferException)
        {
            LogUnreadable(Logger, consumed.Position.Partition.Value, consumed.Position.Offset.Value);
        }
    }

    protected override void Delete(ConsumedEvent tombstone)
    {
        if (!string.IsNullOrEmpty(tombstone.Key))
        {
            book.Forget(tombstone.Key);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settings record at partition {Partition} offset {Offset} could not be read; its patient keeps the settings held")]
    private static partial void LogUnreadable(ILogger logger, int partition, long offset);
}
