using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.ServiceDefaults.Security;
using static VitalTwin.Notification.Tests.SecuredNotification;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// What AlertDesk answers for an action on an alert that is already resolved, over real gRPC against a running
/// Notification: the alert is known, so not NOT_FOUND, but its state allows nothing more (FAILED_PRECONDITION, as
/// alert.proto says), and nothing further goes onto the alerts topic.
/// </summary>
public sealed class AlertDeskResolvedAlertTests(SecuredNotification service) : IClassFixture<SecuredNotification>
{
    [Fact]
    public async Task Acknowledging_silencing_or_resolving_a_resolved_alert_fails_its_precondition_while_an_unknown_alert_is_not_found()
    {
        var desk = service.Desk(service.Token($"nurse-{Guid.NewGuid():N}", [Roles.Clinician], WardA));
        var alertId = service.AlertOf(PatientA, AlertCondition.News2High).AlertId;
        await desk.ResolveAsync(new ResolveAlertRequest { AlertId = alertId, Note = "treated" });
        var published = service.AlertEvents().Count;

        var acknowledge = await StatusOf(() => desk.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = alertId }).ResponseAsync);
        var silence = await StatusOf(() => desk.SilenceAsync(new SilenceAlertRequest { AlertId = alertId, Duration = Duration.FromTimeSpan(TimeSpan.FromMinutes(5)) }).ResponseAsync);
        var resolve = await StatusOf(() => desk.ResolveAsync(new ResolveAlertRequest { AlertId = alertId }).ResponseAsync);
        var unknown = await StatusOf(() => desk.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = Guid.NewGuid().ToString() }).ResponseAsync);

        Assert.Equal(
            [StatusCode.FailedPrecondition, StatusCode.FailedPrecondition, StatusCode.FailedPrecondition, StatusCode.NotFound],
            new[] { acknowledge, silence, resolve, unknown });
        Assert.Equal(AlertState.Resolved, service.Book.Find(alertId)!.State);
        Assert.Equal(published, service.AlertEvents().Count);
    }
}
