using Grpc.Core;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Notification.Lifecycle;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Tests;
using static VitalTwin.Notification.Tests.SecuredNotification;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// AlertDesk answers for every alert from either of two replicas, over real gRPC and Kafka: an action on an alert
/// the other replica holds is taken, authorised and recorded there; lists and watches cover both replicas' alerts.
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

    [Fact]
    public async Task Alerts_listed_page_by_page_through_either_replica_are_every_alert_of_both_once_each_in_order_whichever_replica_continues()
    {
        var now = DateTimeOffset.UtcNow;
        var raised = new List<AlertView>();
        for (var i = 0; i < 3; i++)
        {
            raised.Add(await replicas.RaiseAsync(NotificationReplicas.PatientHeldBy(replicas.First, "alert-patient-listed"), Ward, now.AddSeconds(-2 * i)));
            raised.Add(await replicas.RaiseAsync(NotificationReplicas.PatientHeldBy(replicas.Second, "alert-patient-listed"), Ward, now.AddSeconds(-2 * i - 1)));
        }
        var token = replicas.Tokens.Mint(Subject("paging-integration"), [Roles.Integration]);
        var desks = new[] { replicas.Desk(replicas.First, token), replicas.Desk(replicas.Second, token) };
        // Every alert either replica holds (earlier tests' too), in the order a single book would list them.
        var expected = new[] { replicas.First, replicas.Second }
            .SelectMany(replica => NotificationReplicas.Book(replica).List(null, 500, null).Page)
            .Order(AlertBook.NewestFirst)
            .Select(v => v.AlertId)
            .ToList();

        foreach (var start in new[] { 0, 1 })
        {
            var listed = new List<string>();
            var pageToken = string.Empty;
            // Each page from the other replica than the one before: a page token is a position any replica continues from.
            for (var page = start; ; page++)
            {
                var response = await desks[page % 2].ListAlertsAsync(new ListAlertsRequest { PageSize = 2, PageToken = pageToken });
                listed.AddRange(response.Alerts.Select(v => v.AlertId));
                pageToken = response.NextPageToken;
                if (pageToken.Length == 0)
                {
                    break;
                }
            }

            Assert.Equal(expected, listed);
        }
        Assert.Subset(expected.ToHashSet(), raised.Select(v => v.AlertId).ToHashSet());
    }

    [Fact]
    public async Task A_watch_through_this_replica_sends_the_alerts_of_both_and_a_new_alert_raised_on_the_other()
    {
        var here = await replicas.RaiseAsync(NotificationReplicas.PatientHeldBy(replicas.First, "alert-patient-watched"), Ward, DateTimeOffset.UtcNow);
        var there = await replicas.RaiseAsync(NotificationReplicas.PatientHeldBy(replicas.Second, "alert-patient-watched"), Ward, DateTimeOffset.UtcNow);
        var desk = replicas.Desk(replicas.First, replicas.Tokens.Mint(Subject("nurse-watching"), [Roles.Clinician], [Ward]));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = desk.WatchAlerts(new WatchAlertsRequest(), cancellationToken: deadline.Token);
        // Both alerts sent means the other replica's watch is open: what it raises from now on comes live.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (!seen.IsSupersetOf([here.AlertId, there.AlertId]))
        {
            seen.Add((await NextAsync(watch, deadline.Token)).AlertId);
        }

        var patientId = NotificationReplicas.PatientHeldBy(replicas.Second, "alert-patient-watched");
        var raised = replicas.RaiseAsync(patientId, Ward, DateTimeOffset.UtcNow);
        AlertView sent;
        do
        {
            sent = await NextAsync(watch, deadline.Token);
        }
        while (sent.PatientId != patientId);

        Assert.Equal((await raised).AlertId, sent.AlertId);
        Assert.False(NotificationReplicas.Book(replicas.First).Contains(sent.AlertId), "The alert is the other replica's.");
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

    private static async Task<AlertView> NextAsync(AsyncServerStreamingCall<AlertView> watch, CancellationToken cancellationToken)
    {
        Assert.True(await watch.ResponseStream.MoveNext(cancellationToken));
        return watch.ResponseStream.Current;
    }
}
