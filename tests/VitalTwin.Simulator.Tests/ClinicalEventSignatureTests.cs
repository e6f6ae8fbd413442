using VitalTwin.Clinical;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Simulator.Tests;

/// <summary>Each clinical event leaves its physiological signature in the data, from its labelled onset on.</summary>
public class ClinicalEventSignatureTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void Sepsis_raises_temperature_pulse_and_breathing_and_lowers_pressure_over_hours()
    {
        var simulation = new WardSimulation(TestScenarios.WithEvent(ClinicalEventKind.Sepsis, TimeSpan.FromHours(1), TimeSpan.FromHours(4), null, TimeSpan.FromHours(7)));
        var label = Assert.Single(simulation.Events);
        var readings = simulation.Readings().ToList();

        var before = readings.Between(label.Onset - (30 * Minute), label.Onset);
        var midway = readings.Between(label.Onset + (110 * Minute), label.Onset + (130 * Minute));
        var established = readings.Between(label.Peak, label.Peak + TimeSpan.FromHours(2));

        Assert.Equal(TestScenarios.Start + TimeSpan.FromHours(1), label.Onset);
        Assert.Equal(label.Onset + TimeSpan.FromHours(4), label.Peak);
        Assert.Null(label.End);
        Assert.True(established.Mean(VitalSign.BodyTemperature) - before.Mean(VitalSign.BodyTemperature) > 1.2);
        Assert.True(established.Mean(VitalSign.HeartRate) - before.Mean(VitalSign.HeartRate) > 25);
        Assert.True(established.Mean(VitalSign.RespiratoryRate) - before.Mean(VitalSign.RespiratoryRate) > 6);
        Assert.True(before.Mean(VitalSign.SystolicBloodPressure) - established.Mean(VitalSign.SystolicBloodPressure) > 20);
        // Gradual, not a step: halfway through the ramp the pulse is well between its start and its plateau.
        Assert.InRange(midway.Mean(VitalSign.HeartRate), before.Mean(VitalSign.HeartRate) + 5, established.Mean(VitalSign.HeartRate) - 5);
    }

    [Fact]
    public void Acute_desaturation_drops_saturation_within_minutes_with_faster_breathing_and_pulse_then_recovers()
    {
        var simulation = new WardSimulation(TestScenarios.WithEvent(ClinicalEventKind.AcuteDesaturation, 30 * Minute, 2 * Minute, 40 * Minute, TimeSpan.FromHours(2)));
        var label = Assert.Single(simulation.Events);
        var readings = simulation.Readings().ToList();

        var before = readings.Between(label.Onset - (20 * Minute), label.Onset);
        var during = readings.Between(label.Peak + Minute, label.Peak + (30 * Minute));
        var after = readings.Between(label.End!.Value + (10 * Minute), label.End.Value + (40 * Minute));

        Assert.True(before.Mean(VitalSign.OxygenSaturation) - during.Mean(VitalSign.OxygenSaturation) > 8);
        Assert.True(during.Mean(VitalSign.RespiratoryRate) - before.Mean(VitalSign.RespiratoryRate) > 5);
        Assert.True(during.Mean(VitalSign.HeartRate) - before.Mean(VitalSign.HeartRate) > 5);
        Assert.InRange(after.Mean(VitalSign.OxygenSaturation), before.Mean(VitalSign.OxygenSaturation) - 2, before.Mean(VitalSign.OxygenSaturation) + 2);
    }

    [Fact]
    public void Tachyarrhythmia_starts_abruptly_with_a_fast_irregular_pulse_and_lower_pressure()
    {
        var simulation = new WardSimulation(TestScenarios.WithEvent(ClinicalEventKind.Tachyarrhythmia, 30 * Minute, TimeSpan.FromSeconds(30), TimeSpan.FromHours(1), TimeSpan.FromHours(2)));
        var label = Assert.Single(simulation.Events);
        var readings = simulation.Readings().ToList();

        var before = readings.Between(label.Onset - (20 * Minute), label.Onset);
        var firstMinutes = readings.Between(label.Peak, label.Peak + (2 * Minute));
        var during = readings.Between(label.Peak, label.Peak + (40 * Minute));

        Assert.True(firstMinutes.Mean(VitalSign.HeartRate) > 150);
        Assert.True(during.StandardDeviation(VitalSign.HeartRate) > 2 * before.StandardDeviation(VitalSign.HeartRate));
        Assert.True(before.Mean(VitalSign.SystolicBloodPressure) - during.Mean(VitalSign.SystolicBloodPressure) > 8);
    }

    [Fact]
    public void Hypotension_lowers_pressure_and_raises_pulse_as_volume_is_lost()
    {
        var simulation = new WardSimulation(TestScenarios.WithEvent(ClinicalEventKind.Hypotension, 30 * Minute, 30 * Minute, TimeSpan.FromHours(3), TimeSpan.FromHours(4)));
        var label = Assert.Single(simulation.Events);
        var readings = simulation.Readings().ToList();

        var before = readings.Between(label.Onset - (30 * Minute), label.Onset);
        var during = readings.Between(label.Peak, label.Peak + TimeSpan.FromHours(1));

        Assert.True(before.Mean(VitalSign.SystolicBloodPressure) - during.Mean(VitalSign.SystolicBloodPressure) > 25);
        Assert.True(during.Mean(VitalSign.HeartRate) - before.Mean(VitalSign.HeartRate) > 18);
    }

    [Fact]
    public void Bradycardia_slows_the_pulse_below_45_and_lowers_pressure()
    {
        var simulation = new WardSimulation(TestScenarios.WithEvent(ClinicalEventKind.Bradycardia, 30 * Minute, 2 * Minute, TimeSpan.FromHours(1), TimeSpan.FromHours(2)));
        var label = Assert.Single(simulation.Events);
        var readings = simulation.Readings().ToList();

        var before = readings.Between(label.Onset - (20 * Minute), label.Onset);
        var during = readings.Between(label.Peak, label.Peak + (30 * Minute));

        Assert.True(during.Mean(VitalSign.HeartRate) < 45);
        Assert.True(before.Mean(VitalSign.SystolicBloodPressure) - during.Mean(VitalSign.SystolicBloodPressure) > 8);
    }

    [Theory]
    [InlineData(ClinicalEventKind.Sepsis)]
    [InlineData(ClinicalEventKind.AcuteDesaturation)]
    [InlineData(ClinicalEventKind.Tachyarrhythmia)]
    [InlineData(ClinicalEventKind.Hypotension)]
    [InlineData(ClinicalEventKind.Bradycardia)]
    public void Nothing_changes_before_the_labelled_onset(ClinicalEventKind kind)
    {
        var length = TimeSpan.FromHours(3);
        var withEvent = new WardSimulation(TestScenarios.WithEvent(kind, TimeSpan.FromHours(2), 2 * Minute, TimeSpan.FromMinutes(30), length));
        var without = new WardSimulation(TestScenarios.Ward(1, length));
        var onset = Assert.Single(withEvent.Events).Onset;

        // Same seed, same patient: up to the onset the two streams are the same reading for reading.
        Assert.Equal(
            without.Readings().TakeWhile(r => r.ObservedAt <= onset),
            withEvent.Readings().TakeWhile(r => r.ObservedAt <= onset));
    }
}
