using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Tests;
using static VitalTwin.Notification.Tests.SecuredNotification;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// Who may call AlertDesk and whose alerts they see and act on, over real gRPC against a running Notification:
/// each role against each method, tokens that must not be trusted, ward scope, and the audit trail left behind.
/// </summary>
public sealed class AlertDeskAuthorizationTests(SecuredNotification service) : IClassFixture<SecuredNotification>
{
    public static readonly string[] Methods = ["ListAlerts", "WatchAlerts", "Acknowledge", "Silence", "Resolve"];

    public static TheoryData<string, string, StatusCode> RoleMatrix()
    {
        var data = new TheoryData<string, string, StatusCode>();
        foreach (var method in Methods)
        {
            var reads = method is "ListAlerts" or "WatchAlerts";
            // An action on an alert id nobody raised gets past authorization and stops at NOT_FOUND.
            data.Add(Roles.Clinician, method, reads ? StatusCode.OK : StatusCode.NotFound);
            data.Add(Roles.Integration, method, reads ? StatusCode.OK : StatusCode.PermissionDenied);
            data.Add(Roles.Operator, method, StatusCode.PermissionDenied);
            data.Add(Roles.Registrar, method, StatusCode.PermissionDenied);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RoleMatrix))]
    public async Task Each_role_is_allowed_or_denied_each_method(string role, string method, StatusCode expected)
    {
        var subject = Subject(role);
        // Every ward, so that only the role can be what refuses a caller.
        var token = service.Token(subject, [role], Caller.EveryWard);

        var status = await CallAsync(service.Desk(token), method, Guid.NewGuid().ToString());

        Assert.Equal(expected, status);
        var audited = service.Audited(subject).Select(r => r.Audited).ToList();
        Assert.NotEmpty(audited);
        Assert.All(audited, a => Assert.Equal(($"vitaltwin.alerting.v1.AlertDesk/{method}", role), (a.Action, string.Join(',', a.Roles))));
        var outcome = expected switch
        {
            StatusCode.OK => AuditOutcome.Allowed,
            StatusCode.NotFound => AuditOutcome.Failed,
            _ => AuditOutcome.Denied,
        };
        Assert.All(audited, a => Assert.Equal(outcome, a.Outcome));
        if (expected != StatusCode.OK)
        {
            Assert.Equal(string.Empty, Assert.Single(audited).PatientId);
        }
    }

    public static TheoryData<string, string> UntrustedTokens()
    {
        var data = new TheoryData<string, string>();
        foreach (var method in Methods)
        {
            foreach (var kind in new[] { "none", "malformed", "expired", "not yet valid", "wrong audience", "wrong issuer", "forged" })
            {
                data.Add(kind, method);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(UntrustedTokens))]
    public async Task A_call_without_a_token_the_service_trusts_is_unauthenticated(string kind, string method)
    {
        var subject = Subject("untrusted");
        string[] roles = [Roles.Clinician, Roles.Integration];
        using var stranger = new LocalTokenIssuer(service.Tokens.Issuer);
        var now = DateTimeOffset.UtcNow;
        var token = kind switch
        {
            "none" => null,
            "malformed" => "eyJhbGciOiJFUzI1NiJ9.not-base64!.sig",
            "expired" => service.Tokens.Mint(subject, roles, [Caller.EveryWard], TimeSpan.FromHours(1), now.AddHours(-3)),
            "not yet valid" => service.Tokens.Mint(subject, roles, [Caller.EveryWard], TimeSpan.FromHours(1), now.AddHours(2)),
            "wrong audience" => service.Tokens.Mint(subject, roles, [Caller.EveryWard], audience: "another-system"),
            "wrong issuer" => service.Tokens.Mint(subject, roles, [Caller.EveryWard], issuer: "another-provider"),
            "forged" => stranger.Mint(subject, roles, [Caller.EveryWard]),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var status = await CallAsync(service.Desk(token), method, service.AlertOf(PatientB, AlertCondition.News2High).AlertId);

        Assert.Equal(StatusCode.Unauthenticated, status);
        Assert.Empty(service.Audited(subject));
        Assert.NotEqual(AlertState.Resolved, service.AlertOf(PatientB, AlertCondition.News2High).State);
    }

    [Fact]
    public async Task A_clinician_lists_only_alerts_of_the_wards_granted_and_a_hospital_system_lists_all()
    {
        var clinician = service.Desk(service.Token(Subject("ward-a"), [Roles.Clinician], WardA));
        var everyWard = service.Desk(service.Token(Subject("every-ward"), [Roles.Clinician], Caller.EveryWard));
        var system = service.Desk(service.Token(Subject("hospital-system"), [Roles.Integration]));

        // Resolved ones too: other tests here act on these alerts.
        var everyState = new ListAlertsRequest { Filter = new AlertFilter { States = { System.Enum.GetValues<AlertState>().Skip(1) } } };
        var wardA = await clinician.ListAlertsAsync(everyState);
        var all = await everyWard.ListAlertsAsync(everyState);
        var stream = await system.ListAlertsAsync(everyState);

        // The spike alert knew no ward of its own: it carries the one the patient's last twin event gave.
        Assert.Equal([PatientA, Spiky], wardA.Alerts.Select(a => a.PatientId).Distinct().Order());
        Assert.All(wardA.Alerts, a => Assert.Equal(WardA, a.Raised.Ward));
        Assert.Contains(wardA.Alerts, a => a.PatientId == Spiky && a.Raised.Condition == AlertCondition.VitalSpike);
        Assert.Equal([PatientA, PatientB, Spiky, Unplaced], all.Alerts.Select(a => a.PatientId).Distinct().Order());
        Assert.Equal(all.Alerts.Select(a => a.AlertId).Order(), stream.Alerts.Select(a => a.AlertId).Order());
        Assert.Equal(string.Empty, service.AlertOf(Unplaced, AlertCondition.News2High).Raised.Ward);
    }

    [Fact]
    public async Task A_watch_sends_only_alerts_of_the_wards_granted()
    {
        var subject = Subject("watcher");
        var clinician = service.Desk(service.Token(subject, [Roles.Clinician], WardA));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = clinician.WatchAlerts(new WatchAlertsRequest(), cancellationToken: deadline.Token);

        // Ward B's new alert is raised first; if the watch let it through it would arrive before ward A's.
        var now = DateTimeOffset.UtcNow;
        await service.PublishSpikeAsync(PatientB, VitalValues[4], now, loinc: "9279-1", unit: "/min");
        await service.PublishSpikeAsync(PatientA, VitalValues[4], now, loinc: "9279-1", unit: "/min");
        var seen = new List<AlertView>();
        do
        {
            Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));
            seen.Add(watch.ResponseStream.Current);
        }
        while (seen[^1].Raised.Key.Code?.Loinc != "9279-1");

        Assert.Equal((PatientA, AlertCondition.VitalSpike), (seen[^1].PatientId, seen[^1].Raised.Condition));
        Assert.Contains(seen, v => v.PatientId == Spiky);
        Assert.All(seen, v => Assert.Equal(WardA, v.Raised.Ward));
        // Each patient recorded once, the first time the stream sent one of their alerts.
        Assert.Equal([PatientA, Spiky], service.Audited(subject).Select(r => r.Audited.PatientId).Order());
    }

    [Fact]
    public async Task Actions_are_taken_only_on_alerts_of_the_wards_granted_under_the_tokens_subject()
    {
        var nurse = Subject("nurse-a");
        var stranger = Subject("nurse-b");
        var wardA = service.Desk(service.Token(nurse, [Roles.Clinician], WardA));
        var wardB = service.Desk(service.Token(stranger, [Roles.Clinician], WardB));
        var news2 = service.AlertOf(PatientA, AlertCondition.News2High).AlertId;
        var spike = service.AlertOf(Spiky, AlertCondition.VitalSpike).AlertId;
        var otherWard = service.AlertOf(PatientB, AlertCondition.News2High).AlertId;

        var refusedAck = await StatusOf(() => wardB.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = news2 }).ResponseAsync);
        var refusedResolve = await StatusOf(() => wardA.ResolveAsync(new ResolveAlertRequest { AlertId = otherWard }).ResponseAsync);
        var acknowledged = await wardA.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = news2, Actor = "someone-else", Note = "on my way" });
        var silenced = await wardA.SilenceAsync(new SilenceAlertRequest { AlertId = spike, Duration = Duration.FromTimeSpan(TimeSpan.FromMinutes(5)) });
        var resolved = await wardA.ResolveAsync(new ResolveAlertRequest { AlertId = news2, Actor = "someone-else" });

        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied), (refusedAck, refusedResolve));
        Assert.NotEqual(AlertState.Resolved, service.Book.Find(otherWard)!.State);
        // The request's actor is ignored: the token's subject is who acted.
        Assert.Equal((AlertState.Acknowledged, nurse), (acknowledged.State, acknowledged.AcknowledgedBy));
        Assert.Equal((AlertState.Silenced, nurse), (silenced.State, silenced.SilencedBy));
        Assert.Equal((AlertState.Resolved, nurse), (resolved.State, resolved.ResolvedBy));
        var published = service.AlertEvents();
        Assert.Contains(published.OfType<AlertAcknowledged>(), e => e.AlertId == news2 && e.AcknowledgedBy == nurse);
        Assert.DoesNotContain(published.OfType<AlertAcknowledged>(), e => e.AcknowledgedBy == "someone-else");
        Assert.Equal(
            [
                ("Acknowledge", PatientA, AuditOutcome.Allowed, news2),
                ("Silence", Spiky, AuditOutcome.Allowed, spike),
                ("Resolve", PatientA, AuditOutcome.Allowed, news2),
            ],
            service.Audited(nurse).Where(r => r.Audited.Outcome == AuditOutcome.Allowed).Select(r => (r.Audited.Action.Split('/')[1], r.Audited.PatientId, r.Audited.Outcome, r.Audited.Detail)));
        Assert.Equal(
            ("Resolve", PatientB, AuditOutcome.Denied, otherWard),
            service.Audited(nurse).Where(r => r.Audited.Outcome == AuditOutcome.Denied).Select(r => (r.Audited.Action.Split('/')[1], r.Audited.PatientId, r.Audited.Outcome, r.Audited.Detail)).Single());
        Assert.Equal(
            ("Acknowledge", PatientA, AuditOutcome.Denied, news2),
            service.Audited(stranger).Select(r => (r.Audited.Action.Split('/')[1], r.Audited.PatientId, r.Audited.Outcome, r.Audited.Detail)).Single());
    }

    [Fact]
    public async Task Reads_are_audited_per_patient_with_who_what_when_and_why_and_never_a_vital_value()
    {
        var subject = Subject("reader");
        var system = service.Desk(service.Token(subject, [Roles.Integration]));
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var listed = await system.ListAlertsAsync(new ListAlertsRequest(), new Metadata { { ApiAuthentication.PurposeHeader, "OPERATIONS" } });

        Assert.Contains(listed.Alerts, a => a.Raised.Reasons.Any(r => VitalValues.Contains(r.Value)));
        var records = service.Audited(subject);
        Assert.Equal(listed.Alerts.Select(a => a.PatientId).Distinct().Order(), records.Select(r => r.Audited.PatientId).Order());
        Assert.All(records, r =>
        {
            Assert.Equal(
                (subject, "VitalTwin.Notification", "vitaltwin.alerting.v1.AlertDesk/ListAlerts", AuditOutcome.Allowed, "OPERATIONS", Roles.Integration, r.Audited.PatientId),
                (r.Audited.Actor, r.Audited.Service, r.Audited.Action, r.Audited.Outcome, r.Audited.Purpose, string.Join(',', r.Audited.Roles), r.Key));
            Assert.InRange(r.Audited.OccurredAt.ToDateTimeOffset(), before, DateTimeOffset.UtcNow.AddSeconds(1));
            Assert.All(VitalValues, value => Assert.False(AuditTopic.Contains(r.Bytes, value)));
        });
    }

    private static Task<StatusCode> CallAsync(AlertDesk.AlertDeskClient desk, string method, string alertId) => StatusOf(method switch
    {
        "ListAlerts" => () => desk.ListAlertsAsync(new ListAlertsRequest()).ResponseAsync,
        "WatchAlerts" => async () =>
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var watch = desk.WatchAlerts(new WatchAlertsRequest(), cancellationToken: deadline.Token);
            Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));
        },
        "Acknowledge" => () => desk.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = alertId }).ResponseAsync,
        "Silence" => () => desk.SilenceAsync(new SilenceAlertRequest { AlertId = alertId, Duration = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)) }).ResponseAsync,
        "Resolve" => () => desk.ResolveAsync(new ResolveAlertRequest { AlertId = alertId }).ResponseAsync,
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    });
}
