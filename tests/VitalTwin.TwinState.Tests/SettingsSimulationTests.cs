using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.ServiceDefaults.Security;
using static VitalTwin.TwinState.Tests.WhatIfTwinState;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// SimulateSettings over real gRPC against a running TwinState whose patient's readings came in through its consumer:
/// the answer, the audit record, and each refusal (ward, bounds, window, concurrency, time, an unreachable store).
/// </summary>
public sealed class SettingsSimulationTests(WhatIfTwinState service) : IClassFixture<WhatIfTwinState>
{
    private static readonly VitalCode HeartRate = new() { Loinc = "8867-4" };

    private static SimulateSettingsRequest HeartRateHighLimit(double limit, Duration? window = null)
    {
        var request = new SimulateSettingsRequest { PatientId = Patient, Proposed = new AlarmSettingsChange(), Window = window };
        request.Proposed.Set.Add(new VitalAlarmSetting { Code = HeartRate, HighLimit = limit });
        return request;
    }

    private TwinWhatIf.TwinWhatIfClient Clinician(string subject, string ward = WardA) => service.WhatIf(service.Token(subject, [Roles.Clinician], ward));

    [Fact]
    public async Task A_wider_heart_rate_limit_removes_the_single_parameter_alert_and_names_the_readings_behind_it()
    {
        var subject = $"whatif-clinician-{Guid.NewGuid():N}";

        var simulation = await Clinician(subject).SimulateSettingsAsync(HeartRateHighLimit(140));

        Assert.Equal(RecordedReadings, simulation.ReadingsReplayed);
        var gone = Assert.Single(simulation.Disappeared);
        Assert.Equal(AlertCondition.News2SingleParameter, gone.Condition);
        Assert.Equal("8867-4", Assert.Single(gone.Codes).Loinc);
        Assert.Contains(simulation.Current, a => a.Condition == AlertCondition.News2SingleParameter && a.RaisedAt == gone.RaisedAt);
        Assert.DoesNotContain(simulation.Proposed, a => a.Condition is AlertCondition.News2SingleParameter or AlertCondition.PersonalLimit);
        var fastFrom = service.RecordingStart.AddMinutes(FastMinutes.From);
        Assert.InRange(gone.RaisedAt.ToDateTimeOffset(), fastFrom, fastFrom.AddMinutes(3));
        Assert.NotEmpty(gone.Causes);
        Assert.All(gone.Causes, cause => Assert.True(cause.Value >= 131 && cause.Unit == "/min" && cause.ObservedAt <= gone.RaisedAt));
        Assert.Empty(simulation.Appeared);
        Assert.Contains("Decision support", simulation.Disclaimer, StringComparison.Ordinal);
        Assert.True(simulation.To.ToDateTimeOffset() > service.RecordingStart.AddMinutes(29));

        var audited = Assert.Single(service.Audited(subject));
        Assert.Equal(("vitaltwin.twin.v1.TwinWhatIf/SimulateSettings", Patient, AuditOutcome.Allowed, "settings simulation"), (audited.Action, audited.PatientId, audited.Outcome, audited.Detail));
    }

    [Fact]
    public async Task A_tighter_limit_brings_a_personal_limit_alert_in_place_of_the_single_parameter_one()
    {
        var simulation = await Clinician($"whatif-clinician-{Guid.NewGuid():N}").SimulateSettingsAsync(HeartRateHighLimit(120));

        var appeared = Assert.Single(simulation.Appeared);
        Assert.Equal(AlertCondition.PersonalLimit, appeared.Condition);
        Assert.True(appeared.UnderPersonalSetting);
        Assert.Single(simulation.Disappeared, a => a.Condition == AlertCondition.News2SingleParameter);
    }

    [Fact]
    public async Task A_clinician_of_another_ward_is_refused_and_audited()
    {
        var subject = $"whatif-outsider-{Guid.NewGuid():N}";

        var refused = await Assert.ThrowsAsync<RpcException>(() => Clinician(subject, WardB).SimulateSettingsAsync(HeartRateHighLimit(140)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal(AuditOutcome.Denied, Assert.Single(service.Audited(subject)).Outcome);
    }

    [Fact]
    public async Task A_setting_outside_the_bounds_is_refused_naming_the_bound()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => Clinician($"whatif-clinician-{Guid.NewGuid():N}").SimulateSettingsAsync(HeartRateHighLimit(200)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("may not be over 160", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(73 * 60)]
    [InlineData(0)]
    public async Task A_window_beyond_the_maximum_or_not_positive_is_refused(int minutes)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            Clinician($"whatif-clinician-{Guid.NewGuid():N}").SimulateSettingsAsync(HeartRateHighLimit(140, Duration.FromTimeSpan(TimeSpan.FromMinutes(minutes)))).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("window", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_simulation_beyond_the_replicas_bound_is_refused_not_queued()
    {
        var client = Clinician($"whatif-clinician-{Guid.NewGuid():N}");
        service.History.Hold();
        try
        {
            var first = client.SimulateSettingsAsync(HeartRateHighLimit(140), deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync;
            await service.History.Queried.WaitAsync(TimeSpan.FromSeconds(30));

            var refused = await Assert.ThrowsAsync<RpcException>(() => client.SimulateSettingsAsync(HeartRateHighLimit(140)).ResponseAsync);

            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            service.History.Release();
            // The first one, held, may have run out of its own time bound meanwhile; either way it was not refused for want of room.
            var outcome = await Record.ExceptionAsync(() => first);
            Assert.True(outcome is null || outcome is RpcException { StatusCode: StatusCode.DeadlineExceeded }, outcome?.ToString());
        }
        finally
        {
            service.History.Release();
        }
    }

    [Fact]
    public async Task A_simulation_past_its_time_bound_ends_with_deadline_exceeded()
    {
        var subject = $"whatif-clinician-{Guid.NewGuid():N}";
        service.History.Hold();
        try
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => Clinician(subject).SimulateSettingsAsync(HeartRateHighLimit(140)).ResponseAsync);

            Assert.Equal(StatusCode.DeadlineExceeded, refused.StatusCode);
            Assert.Equal(AuditOutcome.Failed, Assert.Single(service.Audited(subject)).Outcome);
        }
        finally
        {
            service.History.Release();
        }
    }

    [Fact]
    public async Task An_unreachable_history_store_answers_unavailable()
    {
        service.History.Unreachable = true;
        try
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => Clinician($"whatif-clinician-{Guid.NewGuid():N}").SimulateSettingsAsync(HeartRateHighLimit(140)).ResponseAsync);

            Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        }
        finally
        {
            service.History.Unreachable = false;
        }
    }
}
