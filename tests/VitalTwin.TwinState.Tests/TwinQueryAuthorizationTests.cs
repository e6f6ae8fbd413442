using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.ServiceDefaults.Security;
using static VitalTwin.TwinState.Tests.SecuredTwinState;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// Who may call TwinQuery and whose twins they see, over real gRPC against a running TwinState: each role against
/// each method, tokens that must not be trusted, ward scope, and the audit trail those calls leave.
/// </summary>
public sealed class TwinQueryAuthorizationTests(SecuredTwinState service) : IClassFixture<SecuredTwinState>
{
    public static readonly string[] Methods = ["GetTwin", "ListTwins", "WatchTwins", "GetVitalHistory", "SetPatientContext", "AcknowledgeAnomaly"];

    public static TheoryData<string, string, StatusCode> RoleMatrix()
    {
        var data = new TheoryData<string, string, StatusCode>();
        foreach (var method in Methods)
        {
            // Acknowledging an anomaly id nobody raised gets past authorization and stops at NOT_FOUND.
            data.Add(Roles.Clinician, method, method == "AcknowledgeAnomaly" ? StatusCode.NotFound : StatusCode.OK);
            data.Add(Roles.Operator, method, StatusCode.PermissionDenied);
            data.Add(Roles.Integration, method, StatusCode.PermissionDenied);
            data.Add(Roles.Registrar, method, StatusCode.PermissionDenied);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RoleMatrix))]
    public async Task Each_role_is_allowed_or_denied_each_method(string role, string method, StatusCode expected)
    {
        var subject = Subject(role);
        // Other roles hold every ward, so that only the role can be what refuses them.
        var token = service.Token(subject, [role], role == Roles.Clinician ? WardA : Caller.EveryWard);

        var status = await CallAsync(service.Query(token), method, PatientA);

        Assert.Equal(expected, status);
        var audited = service.Audited(subject).Select(r => r.Audited).ToList();
        var record = Assert.Single(audited);
        Assert.Equal($"vitaltwin.twin.v1.TwinQuery/{method}", record.Action);
        Assert.Equal([role], record.Roles);
        if (expected == StatusCode.PermissionDenied)
        {
            // Refused before the request is read: the record names the caller and the method, not a patient.
            Assert.Equal((AuditOutcome.Denied, string.Empty), (record.Outcome, record.PatientId));
        }
        else
        {
            Assert.Equal(PatientA, record.PatientId);
            Assert.Equal(expected == StatusCode.OK ? AuditOutcome.Allowed : AuditOutcome.Failed, record.Outcome);
        }
    }

    public static TheoryData<string, string> UntrustedTokens()
    {
        var data = new TheoryData<string, string>();
        foreach (var method in Methods)
        {
            foreach (var kind in new[] { "none", "malformed", "expired", "not yet valid", "wrong audience", "wrong issuer", "forged", "unsigned", "id token", "algorithm not accepted" })
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
        var token = UntrustedToken(kind, subject);

        var status = await CallAsync(service.Query(token), method, PatientA);

        Assert.Equal(StatusCode.Unauthenticated, status);
        Assert.Empty(service.Audited(subject));
    }

    [Theory]
    [InlineData("Algorithms:0", "HS256")]
    [InlineData("Algorithms:0", "none")]
    [InlineData("TokenTypes:0", " ")]
    public async Task An_auth_setting_that_would_let_other_tokens_in_stops_the_service_at_start(string setting, string value)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var settings = service.Tokens.ServiceConfiguration.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        settings[$"{ApiAuthenticationOptions.SectionName}:{setting}"] = value;
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddApiAuthentication();
        using var host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains($"Auth:{setting}", failure.Message);
    }

    [Theory]
    [InlineData("none", "a bearer access token is required")]
    [InlineData("malformed", "the access token is malformed")]
    [InlineData("expired", "the access token expired")]
    [InlineData("not yet valid", "the access token is not valid yet")]
    [InlineData("wrong audience", "the access token is for another audience")]
    [InlineData("wrong issuer", "the access token is from an issuer not trusted")]
    [InlineData("forged", "the access token's signature is not trusted")]
    [InlineData("id token", "the token is not an access token (typ)")]
    [InlineData("algorithm not accepted", "the access token is signed with an algorithm not accepted")]
    public async Task An_unauthenticated_caller_is_told_why_and_the_same_whichever_patient_it_asked_for(string kind, string reason)
    {
        var client = service.Query(UntrustedToken(kind, Subject("untrusted")));

        var known = await Assert.ThrowsAsync<RpcException>(() => client.GetTwinAsync(new GetTwinRequest { PatientId = PatientA }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.GetTwinAsync(new GetTwinRequest { PatientId = "auth-patient-nobody" }).ResponseAsync);

        Assert.Equal((StatusCode.Unauthenticated, reason), (known.StatusCode, known.Status.Detail));
        Assert.Equal(known.Status, unknown.Status);
    }

    [Theory]
    [InlineData(Roles.Operator)]
    [InlineData(Roles.Integration)]
    [InlineData(Roles.Registrar)]
    public async Task A_caller_without_the_role_is_told_which_role_the_method_needs_and_the_same_whichever_patient_it_asked_for(string role)
    {
        var client = service.Query(service.Token(Subject(role), [role], Caller.EveryWard));

        var known = await Assert.ThrowsAsync<RpcException>(() => client.GetTwinAsync(new GetTwinRequest { PatientId = PatientA }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.GetVitalHistoryAsync(History("auth-patient-nobody")).ResponseAsync);

        Assert.Equal((StatusCode.PermissionDenied, "role clinician required"), (known.StatusCode, known.Status.Detail));
        Assert.Equal(known.Status, unknown.Status);
    }

    [Fact]
    public async Task A_clinician_reads_only_patients_of_the_wards_granted_and_each_refusal_is_audited()
    {
        var subject = Subject("ward-a");
        var wardA = service.Query(service.Token(subject, [Roles.Clinician], WardA));

        var own = await wardA.GetTwinAsync(new GetTwinRequest { PatientId = PatientA });
        var otherWard = await StatusOf(() => wardA.GetTwinAsync(new GetTwinRequest { PatientId = PatientB }).ResponseAsync);
        var unplaced = await StatusOf(() => wardA.GetTwinAsync(new GetTwinRequest { PatientId = Unplaced }).ResponseAsync);
        var unknown = await StatusOf(() => wardA.GetTwinAsync(new GetTwinRequest { PatientId = "auth-patient-nobody" }).ResponseAsync);
        var otherHistory = await StatusOf(() => wardA.GetVitalHistoryAsync(History(PatientB)).ResponseAsync);
        var unknownHistory = await StatusOf(() => wardA.GetVitalHistoryAsync(History("auth-patient-nobody")).ResponseAsync);

        Assert.Equal(PatientA, own.PatientId);
        // A patient on another ward, on none, or unknown: the same answer, so the refusal says nothing of the patient.
        Assert.Equal(
            [StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.PermissionDenied],
            new[] { otherWard, unplaced, unknown, otherHistory, unknownHistory });
        Assert.Equal(
            [
                ("GetTwin", PatientA, AuditOutcome.Allowed),
                ("GetTwin", PatientB, AuditOutcome.Denied),
                ("GetTwin", Unplaced, AuditOutcome.Denied),
                ("GetTwin", "auth-patient-nobody", AuditOutcome.Denied),
                ("GetVitalHistory", PatientB, AuditOutcome.Denied),
                ("GetVitalHistory", "auth-patient-nobody", AuditOutcome.Denied),
            ],
            service.Audited(subject).Select(r => (r.Audited.Action.Split('/')[1], r.Audited.PatientId, r.Audited.Outcome)));
    }

    [Fact]
    public async Task The_every_ward_grant_covers_unplaced_patients_and_learns_that_an_unknown_one_is_unknown()
    {
        var everyWard = service.Query(service.Token(Subject("every-ward"), [Roles.Clinician], Caller.EveryWard));

        var unplaced = await everyWard.GetTwinAsync(new GetTwinRequest { PatientId = Unplaced });
        var unknown = await StatusOf(() => everyWard.GetTwinAsync(new GetTwinRequest { PatientId = "auth-patient-nobody" }).ResponseAsync);
        var unknownHistory = await StatusOf(() => everyWard.GetVitalHistoryAsync(History("auth-patient-nobody")).ResponseAsync);

        Assert.Equal((Unplaced, string.Empty), (unplaced.PatientId, unplaced.Context.Ward));
        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (unknown, unknownHistory));
    }

    [Fact]
    public async Task Lists_hold_only_patients_of_granted_wards_and_a_ward_filter_outside_them_is_refused()
    {
        var subject = Subject("lister");
        var wardA = service.Query(service.Token(subject, [Roles.Clinician], WardA));
        var bothWards = service.Query(service.Token(Subject("lister-ab"), [Roles.Clinician], WardA, WardB));

        var listed = await wardA.ListTwinsAsync(new ListTwinsRequest());
        var paged = await wardA.ListTwinsAsync(new ListTwinsRequest { PageSize = 1 });
        var next = await wardA.ListTwinsAsync(new ListTwinsRequest { PageSize = 1, PageToken = paged.NextPageToken });
        var both = await bothWards.ListTwinsAsync(new ListTwinsRequest());
        var refused = await StatusOf(() => wardA.ListTwinsAsync(new ListTwinsRequest { Ward = WardB }).ResponseAsync);

        Assert.Contains(listed.Twins, t => t.PatientId == PatientA);
        Assert.All(listed.Twins, t => Assert.Equal(WardA, t.Context.Ward));
        Assert.Equal(listed.Twins.Select(t => t.PatientId).Take(2), paged.Twins.Concat(next.Twins).Select(t => t.PatientId));
        Assert.Contains(both.Twins, t => t.PatientId == PatientB);
        Assert.DoesNotContain(both.Twins, t => t.PatientId == Unplaced);
        Assert.Equal(StatusCode.PermissionDenied, refused);
        var audited = service.Audited(subject).Select(r => r.Audited).ToList();
        // One record per patient listed; the refused filter names no patient.
        Assert.Equal(
            listed.Twins.Select(t => t.PatientId).Order(),
            audited.Where(a => a.Outcome == AuditOutcome.Allowed).Take(listed.Twins.Count).Select(a => a.PatientId).Order());
        var denial = audited.Single(a => a.Outcome == AuditOutcome.Denied);
        Assert.Equal((string.Empty, $"ward {WardB} not granted"), (denial.PatientId, denial.Detail));
    }

    [Fact]
    public async Task A_watch_sends_only_patients_of_granted_wards_and_audits_each_the_first_time()
    {
        var subject = Subject("watcher");
        var wardA = service.Query(service.Token(subject, [Roles.Clinician], WardA));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = wardA.WatchTwins(new WatchTwinsRequest { PatientIds = { PatientA, PatientB, Unplaced } }, cancellationToken: deadline.Token);

        Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));
        var initial = watch.ResponseStream.Current;
        // Ward B's patient changes first; if the watch let it through it would arrive before ward A's change.
        var now = DateTimeOffset.UtcNow;
        await service.PublishHeartRateAsync(PatientB, 95, sequence: 100, now);
        await service.PublishHeartRateAsync(Unplaced, 79, sequence: 100, now);
        await service.PublishHeartRateAsync(PatientA, 88, sequence: 100, now);
        TwinChanged update;
        do
        {
            Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));
            update = watch.ResponseStream.Current;
            Assert.Equal(PatientA, update.Twin.PatientId);
        }
        while (update.Twin.ReadingsApplied < 2);
        var refused = await StatusOf(async () =>
        {
            using var other = wardA.WatchTwins(new WatchTwinsRequest { Ward = WardB }, cancellationToken: deadline.Token);
            await other.ResponseStream.MoveNext(deadline.Token);
        });

        Assert.Equal((PatientA, TwinChangeReason.Initial), (initial.Twin.PatientId, initial.Reason));
        Assert.Equal(TwinChangeReason.Updated, update.Reason);
        Assert.Equal(StatusCode.PermissionDenied, refused);
        Assert.Equal(
            [(PatientA, AuditOutcome.Allowed), (string.Empty, AuditOutcome.Denied)],
            service.Audited(subject).Select(r => (r.Audited.PatientId, r.Audited.Outcome)));
    }

    [Fact]
    public async Task A_clinician_moves_a_patient_only_between_wards_granted_and_a_watcher_of_the_old_ward_sees_it_leave_without_its_data_and_the_move_is_a_twin_event()
    {
        var subject = Subject("mover");
        var both = service.Query(service.Token(subject, [Roles.Clinician], WardA, WardB));
        var wardA = service.Query(service.Token(Subject("mover-a"), [Roles.Clinician], WardA));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = wardA.WatchTwins(new WatchTwinsRequest { PatientIds = { Mover } }, cancellationToken: deadline.Token);
        Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));

        var toOtherWard = await StatusOf(() => wardA.SetPatientContextAsync(Move(Mover, WardB)).ResponseAsync);
        var clearing = await StatusOf(() => wardA.SetPatientContextAsync(Move(Mover, string.Empty)).ResponseAsync);
        var moved = await both.SetPatientContextAsync(Move(Mover, WardB));
        TwinChanged left;
        do
        {
            Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));
            left = watch.ResponseStream.Current;
        }
        while (left.Reason == TwinChangeReason.Updated);
        var back = await both.SetPatientContextAsync(Move(Mover, WardA));

        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied), (toOtherWard, clearing));
        Assert.Equal((WardB, WardA), (moved.Context.Ward, back.Context.Ward));
        Assert.Equal(TwinChangeReason.LeftFilter, left.Reason);
        Assert.Equal(new PatientTwin { PatientId = Mover }, left.Twin);
        // Notification moves the patient's open alerts by these: a move changes no NEWS2, so no other event says it.
        var moves = service.WardChanges().Where(c => c.PatientId == Mover).Select(c => (c.PreviousWard, c.Ward)).ToList();
        Assert.Equal([(WardA, WardB), (WardB, WardA)], moves.SkipWhile(m => m != (WardA, WardB)).Take(2));
        Assert.Equal(
            [(Mover, AuditOutcome.Allowed, $"ward {WardA} -> {WardB}"), (Mover, AuditOutcome.Allowed, $"ward {WardB} -> {WardA}")],
            service.Audited(subject).Select(r => (r.Audited.PatientId, r.Audited.Outcome, r.Audited.Detail)));
    }

    [Fact]
    public async Task An_anomaly_is_acknowledged_only_by_a_clinician_of_its_ward_and_the_audit_names_it_but_no_value()
    {
        var nurse = Subject("ack-a");
        var stranger = Subject("ack-b");
        var purpose = Purpose("TREAT");

        var refused = await StatusOf(() => service.Query(service.Token(stranger, [Roles.Clinician], WardB))
            .AcknowledgeAnomalyAsync(new AcknowledgeAnomalyRequest { PatientId = PatientA, AnomalyId = OpenAnomalyId, AcknowledgedBy = "intruder" }, purpose).ResponseAsync);
        var stillOpen = Twins(PatientA).OpenAnomalies.Any(a => a.Id == OpenAnomalyId);
        var twin = await service.Query(service.Token(nurse, [Roles.Clinician], WardA))
            .AcknowledgeAnomalyAsync(new AcknowledgeAnomalyRequest { PatientId = PatientA, AnomalyId = OpenAnomalyId, AcknowledgedBy = "nurse" }, purpose);

        Assert.Equal(StatusCode.PermissionDenied, refused);
        Assert.True(stillOpen);
        Assert.DoesNotContain(twin.OpenAnomalies, a => a.AnomalyId == OpenAnomalyId);
        var denied = Assert.Single(service.Audited(stranger));
        var allowed = Assert.Single(service.Audited(nurse));
        Assert.Equal((PatientA, AuditOutcome.Denied, "TREAT"), (denied.Audited.PatientId, denied.Audited.Outcome, denied.Audited.Purpose));
        Assert.Equal(
            (nurse, "vitaltwin.twin.v1.TwinQuery/AcknowledgeAnomaly", PatientA, AuditOutcome.Allowed, "TREAT", OpenAnomalyId, "VitalTwin.TwinState", PatientA),
            (allowed.Audited.Actor, allowed.Audited.Action, allowed.Audited.PatientId, allowed.Audited.Outcome, allowed.Audited.Purpose, allowed.Audited.Detail, allowed.Audited.Service, allowed.Key));
        Assert.False(AuditTopic.Contains(allowed.Bytes, AnomalyValue));
        Assert.False(AuditTopic.Contains(allowed.Bytes, HeartRates[PatientA]));
    }

    [Fact]
    public async Task Reads_are_audited_with_who_what_when_and_why_and_never_a_vital_value()
    {
        var subject = Subject("reader");
        var reader = service.Query(service.Token(subject, [Roles.Clinician], WardA, WardB));
        // History is written at the service's checkpoints; the staff token's reads are audited under another subject.
        await WaitUntilAsync(() => service.Staff.GetVitalHistory(History(PatientB)).Series.Count == 1);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var twin = await reader.GetTwinAsync(new GetTwinRequest { PatientId = PatientA }, Purpose("TREAT"));
        var history = await reader.GetVitalHistoryAsync(History(PatientB), Purpose("TREAT"));
        var listed = await reader.ListTwinsAsync(new ListTwinsRequest());

        Assert.NotEmpty(twin.Vitals);
        Assert.Contains(history.Series.Single().Points, p => p.Mean == HeartRates[PatientB]);
        var records = service.Audited(subject);
        Assert.Equal(2 + listed.Twins.Count, records.Count);
        var get = records[0].Audited;
        Assert.Equal(
            ("vitaltwin.twin.v1.TwinQuery/GetTwin", PatientA, AuditOutcome.Allowed, "TREAT", Roles.Clinician),
            (get.Action, get.PatientId, get.Outcome, get.Purpose, string.Join(',', get.Roles)));
        Assert.InRange(get.OccurredAt.ToDateTimeOffset(), before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.False(string.IsNullOrEmpty(get.AuditId));
        Assert.Equal(("vitaltwin.twin.v1.TwinQuery/GetVitalHistory", PatientB), (records[1].Audited.Action, records[1].Audited.PatientId));
        Assert.All(records.Skip(2), r => Assert.Equal("unspecified", r.Audited.Purpose));
        Assert.All(records, r => Assert.All(HeartRates.Values.Append(AnomalyValue), value => Assert.False(AuditTopic.Contains(r.Bytes, value))));
    }

    /// <summary>A token of <paramref name="kind"/> that the service must not trust, for a clinician of every ward.</summary>
    private string? UntrustedToken(string kind, string subject)
    {
        string[] roles = [Roles.Clinician];
        using var stranger = new LocalTokenIssuer(service.Tokens.Issuer);
        var now = DateTimeOffset.UtcNow;
        return kind switch
        {
            "none" => null,
            "malformed" => "this-is-not-a-jwt",
            "expired" => service.Tokens.Mint(subject, roles, [Caller.EveryWard], TimeSpan.FromHours(1), now.AddHours(-3)),
            "not yet valid" => service.Tokens.Mint(subject, roles, [Caller.EveryWard], TimeSpan.FromHours(1), now.AddHours(2)),
            "wrong audience" => service.Tokens.Mint(subject, roles, [Caller.EveryWard], audience: "another-system"),
            "wrong issuer" => service.Tokens.Mint(subject, roles, [Caller.EveryWard], issuer: "another-provider"),
            // Same issuer name, same claims, another key: only the signature can tell.
            "forged" => stranger.Mint(subject, roles, [Caller.EveryWard]),
            "unsigned" => Unsigned(service.Tokens.Mint(subject, roles, [Caller.EveryWard])),
            // Signed by the trusted key, for VitalTwin's audience, but an ID token (typ JWT), not an access token.
            "id token" => service.Tokens.Mint(subject, roles, [Caller.EveryWard], tokenType: "JWT"),
            // The trusted key verifies it, but ES384 is not an algorithm the service accepts.
            "algorithm not accepted" => service.Tokens.Mint(subject, roles, [Caller.EveryWard], algorithm: SecurityAlgorithms.EcdsaSha384),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private Core.TwinSnapshot Twins(string patientId) => service.Twins.TryGet(patientId, out var twin) ? twin!.Snapshot() : throw new InvalidOperationException("no twin");

    private static string Subject(string who) => $"{who}-{Guid.NewGuid():N}";

    private static GetVitalHistoryRequest History(string patientId) =>
        new() { PatientId = patientId, From = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)) };

    private static SetPatientContextRequest Move(string patientId, string ward) =>
        new() { PatientId = patientId, Context = new PatientContext { Ward = ward }, RecordedBy = "nurse" };

    /// <summary>The token with its signature removed and its header saying so.</summary>
    private static string Unsigned(string token)
    {
        var parts = token.Split('.');
        var header = Convert.ToBase64String("{\"alg\":\"none\",\"typ\":\"JWT\"}"u8.ToArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{header}.{parts[1]}.";
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

    /// <summary>One call of <paramref name="method"/> about <paramref name="patientId"/>, as a clinician of its ward would make it.</summary>
    private static Task<StatusCode> CallAsync(TwinQuery.TwinQueryClient client, string method, string patientId) => StatusOf(method switch
    {
        "GetTwin" => () => client.GetTwinAsync(new GetTwinRequest { PatientId = patientId }).ResponseAsync,
        "ListTwins" => () => client.ListTwinsAsync(new ListTwinsRequest { Ward = WardA, PageSize = 1 }).ResponseAsync,
        "WatchTwins" => async () =>
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var watch = client.WatchTwins(new WatchTwinsRequest { PatientIds = { patientId } }, cancellationToken: deadline.Token);
            Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));
        },
        "GetVitalHistory" => () => client.GetVitalHistoryAsync(History(patientId)).ResponseAsync,
        "SetPatientContext" => () => client.SetPatientContextAsync(Move(patientId, WardA)).ResponseAsync,
        "AcknowledgeAnomaly" => () => client.AcknowledgeAnomalyAsync(new AcknowledgeAnomalyRequest { PatientId = patientId, AnomalyId = "auth-anomaly-never-raised", AcknowledgedBy = "nurse" }).ResponseAsync,
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    });
}
