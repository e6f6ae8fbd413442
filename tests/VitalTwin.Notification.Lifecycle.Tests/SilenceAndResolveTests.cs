using Google.Protobuf.WellKnownTypes;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Notification.Lifecycle;

namespace VitalTwin.Notification.Lifecycle.Tests;

public class SilenceAndResolveTests
{
    [Fact]
    public async Task A_silence_holds_escalation_until_it_ends_then_escalation_resumes()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        var raised = await harness.RaiseAsync(AlertPriority.High);
        harness.Clock.Advance(TimeSpan.FromMinutes(1));

        var result = await harness.Lifecycle.SilenceAsync(Guid.Parse(raised.AlertId), "nurse-42", TimeSpan.FromMinutes(5), "turning the patient", LifecycleHarness.Timeout());
        var silenced = await harness.NextAsync<AlertSilenced>();

        Assert.True(result.Accepted);
        Assert.Equal(harness.Clock.GetUtcNow() + TimeSpan.FromMinutes(5), silenced.Until.ToDateTimeOffset());
        Assert.Equal(raised.Key, silenced.Key);
        Assert.Equal(AlertState.Silenced, harness.Book.Find(raised.AlertId)!.State);

        harness.Clock.Advance(TimeSpan.FromMinutes(5));
        await EscalationTests.SettleAsync(harness, raised);
        Assert.True(harness.NothingMorePublished);
        Assert.Equal(AlertState.Notified, harness.Book.Find(raised.AlertId)!.State);

