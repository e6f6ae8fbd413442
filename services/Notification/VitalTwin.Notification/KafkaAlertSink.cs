using Microsoft.Extensions.Options;
using VitalTwin.Kafka;
using VitalTwin.Notification.Lifecycle;

namespace VitalTwin.Notification;

/// <summary>The lifecycle's events go onto the alerts topic, keyed by patient, with the alert id as a header.</summary>
internal sealed class KafkaAlertSink(EventProducer producer, IOptions<KafkaTopics> topics) : IAlertEventSink
{
    public Task PublishAsync(AlertEventRecord record, CancellationToken cancellationToken) =>
        producer.PublishAsync(
            topics.Value.Alerts,
            record.PatientId,
            record.Event,
            record.MessageId,
            [new KeyValuePair<string, string>(EventHeaders.AlertId, record.AlertId)],
            cancellationToken);
}
