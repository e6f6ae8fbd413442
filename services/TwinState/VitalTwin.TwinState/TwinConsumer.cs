using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState;

/// <summary>Applies recorded vitals and detected anomalies to the twins; announces NEWS2 changes.</summary>
internal sealed class TwinConsumer(
    TwinRegistry twins,
    VitalCatalogue catalogue,
    EventProducer producer,
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    IHostEnvironment environment,
    ILogger<TwinConsumer> logger)
    : EventConsumer(kafka, topics, producer, environment, logger)
{
    protected override IReadOnlyCollection<string> SubscribedTopics(KafkaTopics topics) => [topics.Telemetry, topics.Anomalies];

    protected override async Task HandleAsync(ConsumedEvent consumed, CancellationToken cancellationToken)
    {
        if (consumed.Is(VitalSignsRecorded.Descriptor))
        {
            await ApplyReadingAsync(consumed.Parse(VitalSignsRecorded.Parser), cancellationToken);
        }
        else if (consumed.Is(AnomalyDetected.Descriptor))
        {
            var detected = consumed.Parse(AnomalyDetected.Parser);
            if (detected.ToDomain(catalogue) is { } anomaly)
            {
                twins.GetOrCreate(detected.PatientId).RecordAnomaly(anomaly);
            }
        }
    }

    private async Task ApplyReadingAsync(VitalSignsRecorded recorded, CancellationToken cancellationToken)
    {
        var reading = recorded.Reading;
        if (!catalogue.TryFind(reading.Code.Loinc, reading.Code.Mdc, out var definition))
        {
            return;
        }
        var observation = new VitalObservation(definition.Sign, reading.Value, reading.Unit, reading.ObservedAt.ToDateTimeOffset(), reading.DeviceId, reading.SequenceNumber);
        var twin = twins.GetOrCreate(reading.PatientId);
        var change = twin.Apply(observation);
        if (!change.News2Changed)
        {
            return;
        }
        var changed = new TwinNews2Changed
        {
            EventId = $"{recorded.EventId}/news2",
            PatientId = reading.PatientId,
            News2 = change.Current.ToContract(),
            PreviousTotal = change.Previous.Total,
            ObservedAt = reading.ObservedAt,
        };
        changed.Vitals.AddRange(twin.Snapshot().Latest.Values.OrderBy(v => v.Sign).Select(v => v.ToContract(catalogue)));
        await Producer.PublishAsync(Topics.TwinEvents, reading.PatientId, changed, changed.EventId, cancellationToken);
    }
}
