using Google.Protobuf;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Notification.Lifecycle;
using static VitalTwin.Notification.Tests.SecuredNotification;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// Consent in Notification, over the embedded Kafka: a refusal or withdrawal on the consent topic resolves the patient's
/// open alerts through their lifecycle (no escalation after it), their later events raise nothing until consent to
/// monitoring is recorded again, other patients are untouched, and a restart that replays everything resolves and
/// raises nothing again.
/// </summary>
public sealed class ConsentWithdrawalTests : IDisposable
{
    private const string Withdrawing = "consent-patient-withdrawing";
    private const string Staying = "consent-patient-staying";
    private const string Marker = "consent-patient-marker";
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly ConsentNotification _kafka = new();

    [Fact]
    public async Task A_withdrawal_resolves_the_escalating_alert_stops_its_escalation_and_drops_the_patients_later_events_while_another_patient_is_untouched()
    {
        await using var notification = await _kafka.StartAsync($"test-notification-{Guid.NewGuid():N}");
        var (withdrawing, staying) = await RaiseBothAsync(notification);

        await _kafka.PublishConsentAsync(Withdrawing, ConsentState.Withdrawn);
        await WaitUntilAsync(() => notification.Book.Find(withdrawing.AlertId)!.State == AlertState.Resolved);

        var resolved = Assert.IsType<AlertResolved>(EventsOf(withdrawing.AlertId)[^1]);
        Assert.Equal((Resolution.ConsentWithdrawn, AlertStateMachine.ConsentActor, Withdrawing), (resolved.Resolution, resolved.ResolvedBy, resolved.PatientId));
        // Only the other patient's escalation stays due: the withdrawn alert's timer is cancelled, not left to fire.
        await WaitUntilAsync(() => notification.Timers.Pending == 1);

        // Events of the withdrawn patient first, then on each topic one of another patient that does alert.
        await notification.PublishSpikeAsync(Withdrawing);
        await notification.PublishNews2Async(Withdrawing, total: 7);
        await notification.PublishSpikeAsync(Staying);
        await notification.PublishNews2Async(Marker, total: 7);
        await WaitUntilAsync(() => notification.AlertsOf(Staying).Any(a => a.Raised.Condition == AlertCondition.VitalSpike) && notification.AlertsOf(Marker).Count == 1);

        // Minute by minute past the withdrawn alert's next escalation (minute 4) to the other one's second (minute 5).
        notification.Clock.Advance(Minute);
        await WaitUntilAsync(() => notification.Book.Find(staying.AlertId)!.EscalationLevel == 1);
        notification.Clock.Advance(2 * Minute);
        await WaitUntilAsync(() => notification.Book.Find(staying.AlertId)!.EscalationLevel == 2);

        Assert.Equal([typeof(AlertRaised), typeof(AlertEscalated), typeof(AlertResolved)], EventsOf(withdrawing.AlertId).Select(e => e.GetType()));
        Assert.Equal([withdrawing.AlertId], notification.AlertsOf(Withdrawing).Select(a => a.AlertId));
        Assert.DoesNotContain(_kafka.AlertEvents().OfType<AlertRaised>(), r => r.PatientId == Withdrawing && r.AlertId != withdrawing.AlertId);
        Assert.DoesNotContain(_kafka.AlertEvents().OfType<AlertResolved>(), r => r.PatientId == Staying);
        Assert.Equal(AlertState.Escalated, notification.Book.Find(staying.AlertId)!.State);
        Assert.DoesNotContain(Withdrawing, notification.Policy.Patients);
        Assert.Equal(string.Empty, notification.Wards.Of(Withdrawing));
        Assert.Equal(0, _kafka.DeadLettered());
    }

    [Fact]
    public async Task Consent_to_monitoring_recorded_again_lets_the_patients_events_alert_again()
    {
        await using var notification = await _kafka.StartAsync($"test-notification-{Guid.NewGuid():N}");
        await notification.PublishNews2Async(Withdrawing, total: 7);
        await WaitUntilAsync(() => notification.AlertsOf(Withdrawing).Count == 1);
        await _kafka.PublishConsentAsync(Withdrawing, ConsentState.Refused);
        await WaitUntilAsync(() => notification.AlertsOf(Withdrawing).Single().State == AlertState.Resolved);

        await _kafka.PublishConsentAsync(Withdrawing, ConsentState.Monitoring);
        // The consent and anomaly topics are not ordered with each other: the spike goes once the consent is in.
        await WaitUntilAsync(() => notification.MayProcess(Withdrawing));
        await notification.PublishSpikeAsync(Withdrawing);

        await WaitUntilAsync(() => notification.AlertsOf(Withdrawing).Any(a => a.Raised.Condition == AlertCondition.VitalSpike && a.State != AlertState.Resolved));
        Assert.Equal(Resolution.ConsentWithdrawn, notification.AlertsOf(Withdrawing).Single(a => a.Raised.Condition == AlertCondition.News2High).Resolution);
    }

