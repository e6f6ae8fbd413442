using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;

namespace VitalTwin.Notification.Delivery.Tests;

/// <summary>Alert lifecycle events as Notification publishes them, with every field a subscriber may read.</summary>
internal static class Alerts
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 30, 0, TimeSpan.Zero);

    public static AlertRaised Raised(string patientId, AlertPriority priority = AlertPriority.High, string? alertId = null, int minute = 0)
    {
        var raised = new AlertRaised
        {
            AlertId = alertId ?? Guid.NewGuid().ToString(),
            PatientId = patientId,
            Condition = priority == AlertPriority.Low ? AlertCondition.VitalSpike : AlertCondition.News2High,
            Priority = priority,
            RaisedAt = At(minute),
            ObservedAt = At(minute),
            Summary = "NEWS2 7 (high risk)",
            News2Total = 7,
            SourceEventId = Guid.NewGuid().ToString(),
            Key = new AlertKey { Condition = AlertCondition.News2High },
        };
        raised.Reasons.Add(new AlertReason
        {
            Text = "Pulse 128 /min scores 2 (111-130)",
            Code = new VitalCode { Loinc = "8867-4", Mdc = "MDC_PULS_OXIM_PULS_RATE" },
            Value = 128,
            Unit = "/min",
            Baseline = 82,
            PValue = 0.0004,
            Detector = Detector.IidSpike,
        });
        raised.Reasons.Add(new AlertReason { Text = "Respiration rate 25 /min scores 3 (25 or more)", Code = new VitalCode { Loinc = "9279-1" }, Value = 25, Unit = "/min" });
        return raised;
    }

    public static AlertEscalated Escalated(AlertRaised raised, int level = 1, int minute = 15) => new()
    {
        AlertId = raised.AlertId,
        PatientId = raised.PatientId,
        Level = level,
        EscalateTo = level == 1 ? "nurse-in-charge" : "rapid-response-team",
        Priority = raised.Priority,
        EscalatedAt = At(minute),
        UnacknowledgedFor = Duration.FromTimeSpan(TimeSpan.FromMinutes(minute)),
    };

    public static AlertAcknowledged Acknowledged(AlertRaised raised, int minute = 20) => new()
    {
        AlertId = raised.AlertId,
        PatientId = raised.PatientId,
        AcknowledgedBy = "staff-0042",
        AcknowledgedAt = At(minute),
        Note = "At the bedside",
    };

    public static AlertSilenced Silenced(AlertRaised raised, int minute = 25) => new()
    {
        AlertId = raised.AlertId,
        PatientId = raised.PatientId,
        SilencedBy = "staff-0042",
        SilencedAt = At(minute),
        Until = At(minute + 30),
        Key = raised.Key,
        Reason = "Known arrhythmia, cardiology informed",
    };

    public static AlertResolved Resolved(AlertRaised raised, int minute = 40) => new()
    {
        AlertId = raised.AlertId,
        PatientId = raised.PatientId,
        Resolution = Resolution.ByClinician,
        ResolvedBy = "staff-0042",
        ResolvedAt = At(minute),
        Note = "Observations back to baseline",
    };

    /// <summary>Every kind of lifecycle event for one alert, in the order Notification would publish them.</summary>
    public static IReadOnlyList<IMessage> Lifecycle(string patientId, AlertPriority priority = AlertPriority.High)
    {
        var raised = Raised(patientId, priority);
        return [raised, Escalated(raised), Acknowledged(raised), Silenced(raised), Resolved(raised)];
    }

    public static string AlertIdOf(IMessage message) => (string)message.Descriptor.FindFieldByName("alert_id").Accessor.GetValue(message);

    public static string PatientIdOf(IMessage message) => (string)message.Descriptor.FindFieldByName("patient_id").Accessor.GetValue(message);

    private static Timestamp At(int minute) => Timestamp.FromDateTimeOffset(Start.AddMinutes(minute));
}

/// <summary>Publishes to the alerts topic the way Notification does: keyed by patient, with the alert id header.</summary>
internal sealed class AlertPublisher(string bootstrapServers, string topic) : IDisposable
{
    private readonly EventProducer _producer = new(
        Options.Create(new KafkaOptions { BootstrapServers = bootstrapServers }),
        new HostingEnvironment { ApplicationName = "VitalTwin.Notification.Delivery.Tests" },
        NullLogger<EventProducer>.Instance);

    /// <summary>Every record published, in order, with its message id.</summary>
    public List<(IMessage Message, string MessageId)> Published { get; } = [];

    public async Task PublishAsync(IEnumerable<IMessage> messages)
    {
        foreach (var message in messages)
        {
            var messageId = Guid.NewGuid().ToString();
            await _producer.PublishAsync(
                topic, Alerts.PatientIdOf(message), message, messageId, [new(EventHeaders.AlertId, Alerts.AlertIdOf(message))], CancellationToken.None);
            Published.Add((message, messageId));
        }
    }

    public void Dispose() => _producer.Dispose();
}
