using Google.Protobuf;

namespace VitalTwin.Notification.Lifecycle;

/// <summary>Publishes an alert's event and, once it is durable, folds it into the book.</summary>
public sealed class AlertEvents(IAlertEventSink sink, AlertBook book)
{
    public AlertBook Book => book;

    public async Task PublishAsync(AlertSaga saga, IMessage alertEvent, string step, CancellationToken cancellationToken)
    {
        var alertId = saga.CorrelationId.ToString();
        await sink.PublishAsync(new AlertEventRecord(saga.PatientId, alertId, saga.Partition, alertEvent, $"{alertId}/{step}"), cancellationToken);
        book.Apply(alertEvent, saga.Partition);
    }
}
