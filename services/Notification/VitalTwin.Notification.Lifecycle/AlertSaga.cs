using MassTransit;

namespace VitalTwin.Notification.Lifecycle;

/// <summary>One alert's lifecycle state; the correlation id is the alert id.</summary>
public sealed class AlertSaga : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = string.Empty;
    public string PatientId { get; set; } = string.Empty;
    public int Partition { get; set; }
    public Contracts.Alerting.V1.AlertPriority Priority { get; set; }

    /// <summary>Escalations so far; the next goes to <c>EscalationChain[EscalationLevel]</c>.</summary>
    public int EscalationLevel { get; set; }

    /// <summary>When the alert was notified or last escalated: the escalation timer runs from here.</summary>
    public DateTimeOffset UnacknowledgedSince { get; set; }

    public DateTimeOffset NotifiedAt { get; set; }
    public DateTimeOffset? SilencedUntil { get; set; }
    public Guid? EscalationToken { get; set; }
    public Guid? SilenceToken { get; set; }
}
