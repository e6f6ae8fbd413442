using VitalTwin.Contracts.Alerting.V1;
using static VitalTwin.Notification.Tests.SecuredNotification;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// A spike that comes after its key's quiet period ran out, but before any event-time tick cleared the old alert,
/// both clears the old alert and raises a new one in one decision: the new alert must be the one left open.
/// </summary>
public sealed class SpikeAfterQuietPeriodTests : IDisposable
{
    private const string Patient = "patient-spiking-again";

    private readonly ConsentNotification _kafka = new();

    [Fact]
    public async Task A_spike_just_past_the_quiet_period_between_two_ticks_resolves_the_old_alert_and_leaves_its_own_open()
    {
        await using var notification = await _kafka.StartAsync($"test-notification-{Guid.NewGuid():N}");
        var second = notification.Clock.GetUtcNow().AddHours(-3);
        second = new DateTimeOffset(second.Ticks - second.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        // Ticks fall on whole seconds: the last one before the second spike is 0.3 s short of the quiet period's end
        // (15 min), and the spike itself 0.2 s past it.
        var first = second.AddMilliseconds(300);
        var again = first.AddMinutes(15).AddMilliseconds(200);

        await notification.PublishSpikeAsync(Patient, first);
        await WaitUntilAsync(() => notification.AlertsOf(Patient).Count == 1);
        await notification.PublishSpikeAsync(Patient, again);
        await WaitUntilAsync(() => notification.AlertsOf(Patient).Count == 2 && notification.AlertsOf(Patient).Any(a => a.State == AlertState.Resolved));

        var alerts = notification.AlertsOf(Patient);
        var open = Assert.Single(alerts, a => a.State != AlertState.Resolved);
        Assert.Equal(again, open.Raised.ObservedAt.ToDateTimeOffset());
        var resolved = Assert.Single(alerts, a => a.State == AlertState.Resolved);
        Assert.Equal(first, resolved.Raised.ObservedAt.ToDateTimeOffset());
        Assert.Equal(Resolution.ConditionCleared, resolved.Resolution);
    }

    public void Dispose() => _kafka.Dispose();
}
