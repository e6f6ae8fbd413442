using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using MassTransit;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Alerting.V1;

namespace VitalTwin.Notification.Lifecycle;

/// <summary>
/// An alert's life: raised → notified → acknowledged, or escalated along the chain while nobody acknowledges
/// it in the priority's time; silenced holds escalation until the silence ends; resolved (by the condition
/// clearing, by a clinician, by being folded into a combined alert, or by the patient refusing or withdrawing
/// consent) ends it. Every step is published before the state moves on, so the alerts topic always knows at
/// least what this machine knows.
/// </summary>
public sealed class AlertStateMachine : MassTransitStateMachine<AlertSaga>
{
    /// <summary>Who resolves an alert whose patient refused or withdrew consent.</summary>
    public const string ConsentActor = "consent";

    private readonly AlertLifecycleOptions _options;
    private readonly TimeProvider _clock;
    private readonly AlertEvents _events;

    public AlertStateMachine(IOptions<AlertLifecycleOptions> options, TimeProvider clock, AlertEvents events)
    {
        _options = options.Value;
        _clock = clock;
        _events = events;

        InstanceState(x => x.CurrentState);

        Event(() => Open, x => x.CorrelateById(m => m.Message.AlertId));
        Event(() => Restore, x => x.CorrelateById(m => m.Message.AlertId));
        Event(() => Clear, x =>
        {
            x.CorrelateById(m => m.Message.AlertId);
            x.OnMissingInstance(m => m.ExecuteAsync(c => c.RespondAsync(new AlertActionResult(c.Message.AlertId, AlertActionOutcome.NotFound))));
        });
        Event(() => Move, x =>
        {
            x.CorrelateById(m => m.Message.AlertId);
            x.OnMissingInstance(m => m.ExecuteAsync(c => c.RespondAsync(NotFound(c.Message.AlertId))));
        });
        Event(() => Release, x =>
        {
            x.CorrelateById(m => m.Message.AlertId);
            x.OnMissingInstance(m => m.ExecuteAsync(c => c.RespondAsync(new AlertActionResult(c.Message.AlertId, AlertActionOutcome.NotFound))));
        });
        // No missing-instance handler: an alert taken over from the alerts topic may have no lifecycle here yet.
        Event(() => Withdraw, x => x.CorrelateById(m => m.Message.AlertId));
        Event(() => Acknowledge, x =>
        {
            x.CorrelateById(m => m.Message.AlertId);
            x.OnMissingInstance(m => m.ExecuteAsync(c => c.RespondAsync(NotFound(c.Message.AlertId))));
        });
        Event(() => Silence, x =>
        {
            x.CorrelateById(m => m.Message.AlertId);
            x.OnMissingInstance(m => m.ExecuteAsync(c => c.RespondAsync(NotFound(c.Message.AlertId))));
        });
        Event(() => Resolve, x =>
        {
            x.CorrelateById(m => m.Message.AlertId);
            x.OnMissingInstance(m => m.ExecuteAsync(c => c.RespondAsync(NotFound(c.Message.AlertId))));
        });

        Schedule(() => Escalation, x => x.EscalationToken, s =>
        {
            s.Received = r =>
            {
                r.CorrelateById(m => m.Message.AlertId);
                r.OnMissingInstance(m => m.Discard());
            };
        });
        Schedule(() => SilenceEnd, x => x.SilenceToken, s =>
        {
            s.Received = r =>
            {
                r.CorrelateById(m => m.Message.AlertId);
                r.OnMissingInstance(m => m.Discard());
            };
        });

        Initially(
            When(Open)
                .ThenAsync(async context =>
                {
                    var raised = AlertRaised.Parser.ParseFrom(context.Message.Raised);
                    var saga = context.Saga;
                    saga.PatientId = raised.PatientId;
                    saga.Partition = context.Message.Partition;
                    saga.Priority = raised.Priority;
                    saga.NotifiedAt = saga.UnacknowledgedSince = _clock.GetUtcNow();
                    saga.SilencedUntil = raised.SilencedUntil?.ToDateTimeOffset();
                    await _events.PublishAsync(saga, raised, "raised", context.CancellationToken);
                })
                .IfElse(context => context.Saga.SilencedUntil is not null,
                    silenced => ScheduleSilenceEnd(silenced).TransitionTo(Silenced),
                    notified => notified.TransitionTo(Notified).If(Escalates, then => ScheduleEscalation(then)))
                .Respond(context => new AlertActionResult(context.Saga.CorrelationId, AlertActionOutcome.Accepted)),
            When(Restore)
                .Then(context =>
                {
                    var view = AlertView.Parser.ParseFrom(context.Message.View);
                    var saga = context.Saga;
                    saga.PatientId = view.PatientId;
                    saga.Partition = context.Message.Partition;
                    saga.Priority = view.Raised.Priority;
                    saga.EscalationLevel = view.EscalationLevel;
                    saga.NotifiedAt = view.Raised.RaisedAt.ToDateTimeOffset();
                    saga.UnacknowledgedSince = view.EscalationLevel > 0 ? view.UpdatedAt.ToDateTimeOffset() : saga.NotifiedAt;
                    saga.SilencedUntil = view.State == AlertState.Silenced ? view.SilencedUntil?.ToDateTimeOffset() : null;
                    saga.CurrentState = view.State switch
                    {
                        AlertState.Acknowledged => Acknowledged.Name,
                        AlertState.Silenced => Silenced.Name,
                        AlertState.Escalated => Escalated.Name,
                        _ => Notified.Name,
                    };
                })
                // Timers restart from what the topic says: an escalation that fell due while no instance owned the
                // alert fires at once, never twice (its level is already on the topic if it was published).
                .If(context => context.Saga.CurrentState == Silenced.Name,
                    silenced => ScheduleSilenceEnd(silenced))
                .If(context => (context.Saga.CurrentState == Notified.Name || context.Saga.CurrentState == Escalated.Name) && EscalatesFurther(context.Saga),
                    then => ScheduleEscalation(then))
                .Respond(context => new AlertActionResult(context.Saga.CorrelationId, AlertActionOutcome.Accepted)),
            // The book decides, not the saga's absence: an alert resolved a moment ago (its saga just finalized) must
            // not be resolved a second time.
            When(Withdraw)
                .IfElse(context => _events.Book.Find(context.Message.AlertId.ToString()) is { State: not AlertState.Resolved },
                    open => open
                        .ThenAsync(context =>
                        {
                            context.Saga.PatientId = context.Message.PatientId;
                            context.Saga.Partition = context.Message.Partition;
                            return ResolveAsync(context.Saga, Resolution.ConsentWithdrawn, ConsentActor, null, null, context.CancellationToken);
                        })
                        .Respond(context => Accepted(context.Saga)),
                    gone => gone.Respond(context => NotFound(context.Message.AlertId)))
                .Finalize());

        During(Notified, Escalated,
            When(Escalation!.Received)
                .ThenAsync(async context =>
                {
                    var saga = context.Saga;
                    var now = _clock.GetUtcNow();
                    var escalated = new AlertEscalated
                    {
                        AlertId = saga.CorrelationId.ToString(),
                        PatientId = saga.PatientId,
                        Level = saga.EscalationLevel + 1,
                        EscalateTo = _options.EscalationChain[saga.EscalationLevel],
                        Priority = saga.Priority,
                        EscalatedAt = Timestamp.FromDateTimeOffset(now),
                        UnacknowledgedFor = Duration.FromTimeSpan(now - saga.NotifiedAt),
                    };
                    await _events.PublishAsync(saga, escalated, string.Create(CultureInfo.InvariantCulture, $"escalated/{escalated.Level}"), context.CancellationToken);
                    saga.EscalationLevel = escalated.Level;
                    saga.UnacknowledgedSince = now;
                })
                .TransitionTo(Escalated)
                .If(context => EscalatesFurther(context.Saga), then => ScheduleEscalation(then)),
            When(Acknowledge)
                .ThenAsync(context => AcknowledgeAsync(context))
                .Unschedule(Escalation)
                .TransitionTo(Acknowledged)
                .Respond(context => Accepted(context.Saga)),
            WhenSilenced(silenced => ScheduleSilenceEnd(silenced.Unschedule(Escalation)).TransitionTo(Silenced)),
            Ignore(SilenceEnd!.Received));

        During(Silenced,
            When(SilenceEnd.Received)
                .Then(context =>
                {
                    context.Saga.SilencedUntil = null;
                    context.Saga.UnacknowledgedSince = _clock.GetUtcNow();
                    _events.Book.Touch(context.Saga.CorrelationId.ToString());
                })
                .IfElse(context => context.Saga.EscalationLevel > 0,
                    escalated => escalated.TransitionTo(Escalated),
                    notified => notified.TransitionTo(Notified))
                .If(context => EscalatesFurther(context.Saga), then => ScheduleEscalation(then)),
            When(Acknowledge)
                .ThenAsync(context => AcknowledgeAsync(context))
                .Unschedule(SilenceEnd)
                .TransitionTo(Acknowledged)
                .Respond(context => Accepted(context.Saga)),
            // A further silence replaces the running one: scheduling again cancels the earlier end.
            WhenSilenced(ScheduleSilenceEnd),
            Ignore(Escalation.Received));

        During(Acknowledged,
            When(Acknowledge)
                .Respond(context => new AlertActionResult(context.Saga.CorrelationId, AlertActionOutcome.NotAllowed, "The alert is already acknowledged.")),
            // Silencing an acknowledged alert holds new alerts on the same key; there is no escalation left to hold.
            WhenSilenced(silenced => silenced),
            Ignore(Escalation.Received),
            Ignore(SilenceEnd.Received));

        DuringAny(
            When(Open)
                .Respond(context => Accepted(context.Saga)),
            When(Restore)
                .Respond(context => Accepted(context.Saga)));

        During(Notified, Escalated, Silenced, Acknowledged,
            When(Resolve)
                .ThenAsync(context => ResolveAsync(context.Saga, Resolution.ByClinician, context.Message.Actor, context.Message.Note, null, context.CancellationToken))
                .Unschedule(Escalation)
                .Unschedule(SilenceEnd)
                .Respond(context => Accepted(context.Saga))
                .Finalize(),
            When(Clear)
                .ThenAsync(context => ResolveAsync(context.Saga,
                    context.Message.SupersededBy is null ? Resolution.ConditionCleared : Resolution.Superseded, null, null, context.Message.SupersededBy, context.CancellationToken))
                .Unschedule(Escalation)
                .Unschedule(SilenceEnd)
                .Respond(context => Accepted(context.Saga))
                .Finalize(),
            When(Withdraw)
                .ThenAsync(context => ResolveAsync(context.Saga, Resolution.ConsentWithdrawn, ConsentActor, null, null, context.CancellationToken))
                .Unschedule(Escalation)
                .Unschedule(SilenceEnd)
                .Respond(context => Accepted(context.Saga))
                .Finalize(),
            When(Release)
                .Unschedule(Escalation)
                .Unschedule(SilenceEnd)
                .Respond(context => Accepted(context.Saga))
                .Finalize(),
            // Where the alert is shown changes, not where it stands: timers and state are left as they are.
            When(Move)
                .ThenAsync(MoveAsync)
                .Respond(context => Accepted(context.Saga)));

        SetCompletedWhenFinalized();
    }

