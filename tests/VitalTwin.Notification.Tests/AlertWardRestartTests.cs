using VitalTwin.Contracts.Alerting.V1;
using static VitalTwin.Notification.Tests.SecuredNotification;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// A moved alert's ward survives a restart, over the embedded Kafka: the instance that takes the partition over reads
/// the move back from the alerts topic (no twin event is read again), so the alert stays with the new ward's clinicians
/// and the patient's next alert is raised there.
/// </summary>
public sealed class AlertWardRestartTests : IDisposable
{
    private const string Patient = "ward-patient-moved";
    private const string NewWard = "ward-b";

    private readonly ConsentNotification _kafka = new();

    [Fact]
    public async Task An_instance_restarted_in_the_same_group_finds_the_moved_alert_and_the_patient_on_the_new_ward()
    {
        var group = $"test-notification-{Guid.NewGuid():N}";
        string alertId;
        await using (var first = await _kafka.StartAsync(group))
        {
            await first.PublishNews2Async(Patient, total: 7);
            await WaitUntilAsync(() => first.AlertsOf(Patient).Count == 1);
            alertId = first.AlertsOf(Patient).Single().AlertId;
            await first.PublishWardChangeAsync(Patient, NewWard);
            await WaitUntilAsync(() => first.Book.Find(alertId)!.Ward == NewWard);
        }

        await using var restarted = await _kafka.StartAsync(group);
        var restored = restarted.Book.Find(alertId)!;
        var knownWard = restarted.Wards.Of(Patient);
        await restarted.PublishSpikeAsync(Patient);
        await WaitUntilAsync(() => restarted.AlertsOf(Patient).Count == 2);

        Assert.Equal((NewWard, "ward-a"), (restored.Ward, restored.Raised.Ward));
        Assert.Equal(NewWard, knownWard);
        Assert.Equal(NewWard, restarted.AlertsOf(Patient).Single(a => a.AlertId != alertId).Raised.Ward);
    }

    public void Dispose() => _kafka.Dispose();
}
