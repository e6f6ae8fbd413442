using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.Evaluation.Pipeline;
using VitalTwin.Notification.Core;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.TwinState.WhatIf;

namespace VitalTwin.TwinState.WhatIf.Tests;

/// <summary>The settings replay on synthetic hours: what a tighter or a wider limit changes, what it warns of, and that it agrees with the evaluation's service path.</summary>
public sealed class SettingsReplayTests
{
    private static readonly ShippedConfiguration Shipped = ShippedConfiguration.Load();

    private static readonly ReplayConfiguration Configuration =
        new(Shipped.Twin, Shipped.Detection, Shipped.Policy, Shipped.StalenessCheckInterval, Shipped.PolicyTick);

    private static Task<SettingsSimulationResult> ReplayAsync(SettingsSimulationInput input) =>
        new SettingsReplay(Configuration, VitalCatalogue.Default).RunAsync(input, CancellationToken.None);

    [Fact]
    public async Task A_tighter_limit_makes_a_personal_limit_alert_appear_where_the_defaults_raise_none()
    {
        // 120 /min scores 2 in NEWS2: no single-parameter alert by default; a personal high limit of 115 alerts.
        var ward = new Ward(TimeSpan.FromHours(1)).Episode(VitalSign.HeartRate, TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(10), 120);

        var result = await ReplayAsync(ward.Input(AlarmSettings.None, Ward.Limits(VitalSign.HeartRate, null, 115)));

        Assert.DoesNotContain(result.Current, a => a.Key.Sign == VitalSign.HeartRate && a.Condition is AlertCondition.News2SingleParameter or AlertCondition.PersonalLimit);
        var appeared = Assert.Single(result.Appeared, a => a.Condition == AlertCondition.PersonalLimit);
        Assert.Equal(new AlertKey(AlertCondition.PersonalLimit, VitalSign.HeartRate, AlertDirection.Up), appeared.Key);
        Assert.True(appeared.UnderPersonalSetting);
        Assert.InRange(appeared.RaisedAt, Ward.Start.AddMinutes(20), Ward.Start.AddMinutes(23));
        Assert.Empty(result.Disappeared);
        Assert.Empty(result.Warnings);
        Assert.Equal(ward.Recorded().Count, result.ReadingsReplayed);
    }

    [Fact]
    public async Task A_limit_inside_a_news2_band_alerts_when_crossed_though_news2_does_not_move()
    {
        // 114 and 125 /min both score 2: NEWS2 stands still at the rise, and only a crossing of the limit can be announced.
        var ward = new Ward(TimeSpan.FromHours(1))
            .Episode(VitalSign.HeartRate, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10), 125)
            .Episode(VitalSign.HeartRate, TimeSpan.Zero, TimeSpan.FromHours(1), 114);

        var result = await ReplayAsync(ward.Input(AlarmSettings.None, Ward.Limits(VitalSign.HeartRate, null, 120)));