    [Fact]
    public async Task A_restart_that_replays_every_topic_after_the_withdrawal_resolves_nothing_twice_and_raises_nothing()
    {
        string withdrawingAlert, stayingAlert;
        await using (var first = await _kafka.StartAsync($"test-notification-{Guid.NewGuid():N}"))
        {
            var (withdrawing, staying) = await RaiseBothAsync(first);
            (withdrawingAlert, stayingAlert) = (withdrawing.AlertId, staying.AlertId);
            await _kafka.PublishConsentAsync(Withdrawing, ConsentState.Withdrawn);
            await WaitUntilAsync(() => first.Book.Find(withdrawingAlert)!.State == AlertState.Resolved);
            await first.PublishSpikeAsync(Withdrawing);
        }
        var before = _kafka.AlertEvents();

        // A new consumer group reads every input topic from its start: the withdrawal and all the events before it.
        var group = $"test-notification-{Guid.NewGuid():N}";
        await using (var restarted = await _kafka.StartAsync(group))
        {
            Assert.Equal(AlertState.Resolved, restarted.Book.Find(withdrawingAlert)!.State);
            Assert.Equal(AlertState.Notified, restarted.Book.Find(stayingAlert)!.State);
            await restarted.PublishSpikeAsync(Marker);
            await WaitUntilAsync(() => restarted.AlertsOf(Marker).Count == 1);
        }

        // Closing committed what was handled: everything, the replayed withdrawal included.
        Assert.True(_kafka.CommittedToEnd(group));
        var added = _kafka.AlertEvents().Skip(before.Count).ToList();
        var raised = Assert.IsType<AlertRaised>(Assert.Single(added));
        Assert.Equal(Marker, raised.PatientId);
        Assert.Single(before.OfType<AlertResolved>(), r => r.AlertId == withdrawingAlert);
    }

    [Fact]
    public async Task A_withdrawal_recorded_while_no_instance_ran_resolves_the_alert_at_take_over_and_its_replay_resolves_nothing_again()
    {
        var group = $"test-notification-{Guid.NewGuid():N}";
        string alertId;
        await using (var first = await _kafka.StartAsync(group))
        {
            await first.PublishNews2Async(Withdrawing, total: 7);
            await WaitUntilAsync(() => first.AlertsOf(Withdrawing).Count == 1);
            alertId = first.AlertsOf(Withdrawing).Single().AlertId;
        }
        await _kafka.PublishConsentAsync(Withdrawing, ConsentState.Withdrawn);

        await using (var restarted = await _kafka.StartAsync(group))
        {
            // Resolved while the partition was being taken over, before any event of it was handled: no timer restarted.
            Assert.Equal(AlertState.Resolved, restarted.Book.Find(alertId)!.State);
            Assert.Equal(0, restarted.Timers.Pending);
            await restarted.PublishSpikeAsync(Marker);
            await WaitUntilAsync(() => restarted.AlertsOf(Marker).Count == 1);
        }

        // The withdrawal itself was then handled as well (committed), and found the alert resolved already.
        Assert.True(_kafka.CommittedToEnd(group));
        var events = EventsOf(alertId);
        Assert.Equal([typeof(AlertRaised), typeof(AlertResolved)], events.Select(e => e.GetType()));
        Assert.Equal(Resolution.ConsentWithdrawn, ((AlertResolved)events[1]).Resolution);
    }

    /// <summary>
    /// High NEWS2 alerts for the withdrawing patient (minute 0) and the staying one (minute 1); at minute 2 the first
    /// has escalated once, so its next escalation would be at minute 4 and the other's at minutes 3 and 5.
    /// </summary>
    private static async Task<(AlertView Withdrawing, AlertView Staying)> RaiseBothAsync(RunningNotification notification)
    {
        await notification.PublishNews2Async(Withdrawing, total: 7);
        await WaitUntilAsync(() => notification.AlertsOf(Withdrawing).Count == 1);
        notification.Clock.Advance(Minute);
        await notification.PublishNews2Async(Staying, total: 7);
        await WaitUntilAsync(() => notification.AlertsOf(Staying).Count == 1);
        notification.Clock.Advance(Minute);
        var withdrawing = notification.AlertsOf(Withdrawing).Single();
        await WaitUntilAsync(() => notification.Book.Find(withdrawing.AlertId)!.EscalationLevel == 1);
        return (notification.Book.Find(withdrawing.AlertId)!, notification.AlertsOf(Staying).Single());
    }

    private IReadOnlyList<IMessage> EventsOf(string alertId) =>
        _kafka.AlertEvents().Where(e => e.Descriptor.FindFieldByName("alert_id").Accessor.GetValue(e) as string == alertId).ToList();

    public void Dispose() => _kafka.Dispose();
}
