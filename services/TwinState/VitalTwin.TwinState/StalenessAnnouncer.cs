using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Kafka;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.Query;

namespace VitalTwin.TwinState;

/// <summary>
/// Publishes <c>TwinVitalStaleChanged</c> on the twin-events topic for every change of staleness the twins report,
/// and <c>TwinNews2Changed</c> for a NEWS2 that changed with the clock alone.
/// Two threads change staleness: the consumer, with readings and with the ticks of its partition's event time they
/// pass (see <see cref="TelemetryClocks"/>), and the staleness monitor, with the wall clock of a partition gone
/// silent. Each change and the hand-over of its event to the producer happen under one lock, and the producer keeps hand-over order within a partition, so a vital's
/// "stale" and "fresh again" reach Notification in the order the twin saw them.
/// </summary>
internal sealed class StalenessAnnouncer(EventProducer producer, IOptions<KafkaTopics> topics, VitalCatalogue catalogue)
{
    private readonly Lock _gate = new();

    /// <summary>Applies a reading; <c>Announced</c> completes when the staleness events it caused are delivered.</summary>
    public (TwinChange Change, Task Announced) Apply(PatientTwin twin, VitalObservation observation, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var change = twin.Apply(observation);
            return (change, Announce(twin.PatientId, twin.Context.Ward, change.Staleness, cancellationToken));
        }
    }

    /// <summary>
    /// Moves the clocks of the twins of <paramref name="patientIds"/> (one partition's) to <paramref name="now"/>;
    /// <c>Announced</c> completes when the staleness events are delivered.
    /// </summary>
    public (IReadOnlyList<RefreshedTwin> Refreshed, Task Announced) Refresh(TwinRegistry twins, IEnumerable<string> patientIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var refreshed = twins.RefreshStaleness(patientIds, now);
            var announced = new List<Task>();
            foreach (var twin in refreshed)
            {
                if (twin.Staleness.Count > 0)
                {
                    announced.Add(Announce(twin.PatientId, twins.TryGet(twin.PatientId, out var current) ? current!.Context.Ward : null, twin.Staleness, cancellationToken));
                }
                // A band change that held, or a vital that left NEWS2, changes the score with no reading to carry it.
                if (twin.News2Change is { } news2 && twins.TryGet(twin.PatientId, out var changedTwin))
                {
                    var changed = news2.ToNews2Changed(
                        TwinMapping.ClockNews2ChangedId(twin.PatientId, news2, now), twin.PatientId, changedTwin!.Snapshot(), Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now), catalogue);
                    announced.Add(producer.PublishAsync(topics.Value.TwinEvents, twin.PatientId, changed, changed.EventId, cancellationToken));
                }
            }
            return (refreshed, Task.WhenAll(announced));
        }
    }

    // PublishAsync hands the event to librdkafka before it first yields, so calling it under the lock fixes the order.
    private Task Announce(string patientId, string? ward, IReadOnlyList<StalenessChange> staleness, CancellationToken cancellationToken)
    {
        if (staleness.Count == 0)
        {
            return Task.CompletedTask;
        }
        var deliveries = new Task[staleness.Count];
        for (int i = 0; i < staleness.Count; i++)
        {
            var changed = staleness[i].ToStaleChanged(patientId, catalogue, ward);
            deliveries[i] = producer.PublishAsync(topics.Value.TwinEvents, patientId, changed, changed.EventId, cancellationToken);
        }
        return Task.WhenAll(deliveries);
    }
}