    public State Notified { get; private set; } = null!;
    public State Escalated { get; private set; } = null!;
    public State Silenced { get; private set; } = null!;
    public State Acknowledged { get; private set; } = null!;

    public Event<OpenAlert> Open { get; private set; } = null!;
    public Event<RestoreAlert> Restore { get; private set; } = null!;
    public Event<ClearAlert> Clear { get; private set; } = null!;
    public Event<AcknowledgeAlert> Acknowledge { get; private set; } = null!;
    public Event<SilenceAlert> Silence { get; private set; } = null!;
    public Event<ResolveAlert> Resolve { get; private set; } = null!;
    public Event<ReleaseAlert> Release { get; private set; } = null!;
    public Event<MoveAlert> Move { get; private set; } = null!;
    public Event<WithdrawAlert> Withdraw { get; private set; } = null!;

    public Schedule<AlertSaga, EscalationDue> Escalation { get; private set; } = null!;
    public Schedule<AlertSaga, SilenceEnded> SilenceEnd { get; private set; } = null!;

    private bool EscalatesFurther(AlertSaga saga) =>
        _options.EscalateAfter(saga.Priority) is not null && saga.EscalationLevel < _options.EscalationChain.Count;

    private bool EscalatesFurther<T>(BehaviorContext<AlertSaga, T> context) where T : class => EscalatesFurther(context.Saga);

