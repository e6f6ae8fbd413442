using VitalTwin.Contracts.Alerting.V1;
using static VitalTwin.Notification.Tests.SecuredNotification;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// Clear times run on the partition's event time (the times of the events consumed from it), not on the wall clock:
/// a recording months old keeps its alert open until its own events pass the clear time, at any replay speed.
/// </summary>
public sealed class EventTimeClearanceTests : IDisposable
{
    private const string Patient = "patient-recorded-high", FirstMarker = "patient-marker-1", SecondMarker = "patient-marker-2";
    private static readonly TimeSpan ClearAfter = TimeSpan.FromMinutes(15);  // AlertPolicyOptions' default

    private readonly ConsentNotification _kafka = new();

    [Fact]
    public async Task A_settled_condition_of_an_old_recording_clears_when_its_partitions_events_pass_the_clear_time_not_by_the_wall_clock()
    {
        await using var notification = await _kafka.StartAsync($"test-notification-{Guid.NewGuid():N}");
        var recorded = notification.Clock.GetUtcNow().AddDays(-120);

        await notification.PublishNews2Async(Patient, total: 7, recorded);
        await WaitUntilAsync(() => notification.AlertsOf(Patient).Count == 1);
        var alertId = notification.AlertsOf(Patient)[0].AlertId;
        await notification.PublishNews2Async(Patient, total: 0, recorded.AddMinutes(1));

        // Another patient's event just short of the clear time, then half a minute of wall time (less than the
        // partition's SilentPartitionAfter): a wall-clock policy clock would have cleared it at its first tick.
        await notification.PublishSpikeAsync(FirstMarker, recorded.AddMinutes(1) + ClearAfter - TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => notification.AlertsOf(FirstMarker).Count == 1);
        notification.Clock.Advance(TimeSpan.FromSeconds(30));
        await notification.PublishSpikeAsync(SecondMarker, recorded.AddMinutes(1) + ClearAfter - TimeSpan.FromMilliseconds(500));
        await WaitUntilAsync(() => notification.AlertsOf(SecondMarker).Count == 1);
        Assert.NotEqual(AlertState.Resolved, notification.Book.Find(alertId)!.State);

        // The partition's events pass the clear time: it clears at the tick the policy's clear time falls on.
        await notification.PublishSpikeAsync(FirstMarker, recorded.AddMinutes(1) + ClearAfter + TimeSpan.FromSeconds(2));
        await WaitUntilAsync(() => notification.Book.Find(alertId)!.State == AlertState.Resolved);
        var resolved = _kafka.AlertEvents().OfType<AlertResolved>().Single(r => r.AlertId == alertId);
        Assert.Equal(Resolution.ConditionCleared, resolved.Resolution);
    }

    public void Dispose() => _kafka.Dispose();
}
