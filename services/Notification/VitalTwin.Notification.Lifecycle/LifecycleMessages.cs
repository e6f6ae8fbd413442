namespace VitalTwin.Notification.Lifecycle;

// Messages inside Notification's bus, never on Kafka. Contract messages travel as their Protobuf bytes, so the
// bus's serializer never has to understand them.

/// <summary>Raise a new alert: <paramref name="Raised"/> is an <c>AlertRaised</c>; <paramref name="Partition"/> is its patient's partition.</summary>
public sealed record OpenAlert(Guid AlertId, int Partition, byte[] Raised);

/// <summary>Take over an open alert found on the alerts topic: <paramref name="View"/> is its <c>AlertView</c>.</summary>
public sealed record RestoreAlert(Guid AlertId, int Partition, byte[] View);

/// <summary>The condition cleared, or a later alert folded this one in (<paramref name="SupersededBy"/>).</summary>
public sealed record ClearAlert(Guid AlertId, string? SupersededBy = null);

public sealed record AcknowledgeAlert(Guid AlertId, string Actor, string? Note);

public sealed record SilenceAlert(Guid AlertId, string Actor, TimeSpan Duration, string? Reason);

public sealed record ResolveAlert(Guid AlertId, string Actor, string? Note);

/// <summary>
/// The patient's monitoring consent was refused or withdrawn: resolve the open alert, whether or not this
/// instance runs its lifecycle yet (one taken over after a restart is resolved without restarting its timers).
/// </summary>
public sealed record WithdrawAlert(Guid AlertId, string PatientId, int Partition);

/// <summary>
/// The alert's patient is on <paramref name="Ward"/> now (empty: none recorded), as the twin event
/// <paramref name="SourceEventId"/> said: the alert moves with them.
/// </summary>
public sealed record MoveAlert(Guid AlertId, string Ward, string SourceEventId);

/// <summary>Let go of an alert whose partition moved to another instance: no event, no timers.</summary>
public sealed record ReleaseAlert(Guid AlertId);

public sealed record EscalationDue(Guid AlertId);

public sealed record SilenceEnded(Guid AlertId);

/// <summary>The answer to every request above; a refusal says why in words a clinician can act on.</summary>
public sealed record AlertActionResult(Guid AlertId, AlertActionOutcome Outcome, string? Refusal = null)
{
    public bool Accepted => Outcome == AlertActionOutcome.Accepted;
}

public enum AlertActionOutcome { Accepted, NotFound, NotAllowed }
