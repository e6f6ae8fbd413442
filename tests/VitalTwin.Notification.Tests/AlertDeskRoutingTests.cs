using Grpc.Core;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Tests;
using static VitalTwin.Notification.Tests.SecuredNotification;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// AlertDesk answers for every alert from either of two replicas, over real gRPC and Kafka: an action on an alert
/// the other replica holds is taken, authorised and recorded there.
/// </summary>
public sealed class AlertDeskRoutingTests(NotificationReplicas replicas) : IClassFixture<NotificationReplicas>
{
    private const string Ward = "ward-routed";

    [Fact]
    public async Task An_alert_the_other_replica_holds_is_acknowledged_through_this_one_and_the_holder_authorises_and_records_each_call_once()
    {
        var patientId = NotificationReplicas.PatientHeldBy(replicas.Second, "alert-patient-routed");
        var alert = await replicas.RaiseAsync(patientId, Ward, DateTimeOffset.UtcNow);
        var allowed = Subject("nurse-routed");
        var refused = Subject("nurse-elsewhere");
        var ownWard = replicas.Desk(replicas.First, replicas.Tokens.Mint(allowed, [Roles.Clinician], [Ward]));
        var otherWard = replicas.Desk(replicas.First, replicas.Tokens.Mint(refused, [Roles.Clinician], ["ward-other"]));

        var acknowledged = await ownWard.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = alert.AlertId });
        var denied = await StatusOf(() => otherWard.ResolveAsync(new ResolveAlertRequest { AlertId = alert.AlertId }).ResponseAsync);

        Assert.False(NotificationReplicas.Book(replicas.First).Contains(alert.AlertId), "The alert is the other replica's.");
        Assert.Equal((AlertState.Acknowledged, allowed), (acknowledged.State, acknowledged.AcknowledgedBy));
        Assert.Equal(AlertState.Acknowledged, NotificationReplicas.Book(replicas.Second).Find(alert.AlertId)!.State);
        Assert.Contains(AlertEvents(), e => e is AlertAcknowledged a && a.AlertId == alert.AlertId && a.AcknowledgedBy == allowed);
        Assert.Equal(StatusCode.PermissionDenied, denied);
        // One record per call, the holder's: the replica it came through and the one without the alert record nothing.
        Assert.Equal([(AuditOutcome.Allowed, patientId, alert.AlertId)], Audited(allowed));
        Assert.Equal([(AuditOutcome.Denied, patientId, alert.AlertId)], Audited(refused));
    }

    [Fact]
    public async Task An_alert_no_replica_holds_is_not_found_and_recorded_once_by_the_replica_called()
    {
        var subject = Subject("nurse-unknown-alert");
        var desk = replicas.Desk(replicas.First, replicas.Tokens.Mint(subject, [Roles.Clinician], [Ward]));
        var alertId = Guid.NewGuid().ToString();

        var status = await StatusOf(() => desk.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = alertId }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, status);
        Assert.Equal([(AuditOutcome.Failed, string.Empty, alertId)], Audited(subject));
    }

    private IReadOnlyList<(AuditOutcome Outcome, string PatientId, string Detail)> Audited(string actor) =>
        AuditTopic.Read(replicas.BootstrapServers, replicas.Topics.Audit)
            .Select(r => AccessAudited.Parser.ParseFrom(r.Value))
            .Where(a => a.Actor == actor)
            .Select(a => (a.Outcome, a.PatientId, a.Detail))
            .ToList();

    private IReadOnlyList<Google.Protobuf.IMessage> AlertEvents() =>
        AuditTopic.Read(replicas.BootstrapServers, replicas.Topics.Alerts)
            .Select(r => AlertTopicRecords.Parse(r.Schema, r.Value))
            .OfType<Google.Protobuf.IMessage>()
            .ToList();
}