    private bool Escalates(BehaviorContext<AlertSaga, OpenAlert> context) => EscalatesFurther(context.Saga);

    private EventActivityBinder<AlertSaga, T> ScheduleEscalation<T>(EventActivityBinder<AlertSaga, T> binder) where T : class =>
        binder.Schedule(Escalation, context => new EscalationDue(context.Saga.CorrelationId),
            context => (context.Saga.UnacknowledgedSince + _options.EscalateAfter(context.Saga.Priority)!.Value).UtcDateTime);

    /// <summary>A silence within the allowed length is published, then <paramref name="then"/> adjusts the timers; a longer one is refused.</summary>
    private EventActivityBinder<AlertSaga, SilenceAlert> WhenSilenced(Func<EventActivityBinder<AlertSaga, SilenceAlert>, EventActivityBinder<AlertSaga, SilenceAlert>> then) =>
        When(Silence).IfElse(context => SilenceRefusal(context.Message) is null,
            allowed => then(allowed.ThenAsync(SilenceAsync)).Respond(context => Accepted(context.Saga)),
            refused => refused.Respond(context => new AlertActionResult(context.Saga.CorrelationId, AlertActionOutcome.NotAllowed, SilenceRefusal(context.Message))));

    private EventActivityBinder<AlertSaga, T> ScheduleSilenceEnd<T>(EventActivityBinder<AlertSaga, T> binder) where T : class =>
        binder.Schedule(SilenceEnd, context => new SilenceEnded(context.Saga.CorrelationId), context => context.Saga.SilencedUntil!.Value.UtcDateTime);

