using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;

namespace VitalTwin.AnomalyDetection.Tests;

/// <summary>
/// A patient's monitor recognises a reading it has applied by device, boot and sequence number, however it comes back:
/// resent through a Gateway that forgot it, or replayed to a monitor restored from its checkpoint.
/// </summary>
public class ResentReadingTests
{
    private const string Patient = "patient-1", Device = "monitor-1";
    private const ulong Boot = 0xb007_0001, NextBoot = 0xb007_0002;
    // 150 steady readings fill the spike detector's 120-reading window; the 151st jumps away from it.
    private const int Steady = 150;

    [Fact]
    public void A_reading_is_admitted_once_per_device_and_boot()
    {
        var patient = new PatientMonitor(Patient, new DetectionOptions());

        Assert.True(patient.Admit(Device, Boot, 1));
        Assert.True(patient.Admit(Device, Boot, 2));
        Assert.False(patient.Admit(Device, Boot, 2));
        Assert.False(patient.Admit(Device, Boot, 1));
        Assert.True(patient.Admit("monitor-2", Boot, 1));
        // The device restarted and numbers from 1 again under a new boot id: new readings.
        Assert.True(patient.Admit(Device, NextBoot, 1));
        Assert.False(patient.Admit(Device, NextBoot, 1));
        Assert.True(patient.Admit(Device, NextBoot, 2));
    }

    [Fact]
    public void A_resent_batch_is_refused_reading_by_reading_and_its_spike_flagged_once()
    {
        var patient = new PatientMonitor(Patient, new DetectionOptions());

        var first = Deliver(patient, SteadyThenSpike());
        var checkpoint = patient.Checkpoint();
        var resent = Deliver(patient, SteadyThenSpike());

        Assert.Single(first, f => f.Kind == AnomalyKind.Spike);
        Assert.Empty(resent);
        // Nothing of the resend reached a detector or the baseline.
        Assert.False(patient.Dirty);
        Assert.Equal(checkpoint, patient.Checkpoint());
    }

    [Fact]
    public void A_monitor_restored_from_its_checkpoint_refuses_what_it_had_applied_and_takes_what_follows()
    {
        var original = new PatientMonitor(Patient, new DetectionOptions());
        Deliver(original, SteadyThenSpike());

        var restored = PatientMonitor.Restore(Patient, original.Checkpoint(), new DetectionOptions());

        Assert.False(restored.Dirty);
        Assert.Empty(Deliver(restored, SteadyThenSpike()));
        Assert.False(restored.Dirty);
        Assert.Equal(original.Checkpoint(), restored.Checkpoint());
        Assert.True(restored.Admit(Device, Boot, Steady + 2));
        Assert.True(restored.Dirty);
    }

    [Fact]
    public void A_checkpoint_of_the_format_before_reading_identities_restores_and_admits_every_reading()
    {
        var original = new PatientMonitor(Patient, new DetectionOptions());
        foreach (var (sequence, value, at) in SteadyThenSpike().Take(Steady))
        {
            original.Observe(VitalSign.HeartRate, value, at, deviceFlaggedArtifact: false);
        }
        var current = original.Checkpoint();
        // Format 2 is format 3 without the trailing marks: here a count of none.
        Assert.Equal((3, 0), (current[0], current[^1]));
        byte[] formatTwo = [2, .. current[1..^1]];

        var restored = PatientMonitor.Restore(Patient, formatTwo, new DetectionOptions());

        Assert.Equal(original.Vitals[VitalSign.HeartRate].Baseline.Count, restored.Vitals[VitalSign.HeartRate].Baseline.Count);
        Assert.True(restored.Admit(Device, Boot, 1));
        Assert.Equal(current, PatientMonitor.Restore(Patient, current, new DetectionOptions()).Checkpoint());
    }

    /// <summary>Feeds what the consumer would: only readings the monitor admits. Returns the findings.</summary>
    private static List<AnomalyFinding> Deliver(PatientMonitor patient, IEnumerable<(ulong Sequence, double Value, DateTimeOffset At)> readings)
    {
        var findings = new List<AnomalyFinding>();
        foreach (var (sequence, value, at) in readings)
        {
            if (patient.Admit(Device, Boot, sequence))
            {
                findings.AddRange(patient.Observe(VitalSign.HeartRate, value, at, deviceFlaggedArtifact: false).Findings);
            }
        }
        return findings;
    }

    private static IEnumerable<(ulong Sequence, double Value, DateTimeOffset At)> SteadyThenSpike()
    {
        var steady = Readings.Noisy(72, 1, Steady, seed: 7);
        for (var i = 0; i < Steady; i++)
        {
            yield return ((ulong)i + 1, steady[i], Readings.Start.AddSeconds(i));
        }
        yield return (Steady + 1, 150, Readings.Start.AddSeconds(Steady));
    }
}
