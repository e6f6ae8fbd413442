using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.ServiceDefaults.Security;
using static VitalTwin.TwinState.Tests.SecuredTwinState;

namespace VitalTwin.TwinState.Tests;

/// <summary>TwinWhatIf.Project over real gRPC against a running TwinState: the answer, its bounds, and who may ask.</summary>
public sealed class TwinProjectionServiceTests(SecuredTwinState service) : IClassFixture<SecuredTwinState>
{
    private static readonly VitalCode HeartRate = new() { Loinc = "8867-4" };

    [Fact]
    public async Task A_clinician_on_the_ward_gets_the_twin_carried_forward_with_the_adjustment_and_oxygen_scored_and_the_call_is_audited_as_a_projection()
    {
        var subject = $"clinician-{Guid.NewGuid():N}";
        var client = service.WhatIf(service.Token(subject, [Roles.Clinician], WardA));

        var projection = await client.ProjectAsync(
            new ProjectRequest
            {
                PatientId = PatientA,
                Adjustments = { new VitalAdjustment { Code = HeartRate, TrendPerHour = 30 } },
                OnSupplementalOxygen = true,
            },
            Purpose("TREAT"));

        // Unset horizon and step: 2 h in 5 min steps, from the twin's clock.
        var heartRate = Assert.Single(projection.Vitals);
        Assert.Equal(("8867-4", "heart rate", "/min", true), (heartRate.Code.Loinc, heartRate.Name, heartRate.Unit, heartRate.Adjusted));
        Assert.Equal(25, heartRate.Points.Count);
        Assert.Equal(projection.From, heartRate.Points[0].At);
        Assert.Equal(projection.From.ToDateTimeOffset().AddHours(2), heartRate.Points[^1].At.ToDateTimeOffset());
        // One reading has no trend: the value holds, moved by the adjustment alone.
        Assert.All(heartRate.Points, p => Assert.Equal(HeartRates[PatientA] + (30 * (p.At - projection.From).ToTimeSpan().TotalHours), p.Value, 9));
        // Oxygen's 2 throughout; pulse 1 past 90 /min (5 min), 2 past 110 (45 min), 3 past 130 (85 min).
        Assert.Equal([2, 3, 4, 5], projection.News2.Select(n => n.Total).Distinct());
        Assert.Equal(projection.From.ToDateTimeOffset().AddMinutes(85), projection.FirstNews25At.ToDateTimeOffset());
        Assert.Null(projection.FirstNews27At);
        Assert.Equal(News2Risk.Medium, projection.News2[^1].Risk);
        Assert.Contains("recommends no treatment", projection.Disclaimer, StringComparison.Ordinal);

        var (audited, bytes, _) = Assert.Single(service.Audited(subject));
        Assert.Equal(("vitaltwin.twin.v1.TwinWhatIf/Project", PatientA, AuditOutcome.Allowed, "projection"), (audited.Action, audited.PatientId, audited.Outcome, audited.Detail));
        Assert.False(AuditTopic.Contains(bytes, HeartRates[PatientA]));
    }

    public static TheoryData<string, StatusCode, string> Refusals() => new()
    {
        { "horizon past the maximum", StatusCode.InvalidArgument, "horizon" },
        { "step under the minimum", StatusCode.InvalidArgument, "step" },
        { "unknown vital", StatusCode.InvalidArgument, "not a vital" },
        { "vital twice", StatusCode.InvalidArgument, "heart rate more than once" },
        { "offset not finite", StatusCode.InvalidArgument, "finite" },
        { "vital the twin has not", StatusCode.FailedPrecondition, "oxygen saturation" },
        { "patient on another ward", StatusCode.PermissionDenied, "ward" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_question_out_of_bounds_or_about_a_patient_off_the_callers_wards_is_refused_saying_why(string question, StatusCode expected, string said)
    {
        var request = new ProjectRequest { PatientId = PatientA };
        switch (question)
        {
            case "horizon past the maximum":
                request.Horizon = Duration.FromTimeSpan(TimeSpan.FromHours(5));
                break;
            case "step under the minimum":
                request.Step = Duration.FromTimeSpan(TimeSpan.FromSeconds(30));
                break;
            case "unknown vital":
                request.Adjustments.Add(new VitalAdjustment { Code = new VitalCode { Loinc = "0000-0" }, Offset = 1 });
                break;
            case "vital twice":
                request.Adjustments.Add(new VitalAdjustment { Code = HeartRate, Offset = 1 });
                request.Adjustments.Add(new VitalAdjustment { Code = new VitalCode { Mdc = "MDC_PULS_OXIM_PULS_RATE" }, TrendPerHour = 1 });
                break;
            case "offset not finite":
                request.Adjustments.Add(new VitalAdjustment { Code = HeartRate, Offset = double.NaN });
                break;
            case "vital the twin has not":
                request.Adjustments.Add(new VitalAdjustment { Code = new VitalCode { Loinc = "59408-5" }, Offset = -3 });
                break;
            case "patient on another ward":
                request.PatientId = PatientB;
                break;
        }

        var subject = $"clinician-{Guid.NewGuid():N}";
        var error = await Assert.ThrowsAsync<RpcException>(() => service.WhatIf(service.Token(subject, [Roles.Clinician], WardA)).ProjectAsync(request).ResponseAsync);

        Assert.Equal(expected, error.StatusCode);
        Assert.Contains(said, error.Status.Detail, StringComparison.Ordinal);
        var audited = service.Audited(subject).Select(r => r.Audited.Outcome).ToList();
        // A malformed question is refused before the patient is looked at; anything later is recorded.
        AuditOutcome[] recorded = expected switch
        {
            StatusCode.PermissionDenied => [AuditOutcome.Denied],
            StatusCode.FailedPrecondition => [AuditOutcome.Failed],
            _ => [],
        };
        Assert.Equal(recorded, audited);
    }

    [Theory]
    [InlineData(Roles.Operator)]
    [InlineData(Roles.Integration)]
    [InlineData(Roles.Registrar)]
    public async Task Only_clinicians_may_ask(string role)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            service.WhatIf(service.Token($"{role}-{Guid.NewGuid():N}", [role], Caller.EveryWard)).ProjectAsync(new ProjectRequest { PatientId = PatientA }).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }
}