    private async Task AcknowledgeAsync(BehaviorContext<AlertSaga, AcknowledgeAlert> context)
    {
        var acknowledged = new AlertAcknowledged
        {
            AlertId = context.Saga.CorrelationId.ToString(),
            PatientId = context.Saga.PatientId,
            AcknowledgedBy = context.Message.Actor,
            AcknowledgedAt = Timestamp.FromDateTimeOffset(_clock.GetUtcNow()),
            Note = context.Message.Note ?? string.Empty,
        };
        await _events.PublishAsync(context.Saga, acknowledged, "acknowledged", context.CancellationToken);
    }

    private async Task SilenceAsync(BehaviorContext<AlertSaga, SilenceAlert> context)
    {
        var now = _clock.GetUtcNow();
        var until = now + context.Message.Duration;
        var view = _events.Book.Find(context.Saga.CorrelationId.ToString());
        var silenced = new AlertSilenced
        {
            AlertId = context.Saga.CorrelationId.ToString(),
            PatientId = context.Saga.PatientId,
            SilencedBy = context.Message.Actor,
            SilencedAt = Timestamp.FromDateTimeOffset(now),
            Until = Timestamp.FromDateTimeOffset(until),
            Key = view?.Raised.Key,
            Reason = context.Message.Reason ?? string.Empty,
        };
        await _events.PublishAsync(context.Saga, silenced, string.Create(CultureInfo.InvariantCulture, $"silenced/{now.UtcTicks}"), context.CancellationToken);
        context.Saga.SilencedUntil = until;
    }

    private async Task MoveAsync(BehaviorContext<AlertSaga, MoveAlert> context)
    {
        var previous = _events.Book.Find(context.Saga.CorrelationId.ToString())?.Ward ?? string.Empty;
        if (string.Equals(previous, context.Message.Ward, StringComparison.Ordinal))
        {
            return;
        }
        var moved = new AlertMoved
        {
            AlertId = context.Saga.CorrelationId.ToString(),
            PatientId = context.Saga.PatientId,
            Ward = context.Message.Ward,
            PreviousWard = previous,
            MovedAt = Timestamp.FromDateTimeOffset(_clock.GetUtcNow()),
        };
        // Named after the twin event behind it: a move repeated after a crash has the same message id.
        await _events.PublishAsync(context.Saga, moved, $"moved/{context.Message.SourceEventId}", context.CancellationToken);
    }

    private Task ResolveAsync(AlertSaga saga, Resolution resolution, string? actor, string? note, string? supersededBy, CancellationToken cancellationToken) =>
        _events.PublishAsync(saga, new AlertResolved
        {
            AlertId = saga.CorrelationId.ToString(),
            PatientId = saga.PatientId,
            Resolution = resolution,
            ResolvedBy = actor ?? string.Empty,
            ResolvedAt = Timestamp.FromDateTimeOffset(_clock.GetUtcNow()),
            Note = note ?? string.Empty,
            SupersededBy = supersededBy ?? string.Empty,
        }, "resolved", cancellationToken);

    private string? SilenceRefusal(SilenceAlert silence) =>
        silence.Duration < TimeSpan.FromSeconds(1) || silence.Duration > _options.MaxSilence
            ? string.Create(CultureInfo.InvariantCulture, $"A silence lasts from 1 s to {_options.MaxSilence}.")
            : null;

    private static AlertActionResult Accepted(AlertSaga saga) => new(saga.CorrelationId, AlertActionOutcome.Accepted);

    private static AlertActionResult NotFound(Guid alertId) => new(alertId, AlertActionOutcome.NotFound, "No open alert has that id here.");
}
