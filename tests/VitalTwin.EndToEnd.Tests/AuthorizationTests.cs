using System.Buffers.Binary;
using Google.Protobuf;
using Grpc.Core;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>
/// Tokens, roles and ward grants across the running system: a clinician of one ward follows a patient from the
/// device to the twin and the alert desk, another ward's patient stays out of reach at every step, and every
/// access is on the audit topic without a vital value.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class AuthorizationTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    // Values no other reading here has, so that the audit records can be searched for them.
    private const double SickHeartRate = 127.5;
    private const double SickTemperature = 39.25;

    [Fact]
    public async Task A_clinician_sees_and_acts_on_the_patients_of_their_ward_only_and_every_access_is_audited()
    {
        var wardA = $"e2e-ward-a-{Guid.NewGuid():N}";
        var wardB = $"e2e-ward-b-{Guid.NewGuid():N}";
        using var alertTopic = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Alerts);
        using var auditTopic = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Audit);
        var mine = await SickPatientOnWardAsync("auth-mine", wardA);
        var theirs = await SickPatientOnWardAsync("auth-theirs", wardB);
        var (myAlert, _) = await alertTopic.WaitForAsync(mine.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2High, Timeout);
        var (theirAlert, _) = await alertTopic.WaitForAsync(theirs.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2High, Timeout);

        var nurse = $"e2e-nurse-{Guid.NewGuid():N}";
        var token = system.Cluster.Tokens.Mint(nurse, [Roles.Clinician], [wardA]);
        var twins = new TwinQuery.TwinQueryClient(system.Channel("TwinState", token));
        var desk = new AlertDesk.AlertDeskClient(system.Channel("Notification", token));
        var treat = new Metadata { { ApiAuthentication.PurposeHeader, "TREAT" } };

        var twin = await twins.GetTwinAsync(new GetTwinRequest { PatientId = mine.PatientId }, treat);
        var otherTwin = await StatusOf(() => twins.GetTwinAsync(new GetTwinRequest { PatientId = theirs.PatientId }, treat).ResponseAsync);
        var listed = await twins.ListTwinsAsync(new ListTwinsRequest(), treat);
        var alerts = await desk.ListAlertsAsync(new ListAlertsRequest(), treat);
        var otherAck = await StatusOf(() => desk.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = theirAlert.AlertId }, treat).ResponseAsync);
        var acknowledged = await desk.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = myAlert.AlertId, Actor = "not-me", Note = "on my way" }, treat);

        Assert.Equal(wardA, twin.Context.Ward);
        Assert.Equal(StatusCode.PermissionDenied, otherTwin);
        Assert.Contains(listed.Twins, t => t.PatientId == mine.PatientId);
        Assert.All(listed.Twins, t => Assert.Equal(wardA, t.Context.Ward));
        Assert.Equal((wardA, wardB), (myAlert.Ward, theirAlert.Ward));
        Assert.Contains(alerts.Alerts, a => a.AlertId == myAlert.AlertId);
        Assert.All(alerts.Alerts, a => Assert.Equal(wardA, a.Raised.Ward));
        Assert.Equal(StatusCode.PermissionDenied, otherAck);
        Assert.Equal((AlertState.Acknowledged, nurse), (acknowledged.State, acknowledged.AcknowledgedBy));
        var (acknowledgedEvent, _) = await alertTopic.WaitForAsync(mine.PatientId, AlertAcknowledged.Parser, a => a.AlertId == myAlert.AlertId, Timeout);
        Assert.Equal(nurse, acknowledgedEvent.AcknowledgedBy);

        // The audit trail has each access by this nurse, keyed by patient; the refusals included.
        var expected = new (string Patient, string Action, AuditOutcome Outcome)[]
        {
            (mine.PatientId, "vitaltwin.twin.v1.TwinQuery/GetTwin", AuditOutcome.Allowed),
            (theirs.PatientId, "vitaltwin.twin.v1.TwinQuery/GetTwin", AuditOutcome.Denied),
            (mine.PatientId, "vitaltwin.twin.v1.TwinQuery/ListTwins", AuditOutcome.Allowed),
            (mine.PatientId, "vitaltwin.alerting.v1.AlertDesk/ListAlerts", AuditOutcome.Allowed),
            (theirs.PatientId, "vitaltwin.alerting.v1.AlertDesk/Acknowledge", AuditOutcome.Denied),
            (mine.PatientId, "vitaltwin.alerting.v1.AlertDesk/Acknowledge", AuditOutcome.Allowed),
        };
        foreach (var (patient, action, outcome) in expected)
        {
            var (record, _) = await auditTopic.WaitForAsync(patient, AccessAudited.Parser, a => a.Actor == nurse && a.Action == action && a.Outcome == outcome, Timeout);
            Assert.Equal(("TREAT", Roles.Clinician), (record.Purpose, string.Join(',', record.Roles)));
        }
        Assert.Equal(myAlert.AlertId, auditTopic.Seen(mine.PatientId, AccessAudited.Parser).Single(a => a.Actor == nurse && a.Action.EndsWith("/Acknowledge", StringComparison.Ordinal)).Detail);
        var nurseRecords = auditTopic.Seen(mine.PatientId, AccessAudited.Parser).Concat(auditTopic.Seen(theirs.PatientId, AccessAudited.Parser)).Where(a => a.Actor == nurse).ToList();
        Assert.All(nurseRecords, record => Assert.False(HoldsValue(record.ToByteArray(), SickHeartRate) || HoldsValue(record.ToByteArray(), SickTemperature)));
    }

    [Fact]
    public async Task An_open_alert_moves_with_its_patient_from_the_old_wards_clinicians_to_the_new_wards()
    {
        var wardA = $"e2e-ward-a-{Guid.NewGuid():N}";
        var wardB = $"e2e-ward-b-{Guid.NewGuid():N}";
        using var alertTopic = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Alerts);
        var patient = await SickPatientOnWardAsync("auth-moved", wardA);
        var (raised, _) = await alertTopic.WaitForAsync(patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2High, Timeout);
        var nurseA = new AlertDesk.AlertDeskClient(system.Channel("Notification", system.Cluster.Tokens.Mint($"e2e-nurse-a-{Guid.NewGuid():N}", [Roles.Clinician], [wardA])));
        var nurseB = new AlertDesk.AlertDeskClient(system.Channel("Notification", system.Cluster.Tokens.Mint($"e2e-nurse-b-{Guid.NewGuid():N}", [Roles.Clinician], [wardB])));
        var ofPatient = new ListAlertsRequest { Filter = new AlertFilter { PatientId = patient.PatientId } };

        // Only the ward changes: NEWS2 stays as it is, so only TwinState's announcement of the move can carry it.
        await new TwinQuery.TwinQueryClient(system.Channel("TwinState")).SetPatientContextAsync(
            new SetPatientContextRequest { PatientId = patient.PatientId, Context = new PatientContext { Ward = wardB }, RecordedBy = "e2e-clerk" });
        var listedB = await Polling.UntilAsync(token => nurseB.ListAlertsAsync(ofPatient, cancellationToken: token).ResponseAsync, l => l.Alerts.Count > 0, Timeout);
        var listedA = await nurseA.ListAlertsAsync(ofPatient);
        var refused = await StatusOf(() => nurseA.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = raised.AlertId }).ResponseAsync);
        var acknowledged = await nurseB.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = raised.AlertId });
        var (moved, _) = await alertTopic.WaitForAsync(patient.PatientId, AlertMoved.Parser, m => m.AlertId == raised.AlertId, Timeout);

        Assert.Equal((raised.AlertId, wardB, wardA), (listedB.Alerts.Single().AlertId, listedB.Alerts.Single().Ward, listedB.Alerts.Single().Raised.Ward));
        Assert.Empty(listedA.Alerts);
        Assert.Equal(StatusCode.PermissionDenied, refused);
        Assert.Equal(AlertState.Acknowledged, acknowledged.State);
        Assert.Equal((wardB, wardA), (moved.Ward, moved.PreviousWard));
    }

    [Fact]
    public async Task Roles_decide_which_api_a_caller_reaches_and_untrusted_tokens_reach_none()
    {
        var patient = await SickPatientOnWardAsync("auth-roles", $"e2e-ward-{Guid.NewGuid():N}");
        string Mint(string role) => system.Cluster.Tokens.Mint($"e2e-{role}-{Guid.NewGuid():N}", [role], [Caller.EveryWard]);
        using var stranger = new LocalTokenIssuer(system.Cluster.Tokens.Issuer);
        var callers = new (string Name, string? Token)[]
        {
            (Roles.Clinician, Mint(Roles.Clinician)),
            (Roles.Operator, Mint(Roles.Operator)),
            (Roles.Integration, Mint(Roles.Integration)),
            (Roles.Registrar, Mint(Roles.Registrar)),
            ("no token", null),
            ("expired", system.Cluster.Tokens.Mint("e2e-late", [Roles.Clinician], [Caller.EveryWard], TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow.AddHours(-1))),
            ("forged", stranger.Mint("e2e-forger", [Roles.Clinician, Roles.Integration], [Caller.EveryWard])),
        };

        var answers = new List<(string, StatusCode, StatusCode)>();
        foreach (var (name, token) in callers)
        {
            var twin = await StatusOf(() => new TwinQuery.TwinQueryClient(system.Channel("TwinState", token)).GetTwinAsync(new GetTwinRequest { PatientId = patient.PatientId }).ResponseAsync);
            var alerts = await StatusOf(() => new AlertDesk.AlertDeskClient(system.Channel("Notification", token)).ListAlertsAsync(new ListAlertsRequest()).ResponseAsync);
            answers.Add((name, twin, alerts));
        }

        Assert.Equal(
            [
                (Roles.Clinician, StatusCode.OK, StatusCode.OK),
                (Roles.Operator, StatusCode.PermissionDenied, StatusCode.PermissionDenied),
                (Roles.Integration, StatusCode.PermissionDenied, StatusCode.OK),
                (Roles.Registrar, StatusCode.PermissionDenied, StatusCode.PermissionDenied),
                ("no token", StatusCode.Unauthenticated, StatusCode.Unauthenticated),
                ("expired", StatusCode.Unauthenticated, StatusCode.Unauthenticated),
                ("forged", StatusCode.Unauthenticated, StatusCode.Unauthenticated),
            ],
            answers);
    }

    /// <summary>A registered patient, placed on <paramref name="ward"/> while stable, whose vitals then deteriorate to NEWS2 high.</summary>
    private async Task<Readings> SickPatientOnWardAsync(string test, string ward)
    {
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(system.Channel("Gateway"));
        var twins = new TwinQuery.TwinQueryClient(system.Channel("TwinState"));
        var patient = Readings.ForNewPatient(test);
        await patient.RegisterAsync(new DeviceRegistry.DeviceRegistryClient(system.Channel("Gateway")));
        await ingestion.IngestAsync(patient.Vitals(heartRate: 72, spo2: 97, respiratoryRate: 14, systolic: 120, temperature: 36.8), patient.Credential);
        await twins.WaitForTwinAsync(patient.PatientId, t => t.Vitals.Count == 5, Timeout);
        await twins.SetPatientContextAsync(new SetPatientContextRequest { PatientId = patient.PatientId, Context = new PatientContext { Ward = ward }, RecordedBy = "e2e-clerk" });
        // The NEWS2 change this causes carries the ward to Notification, which stamps it on the alert.
        await ingestion.IngestAsync(patient.Vitals(heartRate: SickHeartRate, spo2: 90, respiratoryRate: 27, systolic: 92, temperature: SickTemperature), patient.Credential);
        return patient;
    }

    /// <summary>Whether the bytes hold <paramref name="value"/> as a protobuf double or float.</summary>
    private static bool HoldsValue(byte[] bytes, double value)
    {
        Span<byte> asDouble = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(asDouble, value);
        Span<byte> asFloat = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(asFloat, (float)value);
        return bytes.AsSpan().IndexOf(asDouble) >= 0 || bytes.AsSpan().IndexOf(asFloat) >= 0;
    }

    private static async Task<StatusCode> StatusOf(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }
}