        harness.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, (await harness.NextAsync<AlertEscalated>()).Level);
    }

    [Fact]
    public async Task A_silence_must_be_bounded_by_the_configured_maximum()
    {
        await using var harness = await LifecycleHarness.StartAsync(new AlertLifecycleOptions { MaxSilence = TimeSpan.FromMinutes(30) });
        var raised = await harness.RaiseAsync(AlertPriority.High);

        var tooLong = await harness.Lifecycle.SilenceAsync(Guid.Parse(raised.AlertId), "nurse-42", TimeSpan.FromMinutes(31), null, LifecycleHarness.Timeout());
        var none = await harness.Lifecycle.SilenceAsync(Guid.Parse(raised.AlertId), "nurse-42", TimeSpan.Zero, null, LifecycleHarness.Timeout());

        Assert.Equal(AlertActionOutcome.NotAllowed, tooLong.Outcome);
        Assert.Equal(AlertActionOutcome.NotAllowed, none.Outcome);
        Assert.True(harness.NothingMorePublished);
        Assert.Equal(1, harness.Timers.Pending);
    }

    [Fact]
    public async Task An_alert_raised_inside_a_silence_starts_silenced_and_escalates_only_after_it()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        var raised = await harness.RaiseAsync(AlertPriority.High, silencedUntil: new DateTimeOffset(2026, 3, 1, 8, 10, 0, TimeSpan.Zero));

        Assert.Equal(AlertState.Silenced, harness.Book.Find(raised.AlertId)!.State);
        harness.Clock.Advance(TimeSpan.FromMinutes(10));
        await EscalationTests.SettleAsync(harness, raised);
        Assert.True(harness.NothingMorePublished);

        harness.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, (await harness.NextAsync<AlertEscalated>()).Level);
    }

    [Fact]
    public async Task A_cleared_condition_resolves_the_alert_automatically_and_ends_it()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        var raised = await harness.RaiseAsync(AlertPriority.High);

        var result = await harness.Lifecycle.ClearAsync(Guid.Parse(raised.AlertId), null, LifecycleHarness.Timeout());
        var resolved = await harness.NextAsync<AlertResolved>();
        var late = await harness.Lifecycle.AcknowledgeAsync(Guid.Parse(raised.AlertId), "nurse-42", null, LifecycleHarness.Timeout());

        Assert.True(result.Accepted);
        Assert.Equal(Resolution.ConditionCleared, resolved.Resolution);
        Assert.Empty(resolved.ResolvedBy);
        Assert.Equal(AlertActionOutcome.NotFound, late.Outcome);
        Assert.Equal(0, harness.Timers.Pending);
        Assert.Equal(AlertState.Resolved, harness.Book.Find(raised.AlertId)!.State);
    }

    [Fact]
    public async Task A_clinician_resolving_is_recorded_with_who_and_why()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        var raised = await harness.RaiseAsync(AlertPriority.Medium);

        await harness.Lifecycle.ResolveAsync(Guid.Parse(raised.AlertId), "dr-who", "reviewed, expected after surgery", LifecycleHarness.Timeout());
        var resolved = await harness.NextAsync<AlertResolved>();

        Assert.Equal(Resolution.ByClinician, resolved.Resolution);
        Assert.Equal("dr-who", resolved.ResolvedBy);
        Assert.Equal("reviewed, expected after surgery", resolved.Note);
        Assert.Equal($"{raised.AlertId}/resolved", harness.Published[^1].MessageId);
    }

    [Fact]
    public async Task An_alert_folded_into_a_combined_one_is_resolved_as_superseded()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        var raised = await harness.RaiseAsync(AlertPriority.Low, condition: AlertCondition.VitalSpike);

        await harness.Lifecycle.ClearAsync(Guid.Parse(raised.AlertId), "combined-alert-id", LifecycleHarness.Timeout());
        var resolved = await harness.NextAsync<AlertResolved>();

        Assert.Equal(Resolution.Superseded, resolved.Resolution);
        Assert.Equal("combined-alert-id", resolved.SupersededBy);
    }

    [Fact]
    public async Task Actions_on_an_unknown_alert_say_not_found()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        var unknown = Guid.NewGuid();

        Assert.Equal(AlertActionOutcome.NotFound, (await harness.Lifecycle.AcknowledgeAsync(unknown, "nurse-42", null, LifecycleHarness.Timeout())).Outcome);
        Assert.Equal(AlertActionOutcome.NotFound, (await harness.Lifecycle.SilenceAsync(unknown, "nurse-42", TimeSpan.FromMinutes(1), null, LifecycleHarness.Timeout())).Outcome);
        Assert.Equal(AlertActionOutcome.NotFound, (await harness.Lifecycle.ResolveAsync(unknown, "nurse-42", null, LifecycleHarness.Timeout())).Outcome);
        Assert.Equal(AlertActionOutcome.NotFound, (await harness.Lifecycle.ClearAsync(unknown, null, LifecycleHarness.Timeout())).Outcome);
        Assert.Empty(harness.Published);
    }

    [Fact]
    public async Task A_restored_alert_whose_escalation_fell_due_meanwhile_escalates_at_once_to_the_next_level()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        var alertId = Guid.NewGuid();
        var now = harness.Clock.GetUtcNow();
        var view = new AlertView
        {
            AlertId = alertId.ToString(),
            PatientId = "patient-1",
            State = AlertState.Escalated,
            EscalationLevel = 1,
            UpdatedAt = Timestamp.FromDateTimeOffset(now - TimeSpan.FromMinutes(3)),
            Raised = new AlertRaised
            {
                AlertId = alertId.ToString(),
                PatientId = "patient-1",
                Priority = AlertPriority.High,
                RaisedAt = Timestamp.FromDateTimeOffset(now - TimeSpan.FromMinutes(5)),
            },
        };

        Assert.True((await harness.Lifecycle.RestoreAsync(view, 3, LifecycleHarness.Timeout())).Accepted);
        var escalated = await harness.NextAsync<AlertEscalated>();

        Assert.Equal(2, escalated.Level);
        Assert.Equal("rapid-response-team", escalated.EscalateTo);
        Assert.Equal(3, harness.Published[0].Partition);
    }

    [Fact]
    public async Task A_restored_acknowledged_alert_has_no_timer_and_can_still_be_resolved()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        var alertId = Guid.NewGuid();
        var view = new AlertView
        {
            AlertId = alertId.ToString(),
            PatientId = "patient-1",
            State = AlertState.Acknowledged,
            Raised = new AlertRaised { AlertId = alertId.ToString(), PatientId = "patient-1", Priority = AlertPriority.High, RaisedAt = Timestamp.FromDateTimeOffset(harness.Clock.GetUtcNow()) },
        };

        await harness.Lifecycle.RestoreAsync(view, 0, LifecycleHarness.Timeout());
        Assert.Equal(0, harness.Timers.Pending);
        await harness.Lifecycle.ClearAsync(alertId, null, LifecycleHarness.Timeout());

        Assert.Equal(Resolution.ConditionCleared, (await harness.NextAsync<AlertResolved>()).Resolution);
    }

    [Fact]
    public async Task A_released_alert_publishes_nothing_and_keeps_no_timer()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        var raised = await harness.RaiseAsync(AlertPriority.High);

        await harness.Lifecycle.ReleaseAsync(Guid.Parse(raised.AlertId), LifecycleHarness.Timeout());
        harness.Clock.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(0, harness.Timers.Pending);
        Assert.Equal(AlertActionOutcome.NotFound, (await harness.Lifecycle.AcknowledgeAsync(Guid.Parse(raised.AlertId), "nurse-42", null, LifecycleHarness.Timeout())).Outcome);
        Assert.True(harness.NothingMorePublished);
    }
}
