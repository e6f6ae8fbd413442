using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>From a deteriorating patient to escalation, and what clinicians do at the desk, over real gRPC and Kafka.</summary>
[Collection(SystemCollection.Name)]
public sealed class AlertDeskTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    // The actor of a desk action is whoever the token names, so each clinician here has a token of their own.
    private AlertDesk.AlertDeskClient DeskOf(string clinician) =>
        new(system.Channel("Notification", system.Cluster.Tokens.Mint(clinician, [Roles.Clinician], [Caller.EveryWard])));

    [Fact]
    public async Task An_unacknowledged_high_alert_escalates_on_the_topic_until_a_clinician_acknowledges_it_at_the_desk()
    {
        using var alerts = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Alerts);
        var desk = DeskOf("nurse-e2e");
        var patient = await DeterioratingPatientAsync("escalation");

        var (raised, _) = await alerts.WaitForAsync(patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2High, Timeout);
        var (escalated, headers) = await alerts.WaitForAsync(patient.PatientId, AlertEscalated.Parser, e => e.AlertId == raised.AlertId, Timeout);
        Assert.Equal(1, escalated.Level);
        Assert.Equal("nurse-in-charge", escalated.EscalateTo);
        Assert.True(headers.TryGetLastBytes("alert-id", out var alertIdHeader));
        Assert.Equal(raised.AlertId, System.Text.Encoding.UTF8.GetString(alertIdHeader));

        var view = await desk.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = raised.AlertId, Note = "on my way" });

        Assert.Equal(AlertState.Acknowledged, view.State);
        Assert.Equal("nurse-e2e", view.AcknowledgedBy);
        var (acknowledged, _) = await alerts.WaitForAsync(patient.PatientId, AlertAcknowledged.Parser, a => a.AlertId == raised.AlertId, Timeout);
        Assert.Equal("on my way", acknowledged.Note);
        var listed = await desk.ListAlertsAsync(new ListAlertsRequest { Filter = new AlertFilter { PatientId = patient.PatientId } });
        Assert.Contains(listed.Alerts, a => a.AlertId == raised.AlertId && a.State == AlertState.Acknowledged);

        var resolved = await DeskOf("dr-e2e").ResolveAsync(new ResolveAlertRequest { AlertId = raised.AlertId, Note = "treated" });
        Assert.Equal(AlertState.Resolved, resolved.State);
        var (resolution, _) = await alerts.WaitForAsync(patient.PatientId, AlertResolved.Parser, r => r.AlertId == raised.AlertId, Timeout);
        Assert.Equal(Resolution.ByClinician, resolution.Resolution);
        Assert.Equal("dr-e2e", resolution.ResolvedBy);
    }

    [Fact]
    public async Task Watching_the_desk_shows_a_new_alert_and_then_its_silence()
    {
        var desk = DeskOf("nurse-e2e");
        var patient = Readings.ForNewPatient("desk-watch");
        using var watch = desk.WatchAlerts(new WatchAlertsRequest { Filter = new AlertFilter { PatientId = patient.PatientId } }, cancellationToken: new CancellationTokenSource(Timeout).Token);
        await RegisterAndDeteriorateAsync(patient);

        var raised = await NextAsync(watch, v => v.Raised.Condition == AlertCondition.News2High);
        var silenced = await desk.SilenceAsync(new SilenceAlertRequest { AlertId = raised.AlertId, Duration = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)), Reason = "repositioning" });

        Assert.Equal(AlertState.Silenced, silenced.State);
        var seen = await NextAsync(watch, v => v.AlertId == raised.AlertId && v.State == AlertState.Silenced);
        Assert.Equal("nurse-e2e", seen.SilencedBy);
    }

    [Fact]
    public async Task The_desk_refuses_bad_requests_with_the_field_that_is_wrong()
    {
        var desk = new AlertDesk.AlertDeskClient(system.Channel("Notification"));

        var badId = await Assert.ThrowsAsync<RpcException>(async () => await desk.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = "not-an-id", Actor = "nurse-e2e" }));
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await desk.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = Guid.NewGuid().ToString(), Actor = "nurse-e2e" }));
        var endless = await Assert.ThrowsAsync<RpcException>(async () => await desk.SilenceAsync(new SilenceAlertRequest { AlertId = Guid.NewGuid().ToString(), Actor = "nurse-e2e", Duration = Duration.FromTimeSpan(TimeSpan.FromDays(2)) }));
        var page = await Assert.ThrowsAsync<RpcException>(async () => await desk.ListAlertsAsync(new ListAlertsRequest { PageSize = 100000 }));

        Assert.Equal((StatusCode.InvalidArgument, true), (badId.StatusCode, badId.Status.Detail.Contains("alert_id", StringComparison.Ordinal)));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal((StatusCode.InvalidArgument, true), (endless.StatusCode, endless.Status.Detail.Contains("duration", StringComparison.Ordinal)));
        Assert.Equal((StatusCode.InvalidArgument, true), (page.StatusCode, page.Status.Detail.Contains("page_size", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_notification_crash_loses_no_alert_and_raises_or_escalates_none_twice()
    {
        using var alerts = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Alerts);
        var before = await DeterioratingPatientAsync("alert-crash");
        var (raised, _) = await alerts.WaitForAsync(before.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2High, Timeout);
        await alerts.WaitForAsync(before.PatientId, AlertEscalated.Parser, e => e.AlertId == raised.AlertId, Timeout);
        // A second patient's deterioration is in flight while Notification dies.
        var during = await DeterioratingPatientAsync("alert-crash-during");

        await system.Cluster.RestartAsync("Notification", Timeout, CancellationToken.None, crash: true);
        await system.WaitForLineAsync(line => line.StartsWith("[Notification]", StringComparison.Ordinal) && line.Contains("open alerts resumed", StringComparison.Ordinal) && !line.Contains(" 0 open", StringComparison.Ordinal), Timeout);

        // The first patient stays high: the restored policy knows the alert is open and raises nothing new.
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(system.Channel("Gateway"));
        await ingestion.IngestAsync(before.Vitals(heartRate: 131, spo2: 89, respiratoryRate: 28, systolic: 90, temperature: 39.3), before.Credential);
        var (last, _) = await alerts.WaitForAsync(before.PatientId, AlertEscalated.Parser, e => e.AlertId == raised.AlertId && e.Level == 3, Timeout);
        // The restored lifecycle answers at the desk, so the alert is held by the new process.
        var desk = new AlertDesk.AlertDeskClient(system.Channel("Notification"));
        var view = await desk.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = raised.AlertId, Actor = "nurse-e2e" });
        await alerts.WaitForAsync(before.PatientId, AlertAcknowledged.Parser, a => a.AlertId == raised.AlertId, Timeout);
        var (duringAlert, _) = await alerts.WaitForAsync(during.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2High, Timeout);

        Assert.Equal(AlertState.Acknowledged, view.State);
        Assert.Single(alerts.Seen(before.PatientId, AlertRaised.Parser), a => a.Condition == AlertCondition.News2High);
        Assert.Equal([1, 2, 3], alerts.Seen(before.PatientId, AlertEscalated.Parser).Select(e => e.Level).Order());
        Assert.Single(alerts.Seen(during.PatientId, AlertRaised.Parser), a => a.AlertId == duringAlert.AlertId);
        Assert.Equal(raised.AlertId, last.AlertId);
    }

    private async Task<Readings> DeterioratingPatientAsync(string test)
    {
        var patient = Readings.ForNewPatient(test);
        await RegisterAndDeteriorateAsync(patient);
        return patient;
    }

    private async Task RegisterAndDeteriorateAsync(Readings patient)
    {
        var devices = new DeviceRegistry.DeviceRegistryClient(system.Channel("Gateway"));
        await patient.RegisterAsync(devices);
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(system.Channel("Gateway"));
        await ingestion.IngestAsync(patient.Vitals(heartRate: 78, spo2: 97, respiratoryRate: 15, systolic: 124, temperature: 36.9), patient.Credential);
        await ingestion.IngestAsync(patient.Vitals(heartRate: 128, spo2: 90, respiratoryRate: 27, systolic: 92, temperature: 39.2), patient.Credential);
    }

    private static async Task<AlertView> NextAsync(AsyncServerStreamingCall<AlertView> watch, Func<AlertView, bool> match)
    {
        while (await watch.ResponseStream.MoveNext())
        {
            if (match(watch.ResponseStream.Current))
            {
                return watch.ResponseStream.Current;
            }
        }
        throw new InvalidOperationException("The watch ended before a matching alert arrived.");
    }
}
