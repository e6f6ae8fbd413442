using Grpc.Core;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.ServiceDefaults.Security;
using static VitalTwin.Notification.Tests.SecuredNotification;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// An open alert moves with its patient, over real gRPC and Kafka against a running Notification of this class's
/// own (its patients move): once TwinState announces the move, the new ward's clinicians see and act on the alert,
/// and the old ward's lose it, in their lists, their watches and their actions; the alerts topic records the move.
/// </summary>
public sealed class AlertDeskWardMoveTests(SecuredNotification service) : IClassFixture<SecuredNotification>
{
    [Fact]
    public async Task A_patient_moved_to_another_ward_takes_the_open_alert_to_that_wards_clinicians_and_away_from_the_old_wards()
    {
        var wardA = service.Desk(service.Token(Subject("nurse-a"), [Roles.Clinician], WardA));
        var wardB = service.Desk(service.Token(Subject("nurse-b"), [Roles.Clinician], WardB));
        var alertId = service.AlertOf(PatientA, AlertCondition.News2High).AlertId;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watchA = wardA.WatchAlerts(new WatchAlertsRequest(), cancellationToken: deadline.Token);
        using var watchB = wardB.WatchAlerts(new WatchAlertsRequest { Filter = new AlertFilter { PatientId = PatientA } }, cancellationToken: deadline.Token);
        // Ward A's alerts as seeded: the patient's NEWS2 alert and the spike alert of the other ward A patient.
        var before = new[] { await NextAsync(watchA, deadline.Token), await NextAsync(watchA, deadline.Token) };

        await service.PublishWardChangeAsync(PatientA, WardB, previousWard: WardA);
        // Ward B's watch had nothing of the patient: the first thing it sends is the alert that came with them.
        var arrived = await NextAsync(watchB, deadline.Token);
        var left = await NextAsync(watchA, deadline.Token);
        var listedA = await wardA.ListAlertsAsync(new ListAlertsRequest { Filter = new AlertFilter { PatientId = PatientA } });
        var listedB = await wardB.ListAlertsAsync(new ListAlertsRequest { Filter = new AlertFilter { PatientId = PatientA } });
        var refused = await StatusOf(() => wardA.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = alertId }).ResponseAsync);
        var acknowledged = await wardB.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = alertId });
        // Ward A's watch goes on with its own ward and says nothing of the acknowledgement on ward B, which came first.
        await service.PublishSpikeAsync(Spiky, VitalValues[4], DateTimeOffset.UtcNow, loinc: "9279-1", unit: "/min");
        var next = await NextAsync(watchA, deadline.Token);

        Assert.Contains(before, v => v.AlertId == alertId);
        Assert.Equal((alertId, WardB, WardA), (arrived.AlertId, arrived.Ward, arrived.Raised.Ward));
        Assert.Equal(new AlertView { AlertId = alertId, PatientId = PatientA }, left);
        Assert.Empty(listedA.Alerts);
        Assert.Equal([(alertId, WardB)], listedB.Alerts.Select(a => (a.AlertId, a.Ward)));
        Assert.Equal(StatusCode.PermissionDenied, refused);
        Assert.Equal(AlertState.Acknowledged, acknowledged.State);
        // The spike combines with the earlier one: whichever of those alerts comes first, it is the other patient's.
        Assert.Equal(Spiky, next.PatientId);
        var moved = Assert.Single(service.AlertEvents().OfType<AlertMoved>());
        Assert.Equal((alertId, PatientA, WardB, WardA), (moved.AlertId, moved.PatientId, moved.Ward, moved.PreviousWard));
    }

    private static async Task<AlertView> NextAsync(AsyncServerStreamingCall<AlertView> watch, CancellationToken cancellationToken)
    {
        Assert.True(await watch.ResponseStream.MoveNext(cancellationToken));
        return watch.ResponseStream.Current;
    }
}