        Assert.DoesNotContain(result.Current, a => a.Key.Sign == VitalSign.HeartRate);
        var appeared = Assert.Single(result.Appeared, a => a.Condition == AlertCondition.PersonalLimit);
        Assert.InRange(appeared.RaisedAt, Ward.Start.AddMinutes(30), Ward.Start.AddMinutes(33));
    }

    [Fact]
    public async Task A_wider_limit_makes_the_single_parameter_alert_disappear_with_the_readings_that_caused_it()
    {
        // 135 /min scores 3: the default single-parameter alert; a personal high limit of 140 is never reached.
        var ward = new Ward(TimeSpan.FromHours(1)).Episode(VitalSign.HeartRate, TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(10), 135);

        var result = await ReplayAsync(ward.Input(AlarmSettings.None, Ward.Limits(VitalSign.HeartRate, null, 140)));

        var gone = Assert.Single(result.Disappeared);
        Assert.Equal(new AlertKey(AlertCondition.News2SingleParameter, VitalSign.HeartRate, AlertDirection.Up), gone.Key);
        Assert.Contains(result.Current, a => a.Key == gone.Key && a.RaisedAt == gone.RaisedAt);
        Assert.DoesNotContain(result.Proposed, a => a.Key.Sign == VitalSign.HeartRate && a.Condition is AlertCondition.News2SingleParameter or AlertCondition.PersonalLimit);
        Assert.Empty(result.Appeared);
        Assert.InRange(gone.Causes.Count, 1, Configuration.MaxCausesPerAlert);
        Assert.All(gone.Causes, cause =>
        {
            Assert.Equal(VitalSign.HeartRate, cause.Sign);
            Assert.True(cause.Value >= 131, "a cause scores 3 in NEWS2");
            Assert.InRange(cause.ObservedAt, gone.RaisedAt - Configuration.CauseWindow, gone.RaisedAt);
        });
        Assert.Equal(gone.RaisedAt, gone.Causes[^1].ObservedAt);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public async Task Silencing_an_alert_over_an_anomaly_a_clinician_confirmed_as_real_is_warned_of()
    {
        var ward = new Ward(TimeSpan.FromHours(1)).Episode(VitalSign.HeartRate, TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(10), 135);
        var confirmed = new ConfirmedAnomaly("monitor-1/1234/IidSpike", VitalSign.HeartRate, Ward.Start.AddMinutes(20).AddSeconds(5));
        var elsewhere = new ConfirmedAnomaly("monitor-1/99/IidSpike", VitalSign.OxygenSaturation, Ward.Start.AddMinutes(21));

        var result = await ReplayAsync(ward.Input(AlarmSettings.None, Ward.Limits(VitalSign.HeartRate, null, 140), confirmed, elsewhere));

        var gone = Assert.Single(result.Disappeared);
        Assert.Equal(confirmed.Id, gone.ConfirmedAnomalyId);
        var warning = Assert.Single(result.Warnings);
        Assert.Contains(confirmed.Id, warning, StringComparison.Ordinal);
        Assert.Contains("acknowledged as real", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_limit_that_still_alerts_on_the_anomaly_gives_no_warning()
    {
        var ward = new Ward(TimeSpan.FromHours(1)).Episode(VitalSign.HeartRate, TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(10), 135);
        var confirmed = new ConfirmedAnomaly("monitor-1/1234/IidSpike", VitalSign.HeartRate, Ward.Start.AddMinutes(20).AddSeconds(5));

        // 130 is tighter than the default 131: the single-parameter alert gives way to a personal-limit alert over the same episode.
        var result = await ReplayAsync(ward.Input(AlarmSettings.None, Ward.Limits(VitalSign.HeartRate, null, 130), confirmed));

        Assert.Single(result.Disappeared, a => a.Condition == AlertCondition.News2SingleParameter);
        Assert.Single(result.Appeared, a => a.Condition == AlertCondition.PersonalLimit);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public async Task Identical_settings_raise_identical_alerts_and_the_evaluations_service_path_raises_the_same()
    {
        var ward = new Ward(TimeSpan.FromHours(3), seed: 11)
            .Episode(VitalSign.HeartRate, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(12), 135)
            .Episode(VitalSign.OxygenSaturation, TimeSpan.FromMinutes(70), TimeSpan.FromMinutes(8), 89)
            .Episode(VitalSign.HeartRate, TimeSpan.FromMinutes(70), TimeSpan.FromMinutes(8), 96)
            .Episode(VitalSign.RespiratoryRate, TimeSpan.FromMinutes(100), TimeSpan.FromMinutes(15), 26)
            .Episode(VitalSign.HeartRate, TimeSpan.FromMinutes(100), TimeSpan.FromMinutes(15), 118)
            .Silence(VitalSign.OxygenSaturation, TimeSpan.FromMinutes(140), TimeSpan.FromMinutes(12));

        var result = await ReplayAsync(ward.Input(AlarmSettings.None, AlarmSettings.None));

        Assert.True(result.Current.Count >= 4, $"the episodes raise alerts ({result.Current.Count})");
        Assert.Contains(result.Current, a => a.Condition == AlertCondition.VitalStale);
        Assert.Equal(Describe(result.Current), Describe(result.Proposed));
        Assert.Empty(result.Disappeared);
        Assert.Empty(result.Appeared);
        Assert.Equal(WardPipelineAlarms(ward), Describe(result.Current));
    }

    private static List<(string Key, DateTimeOffset At, DateTimeOffset Until)> Describe(IReadOnlyList<ReplayedAlert> alerts) =>
        [.. alerts.Select(a => (a.Key.ToString(), a.RaisedAt, a.ClearedAt ?? DateTimeOffset.MaxValue))];

    /// <summary>The same readings through the evaluation's WardPipeline, clocks started where the replay's window starts.</summary>
    private static List<(string Key, DateTimeOffset At, DateTimeOffset Until)> WardPipelineAlarms(Ward ward)
    {
        var pipeline = new WardPipeline(
            [new DeviceBinding("monitor-1", "whatif-patient", Ward.Start, null)],
            Shipped,
            [new PolicyVariant("VitalTwin", Shipped.Detection, Shipped.Policy)],
            VitalCatalogue.Default);
        var clocks = new PipelineClocks(pipeline, Shipped, Ward.Start);
        foreach (var (sign, at, value) in ward.Readings())
        {
            clocks.RunUntil(at);
            pipeline.Observe(new SimulatedReading(at, "whatif-patient", "monitor-1", sign, value, VitalCatalogue.Default[sign].CanonicalUnit, ReadingQuality.None));
        }
        clocks.RunUntil(ward.End);
        return [.. pipeline.Runs[0].Alarms().Select(a => (a.Cause, a.At, a.OpenUntil!.Value))];
    }
}
