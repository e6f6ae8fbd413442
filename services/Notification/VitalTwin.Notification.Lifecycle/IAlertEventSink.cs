using Google.Protobuf;

namespace VitalTwin.Notification.Lifecycle;

/// <summary>One event of an alert's life, as it goes onto the alerts topic.</summary>
/// <param name="MessageId">Derived from the alert and the step, so a step repeated after a crash has the same id.</param>
public sealed record AlertEventRecord(string PatientId, string AlertId, int Partition, IMessage Event, string MessageId);

/// <summary>Where alert events are published: the alerts topic in the service, a recorder in tests.</summary>
public interface IAlertEventSink
{
    /// <summary>Completes once the event is durable; throws when it could not be published.</summary>
    Task PublishAsync(AlertEventRecord record, CancellationToken cancellationToken);
}
