using VitalTwin.Clinical;
using VitalTwin.Evaluation.Baselines;
using VitalTwin.Evaluation.Metrics;

namespace VitalTwin.Evaluation.Tests;

public sealed class BaselineTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(int seconds) => Start.AddSeconds(seconds);

    [Fact]
    public void The_monitor_alarms_once_per_excursion_beyond_a_limit_and_again_after_returning_within_it()
    {
        var monitor = new FixedLimitMonitor();
        double[] pulse = [80, 125, 130, 118, 121, 45, 46, 60];
        var raised = pulse.Select((value, i) => monitor.Observe("p1", VitalSign.HeartRate, value, At(i * 5), artifactFlagged: false)).ToList();

        Assert.Equal([null, "HeartRate>120", null, null, "HeartRate>120", "HeartRate<50", null, null], raised.Select(a => a?.Cause));
        // Each alarm condition ends with the first sample that is no longer beyond the same limit.
        Assert.Equal(At(15), monitor.Alarms[0].OpenUntil);
        Assert.Equal(At(25), monitor.Alarms[1].OpenUntil);
        Assert.Equal(At(35), monitor.Alarms[2].OpenUntil);
    }

    [Fact]
    public void The_monitor_keeps_patients_and_vitals_apart_and_has_no_upper_SpO2_limit()
    {
        var monitor = new FixedLimitMonitor();

        Assert.NotNull(monitor.Observe("p1", VitalSign.OxygenSaturation, 88, At(0), artifactFlagged: false));
        Assert.NotNull(monitor.Observe("p2", VitalSign.OxygenSaturation, 85, At(0), artifactFlagged: false));
        Assert.Null(monitor.Observe("p1", VitalSign.OxygenSaturation, 100, At(5), artifactFlagged: false));
        Assert.NotNull(monitor.Observe("p1", VitalSign.RespiratoryRate, 35, At(5), artifactFlagged: false));
        Assert.NotNull(monitor.Observe("p1", VitalSign.BodyTemperature, 38.6, At(5), artifactFlagged: false));
        Assert.Null(monitor.Observe("p1", VitalSign.SystolicBloodPressure, 180, At(5), artifactFlagged: false));
        Assert.Equal(4, monitor.Alarms.Count);
    }

    [Fact]
    public void A_flagged_sample_raises_one_technical_notice_per_run_and_is_not_compared_with_the_limits()
    {
        var monitor = new FixedLimitMonitor();

        Assert.Null(monitor.Observe("p1", VitalSign.OxygenSaturation, 97, At(0), artifactFlagged: false));
        var notice = monitor.Observe("p1", VitalSign.OxygenSaturation, 0, At(5), artifactFlagged: true);
        Assert.Null(monitor.Observe("p1", VitalSign.OxygenSaturation, 0, At(10), artifactFlagged: true));
        Assert.Null(monitor.Observe("p1", VitalSign.OxygenSaturation, 96, At(15), artifactFlagged: false));
        Assert.NotNull(monitor.Observe("p1", VitalSign.OxygenSaturation, 0, At(20), artifactFlagged: true));

        Assert.True(notice!.Technical);
        Assert.Equal("Inop/OxygenSaturation", notice.Cause);
        Assert.All(monitor.Alarms, a => Assert.True(a.Technical));
    }

    [Fact]
    public void NEWS2_alone_scores_every_reading_and_alarms_on_entering_five_and_on_a_parameter_entering_three_without_hysteresis()
    {
        var news2 = new News2Threshold(TwinState.Core.TwinSettings.Default);
        var at = 0;
        int Observe(VitalSign sign, double value, bool flagged = false) => news2.Observe("p1", sign, value, At(at += 5), flagged);

        // Systolic 120, SpO2 95 (1), breathing 22 (2), pulse 95 (1), temperature 37: NEWS2 4.
        Observe(VitalSign.SystolicBloodPressure, 120);
        Observe(VitalSign.OxygenSaturation, 95);
        Observe(VitalSign.RespiratoryRate, 22);
        Observe(VitalSign.HeartRate, 95);
        Assert.Equal(0, Observe(VitalSign.BodyTemperature, 37));

        Assert.Equal(1, Observe(VitalSign.BodyTemperature, 38.5));      // 5
        Assert.Equal(0, Observe(VitalSign.HeartRate, 115));             // 6
        Assert.Equal(0, Observe(VitalSign.HeartRate, 95));              // 5
        Assert.Equal(0, Observe(VitalSign.BodyTemperature, 37));        // 4
        Assert.Equal(1, Observe(VitalSign.BodyTemperature, 38.5));      // 5 again: no hysteresis
        Assert.Equal(0, Observe(VitalSign.RespiratoryRate, 26, flagged: true)); // a flagged reading is not scored
        Assert.Equal(1, Observe(VitalSign.RespiratoryRate, 26));        // breathing scores 3
        Assert.Equal(0, Observe(VitalSign.RespiratoryRate, 26));

        Assert.Equal(["News2>=5", "News2>=5", "News2Parameter3/RespirationRate"], news2.Alarms.Select(a => a.Cause));
        Assert.All(news2.Alarms, a => Assert.False(a.Technical));
    }

    [Fact]
    public void A_held_monitor_ignores_a_5_second_violation_and_alarms_once_on_a_12_second_one_when_10_seconds_have_passed()
    {
        var monitor = new FixedLimitMonitor(alarmDelay: TimeSpan.FromSeconds(10));
        // One sample a second: 5 s of SpO2 below 90, back to 96, then 12 s below 90, then back.
        var samples = Enumerable.Range(0, 60).Select(s => (Second: s, Value: s is >= 10 and < 15 || s is >= 30 and < 42 ? 85.0 : 96.0)).ToList();

        var raised = samples.Select(s => (s.Second, Alarm: monitor.Observe("p1", VitalSign.OxygenSaturation, s.Value, At(s.Second), artifactFlagged: false)))
            .Where(r => r.Alarm is not null)
            .ToList();

        var (second, alarm) = Assert.Single(raised);
        Assert.Equal(40, second);
        Assert.Equal(("OxygenSaturation<90", At(40)), (alarm!.Cause, alarm.At));
        // The condition ends with the first sample back within the limit.
        Assert.Equal(At(42), Assert.Single(monitor.Alarms).OpenUntil);
    }

    [Fact]
    public void A_held_monitor_starts_the_wait_again_after_a_flagged_sample_and_alarms_on_cuff_pressure_at_once()
    {
        var monitor = new FixedLimitMonitor(alarmDelay: TimeSpan.FromSeconds(10));

        foreach (var second in Enumerable.Range(0, 8))
        {
            Assert.Null(monitor.Observe("p1", VitalSign.HeartRate, 130, At(second), artifactFlagged: false));
        }
        Assert.True(monitor.Observe("p1", VitalSign.HeartRate, 130, At(8), artifactFlagged: true)!.Technical);
        var after = Enumerable.Range(9, 12).Select(s => monitor.Observe("p1", VitalSign.HeartRate, 130, At(s), artifactFlagged: false)).ToList();
        var pressure = monitor.Observe("p1", VitalSign.SystolicBloodPressure, 85, At(20), artifactFlagged: false);

        // The wait restarts at 9 s: 10 s later, at 19 s, not at 10 s.
        Assert.Equal(At(19), Assert.Single(after.OfType<Alarm>()).At);
        Assert.Equal(At(20), pressure?.At);
        Assert.Equal(TimeSpan.FromSeconds(10), monitor.AlarmDelay);
    }
}
