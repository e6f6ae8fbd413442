using static VitalTwin.Notification.Tests.SecuredNotification;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// Alert ids, which webhook Idempotency-Keys and FHIR resource ids derive from, never repeat: a device without a boot id
/// that restarts its sequence numbers sends event ids it sent before, and its new alerts must not take the old ones' ids,
/// while the same event consumed again is still recognised.
/// </summary>
public sealed class AlertIdTests : IDisposable
{
    private const string Patient = "patient-restarted-monitor", Marker = "patient-marker";
    // What AnomalyDetection names a spike on the seventh reading of a device that sends no boot id.
    private const string RepeatedEventId = "monitor-1/7/iid-spike";

    private readonly ConsentNotification _kafka = new();

    [Fact]
    public async Task A_spike_of_a_restarted_device_repeating_an_earlier_event_id_raises_an_alert_of_its_own_and_a_replayed_event_raises_none()
    {
        await using var notification = await _kafka.StartAsync($"test-notification-{Guid.NewGuid():N}");
        var start = notification.Clock.GetUtcNow().AddHours(-3);

        await notification.PublishSpikeAsync(Patient, start, RepeatedEventId);
        await WaitUntilAsync(() => notification.AlertsOf(Patient).Count == 1);
        // Two hours on (the first alert has long cleared) the restarted device reaches sequence number 7 again.
        await notification.PublishSpikeAsync(Patient, start.AddHours(2), RepeatedEventId);
        await WaitUntilAsync(() => notification.AlertsOf(Patient).Count == 2);
        await notification.PublishSpikeAsync(Patient, start.AddHours(2), RepeatedEventId);
        await notification.PublishSpikeAsync(Marker, start.AddHours(2));
        await WaitUntilAsync(() => notification.AlertsOf(Marker).Count == 1);

        var alerts = notification.AlertsOf(Patient);
        Assert.Equal(2, alerts.Count);
        Assert.Equal(2, alerts.Select(a => a.AlertId).Distinct().Count());
        Assert.All(alerts, a => Assert.Equal(RepeatedEventId, a.Raised.SourceEventId));
    }

    public void Dispose() => _kafka.Dispose();
}
