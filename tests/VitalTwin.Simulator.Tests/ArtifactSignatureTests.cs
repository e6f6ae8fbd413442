using VitalTwin.Clinical;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Simulator.Tests;

/// <summary>Each sensor artifact leaves its labelled signature, and only inside its labelled window.</summary>
public class ArtifactSignatureTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void Motion_spikes_pulse_saturation_and_breathing_with_the_motion_flag_when_the_device_flags_it()
    {
        var simulation = new WardSimulation(TestScenarios.WithArtifact(ArtifactKind.Motion, TimeSpan.FromSeconds(90), flagged: 1));
        var label = Assert.Single(simulation.Artifacts);
        var readings = simulation.Readings().Of(label.PatientId);

        var during = readings.Between(label.Start, label.End);
        var around = readings.Where(r => r.ObservedAt >= label.Start - (10 * Minute) && r.ObservedAt < label.Start).ToList();

        Assert.True(label.Flagged);
        Assert.Equal([VitalSign.HeartRate, VitalSign.OxygenSaturation, VitalSign.RespiratoryRate], label.AffectedVitals);
        Assert.All(during.Where(r => label.AffectedVitals.Contains(r.Vital)), r => Assert.Equal(ReadingQuality.MotionArtifact, r.Quality));
        Assert.All(readings.Except(during), r => Assert.Equal(ReadingQuality.None, r.Quality));
        var pulseDeviation = during.Where(r => r.Vital == VitalSign.HeartRate).Average(r => Math.Abs(r.Value - around.Mean(VitalSign.HeartRate)));
        Assert.True(pulseDeviation > 10, $"pulse deviated by {pulseDeviation:0.0} on average");
        Assert.True(around.Mean(VitalSign.OxygenSaturation) - during.Mean(VitalSign.OxygenSaturation) > 2);
    }

    [Fact]
    public void Unflagged_motion_looks_the_same_without_a_flag()
    {
        var simulation = new WardSimulation(TestScenarios.WithArtifact(ArtifactKind.Motion, TimeSpan.FromSeconds(90), flagged: 0));
        var label = Assert.Single(simulation.Artifacts);

        Assert.False(label.Flagged);
        Assert.All(simulation.Readings(), r => Assert.Equal(ReadingQuality.None, r.Quality));
    }

    [Fact]
    public void Probe_off_in_zero_mode_reads_saturation_0_with_the_probe_off_flag()
    {
        var simulation = new WardSimulation(TestScenarios.WithArtifact(ArtifactKind.ProbeOff, 5 * Minute, flagged: 1, mode: ProbeOffSelection.Zero));
        var label = Assert.Single(simulation.Artifacts);
        var readings = simulation.Readings().Of(label.PatientId);

        var during = readings.Between(label.Start, label.End);
        var saturation = during.Where(r => r.Vital == VitalSign.OxygenSaturation).ToList();

        Assert.Equal(ProbeOffMode.Zero, label.ProbeOffMode);
        Assert.True(saturation.Count >= 50);
        Assert.All(saturation, r => Assert.Equal((0.0, ReadingQuality.ProbeOff), (r.Value, r.Quality)));
        Assert.All(during.Where(r => r.Vital != VitalSign.OxygenSaturation), r => Assert.Equal(ReadingQuality.None, r.Quality));
        Assert.DoesNotContain(readings.Except(during), r => r.Vital == VitalSign.OxygenSaturation && r.Value == 0);
    }

    [Fact]
    public void Probe_off_in_flat_mode_holds_one_saturation_value_for_the_whole_episode()
    {
        var simulation = new WardSimulation(TestScenarios.WithArtifact(ArtifactKind.ProbeOff, 5 * Minute, flagged: 0, mode: ProbeOffSelection.Flat));
        var label = Assert.Single(simulation.Artifacts);
        var readings = simulation.Readings().Of(label.PatientId);

        var during = readings.Between(label.Start, label.End).Where(r => r.Vital == VitalSign.OxygenSaturation).ToList();
        var after = readings.Between(label.End, label.End + (5 * Minute)).Where(r => r.Vital == VitalSign.OxygenSaturation).ToList();

        Assert.Equal(ProbeOffMode.Flat, label.ProbeOffMode);
        Assert.False(label.Flagged);
        Assert.True(during.Count >= 50);
        Assert.Single(during.Select(r => r.Value).Distinct());
        Assert.All(during, r => Assert.Equal(ReadingQuality.None, r.Quality));
        Assert.True(after.Select(r => r.Value).Distinct().Count() > 1);
    }

    [Fact]
    public void A_disconnection_leaves_a_gap_with_no_readings_at_all()
    {
        var simulation = new WardSimulation(TestScenarios.WithArtifact(ArtifactKind.Disconnection, 10 * Minute));
        var label = Assert.Single(simulation.Artifacts);
        var readings = simulation.Readings().Of(label.PatientId);

        Assert.Equal(Enum.GetValues<VitalSign>(), label.AffectedVitals);
        Assert.Empty(readings.Between(label.Start, label.End));
        Assert.NotEmpty(readings.Between(label.Start - Minute, label.Start));
        Assert.NotEmpty(readings.Between(label.End, label.End + Minute));
    }

    [Fact]
    public void A_moved_device_measures_the_other_patient_after_re_registration_and_the_first_patient_gets_a_replacement()
    {
        var simulation = new WardSimulation(TestScenarios.WithArtifact(ArtifactKind.DeviceMoved, 20 * Minute, patients: 3));
        var move = Assert.Single(simulation.Artifacts);
        var readings = simulation.Readings().ToList();
        var donor = readings.Of(move.PatientId);
        var receiver = readings.Of(move.OtherPatientId!);
        var receiversOwnDevice = simulation.Patients.Single(p => p.Id == move.OtherPatientId).InitialDeviceId;

        Assert.Equal(ArtifactKind.DeviceMoved, move.Kind);
        Assert.NotNull(move.ReplacementDeviceId);
        Assert.InRange(move.OtherPatientFrom!.Value, move.Start, move.Start + (2 * Minute));
        // The first patient: own device until the move, nothing until the replacement, the replacement after.
        Assert.All(donor.Where(r => r.ObservedAt < move.Start), r => Assert.Equal(move.DeviceId, r.DeviceId));
        Assert.Empty(donor.Between(move.Start, move.End));
        Assert.All(donor.Where(r => r.ObservedAt >= move.End), r => Assert.Equal(move.ReplacementDeviceId, r.DeviceId));
        // The second patient: own device until the move, a short gap while the moved one is attached, then the moved one.
        Assert.All(receiver.Where(r => r.ObservedAt < move.Start), r => Assert.Equal(receiversOwnDevice, r.DeviceId));
        Assert.Empty(receiver.Between(move.Start, move.OtherPatientFrom.Value));
        Assert.All(receiver.Where(r => r.ObservedAt >= move.OtherPatientFrom), r => Assert.Equal(move.DeviceId, r.DeviceId));
        Assert.All(readings.Where(r => r.DeviceId == move.DeviceId && r.ObservedAt >= move.Start), r => Assert.Equal(move.OtherPatientId, r.PatientId));
        // The second patient's physiology goes on: the new device shows the same pulse within a few beats.
        var pulseBefore = receiver.Between(move.Start - (10 * Minute), move.Start).Mean(VitalSign.HeartRate);
        var pulseAfter = receiver.Between(move.OtherPatientFrom.Value, move.OtherPatientFrom.Value + (10 * Minute)).Mean(VitalSign.HeartRate);
        Assert.InRange(pulseAfter, pulseBefore - 6, pulseBefore + 6);
    }

    [Fact]
    public void A_device_move_is_announced_as_device_bindings_the_sender_registers_in_time_order()
    {
        var simulation = new WardSimulation(TestScenarios.WithArtifact(ArtifactKind.DeviceMoved, 20 * Minute, patients: 3));
        var move = Assert.Single(simulation.Artifacts);

        Assert.Equal(5, simulation.DeviceBindings.Count);
        Assert.Contains(new DeviceBinding(move.DeviceId, move.OtherPatientId!, move.OtherPatientFrom!.Value, null), simulation.DeviceBindings);
        Assert.Contains(new DeviceBinding(move.ReplacementDeviceId!, move.PatientId, move.End, null), simulation.DeviceBindings);
        Assert.Contains(new DeviceBinding(move.DeviceId, move.PatientId, simulation.Scenario.Start, move.Start), simulation.DeviceBindings);
        Assert.Equal(simulation.DeviceBindings.OrderBy(b => b.From), simulation.DeviceBindings);
    }

    [Fact]
    public void Artifact_rates_give_about_the_expected_number_of_episodes_without_overlaps()
    {
        var scenario = TestScenarios.Ward(50, TimeSpan.FromDays(1)) with
        {
            Artifacts =
            [
                new ArtifactSpec { Kind = ArtifactKind.Motion, PerPatientDay = 6 },
                new ArtifactSpec { Kind = ArtifactKind.ProbeOff, PerPatientDay = 2 },
            ],
        };

        var simulation = new WardSimulation(scenario);

        // Poisson: 300 motion episodes expected (sd ~17); a few are dropped where they would overlap another.
        Assert.InRange(simulation.Artifacts.Count(a => a.Kind == ArtifactKind.Motion), 240, 350);
        Assert.InRange(simulation.Artifacts.Count(a => a.Kind == ArtifactKind.ProbeOff), 70, 130);
        foreach (var patient in simulation.Artifacts.GroupBy(a => a.PatientId))
        {
            var episodes = patient.OrderBy(a => a.Start).ToList();
            Assert.All(episodes.Zip(episodes.Skip(1)), pair => Assert.True(pair.First.End <= pair.Second.Start));
        }
    }
}
