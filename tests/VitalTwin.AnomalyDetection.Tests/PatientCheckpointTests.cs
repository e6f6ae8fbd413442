using System.Buffers.Binary;
using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Detection;

namespace VitalTwin.AnomalyDetection.Tests;

public class PatientCheckpointTests
{
    private const string Patient = "patient-1";

    // Format byte and vital count, then per vital its sign, last value, repeat count, last accepted time (UTC ticks),
    // baseline (level, spread, count) and detector count; then the first detector's length prefix.
    private const int VitalCountOffset = 1;
    private const int LastAcceptedOffset = 1 + 4 + 4 + 8 + 4;
    private const int FirstDetectorLengthOffset = LastAcceptedOffset + 8 + (8 + 8 + 8) + 4;

    private static readonly Reading[] Script = BuildScript();

    public static TheoryData<string, int> Cuts
    {
        get
        {
            var cuts = new TheoryData<string, int>();
            foreach (var bank in new[] { "default", "sensitive" })
            {
                // Start, first full window, after a spike, inside a change point's cooldown, inside a flat line,
                // right after a gap, and late.
                foreach (var cut in new[] { 0, 1, 240, 802, 1012, 1230, 2203, 3000, 4200 })
                {
                    cuts.Add(bank, cut);
                }
            }
            return cuts;
        }
    }

    [Theory]
    [MemberData(nameof(Cuts))]
    public void A_patient_restored_mid_stream_continues_exactly_as_the_original(string bank, int cut)
    {
        var original = new PatientMonitor(Patient, Options(bank));
        for (var i = 0; i < cut; i++)
        {
            Observe(original, Script[i]);
        }

        var restored = PatientMonitor.Restore(Patient, original.Checkpoint(), Options(bank));

        Assert.Equal(Patient, restored.PatientId);
        var spikes = 0;
        var changePoints = 0;
        var restarts = 0;
        for (var i = cut; i < Script.Length; i++)
        {
            var expected = Observe(original, Script[i]);
            var actual = Observe(restored, Script[i]);
            Assert.True(expected.Artifact == actual.Artifact, $"artifact differs at reading {i}");
            Assert.True(expected.LearningRestarted == actual.LearningRestarted, $"restart differs at reading {i}");
            Assert.True(expected.Findings.SequenceEqual(actual.Findings), $"findings differ at reading {i}");
            var sign = Script[i].Sign;
            Assert.True(Bits(original.Vitals[sign].Baseline) == Bits(restored.Vitals[sign].Baseline), $"baseline differs at reading {i}");
            spikes += expected.Findings.Count(f => f.Kind == AnomalyKind.Spike);
            changePoints += expected.Findings.Count(f => f.Kind == AnomalyKind.ChangePoint);
            restarts += expected.LearningRestarted ? 1 : 0;
        }

        // The rest of the script must exercise what the checkpoint carries, or the comparison proves little.
        Assert.True(spikes >= 2, $"{spikes} spikes after the cut");
        Assert.True(bank == "default" || changePoints >= 2, $"{changePoints} change points after the cut");
        Assert.True(cut > 2200 || restarts > 0, "no restart after the cut");
        Assert.Equal(original.Checkpoint(), restored.Checkpoint());
    }

    [Fact]
    public void A_restored_patient_checkpoints_to_the_same_bytes()
    {
        var patient = PatientAfter(1500);
        var checkpoint = patient.Checkpoint();

        var restored = PatientMonitor.Restore(Patient, checkpoint, new DetectionOptions());

        Assert.Equal(checkpoint, restored.Checkpoint());
        Assert.Equal(patient.Vitals.Keys.Order(), restored.Vitals.Keys.Order());
    }

    [Fact]
    public void Dirty_is_set_by_every_reading_and_cleared_by_a_checkpoint()
    {
        var patient = new PatientMonitor(Patient, new DetectionOptions());
        Assert.False(patient.Dirty);

        patient.Observe(VitalSign.HeartRate, 72, Readings.Start, deviceFlaggedArtifact: false);
        Assert.True(patient.Dirty);

        patient.Checkpoint();
        Assert.False(patient.Dirty);
        patient.Checkpoint();
        Assert.False(patient.Dirty);

        patient.Observe(VitalSign.HeartRate, 250, Readings.Start.AddSeconds(1), deviceFlaggedArtifact: true);
        Assert.True(patient.Dirty);
    }

    [Fact]
    public void A_restored_patient_is_not_dirty_until_it_observes()
    {
        var restored = PatientMonitor.Restore(Patient, PatientAfter(300).Checkpoint(), new DetectionOptions());

        Assert.False(restored.Dirty);
        restored.Observe(VitalSign.OxygenSaturation, 97, Readings.Start.AddHours(1), deviceFlaggedArtifact: false);
        Assert.True(restored.Dirty);
    }

    public static TheoryData<string> OtherBanks => ["window size", "confidence", "detector type", "detector count", "side", "martingale"];

    [Theory]
    [MemberData(nameof(OtherBanks))]
    public void A_checkpoint_taken_with_another_bank_is_refused(string change)
    {
        var checkpoint = PatientAfter(300).Checkpoint();
        var spike = Readings.Spike();
        var changePoint = new DetectorSpec { Type = DetectorType.IidChangePoint, Confidence = 99.5, WindowSize = 60 };
        List<DetectorSpec> bank = change switch
        {
            "window size" => [Readings.Spike(99.9, 100), changePoint],
            "confidence" => [Readings.Spike(99, 120), changePoint],
            "detector type" => [changePoint, spike],
            "detector count" => [spike],
            "side" => [new() { Type = DetectorType.IidSpike, Confidence = 99.9, WindowSize = 120, Side = AnomalySide.Negative }, changePoint],
            "martingale" => [spike, new() { Type = DetectorType.IidChangePoint, Confidence = 99.5, WindowSize = 60, Martingale = MartingaleType.Mixture }],
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };

        Assert.Throws<InvalidDataException>(() => PatientMonitor.Restore(Patient, checkpoint, new DetectionOptions { Detectors = bank }));
    }

    [Fact]
    public void The_same_bank_spelled_out_is_accepted()
    {
        var checkpoint = PatientAfter(300).Checkpoint();
        List<DetectorSpec> bank =
        [
            Readings.Spike(99.9, 120),
            new() { Type = DetectorType.IidChangePoint, Confidence = 95, WindowSize = 20, Martingale = MartingaleType.Mixture },
        ];

        var restored = PatientMonitor.Restore(Patient, checkpoint, new DetectionOptions { Detectors = bank });

        Assert.Equal(checkpoint, restored.Checkpoint());
    }

    [Fact]
    public void A_checkpoint_is_refused_when_one_vital_now_has_another_bank()
    {
        var checkpoint = PatientAfter(300).Checkpoint();
        var options = new DetectionOptions { Vitals = { [VitalSign.OxygenSaturation] = [Readings.Spike(99.9, 30)] } };

        Assert.Throws<InvalidDataException>(() => PatientMonitor.Restore(Patient, checkpoint, options));
    }

    [Fact]
    public void Every_truncation_is_refused()
    {
        var checkpoint = PatientAfter(300).Checkpoint();

        for (var length = 0; length < checkpoint.Length; length++)
        {
            var truncated = checkpoint[..length];
            var error = Record.Exception(() => PatientMonitor.Restore(Patient, truncated, new DetectionOptions()));
            Assert.True(error is InvalidDataException, $"{length} of {checkpoint.Length} bytes: {error?.GetType().Name ?? "restored"}");
        }
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        var checkpoint = PatientAfter(300).Checkpoint();

        Assert.Throws<InvalidDataException>(() => PatientMonitor.Restore(Patient, [.. checkpoint, 0], new DetectionOptions()));
    }

    [Fact]
    public void An_unknown_format_or_vital_is_refused()
    {
        var checkpoint = PatientAfter(300).Checkpoint();
        var otherFormat = checkpoint.ToArray();
        otherFormat[0] = 4;
        var unknownVital = checkpoint.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(unknownVital.AsSpan(5), 99);

        Assert.Throws<InvalidDataException>(() => PatientMonitor.Restore(Patient, otherFormat, new DetectionOptions()));
        Assert.Throws<InvalidDataException>(() => PatientMonitor.Restore(Patient, unknownVital, new DetectionOptions()));
        Assert.Throws<InvalidDataException>(() => PatientMonitor.Restore(Patient, [], new DetectionOptions()));
    }

    [Fact]
    public void A_negative_detector_length_is_refused_as_invalid_data()
    {
        var checkpoint = OneVitalCheckpoint();
        Assert.InRange(BinaryPrimitives.ReadInt32LittleEndian(checkpoint.AsSpan(FirstDetectorLengthOffset)), 1, checkpoint.Length);
        BinaryPrimitives.WriteInt32LittleEndian(checkpoint.AsSpan(FirstDetectorLengthOffset), -1);

        Assert.Throws<InvalidDataException>(() => PatientMonitor.Restore(Patient, checkpoint, new DetectionOptions()));
    }

    [Fact]
    public void A_last_reading_time_out_of_range_is_refused_as_invalid_data()
    {
        var checkpoint = OneVitalCheckpoint();
        Assert.Equal(Readings.Start.AddSeconds(199).UtcTicks, BinaryPrimitives.ReadInt64LittleEndian(checkpoint.AsSpan(LastAcceptedOffset)));
        BinaryPrimitives.WriteInt64LittleEndian(checkpoint.AsSpan(LastAcceptedOffset), long.MaxValue);

        Assert.Throws<InvalidDataException>(() => PatientMonitor.Restore(Patient, checkpoint, new DetectionOptions()));
    }

    [Fact]
    public void A_negative_vital_count_is_refused_as_invalid_data()
    {
        var checkpoint = new PatientMonitor(Patient, new DetectionOptions()).Checkpoint();
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(checkpoint.AsSpan(VitalCountOffset)));
        BinaryPrimitives.WriteInt32LittleEndian(checkpoint.AsSpan(VitalCountOffset), -1);

        Assert.Throws<InvalidDataException>(() => PatientMonitor.Restore(Patient, checkpoint, new DetectionOptions()));
    }

    [Fact]
    public void A_corrupted_byte_anywhere_restores_or_is_refused_as_invalid_data()
    {
        var checkpoint = OneVitalCheckpoint();
        var failures = new List<string>();

        for (var position = 0; position < checkpoint.Length; position++)
        {
            foreach (var corrupt in new byte[] { 0xFF, 0x80 })
            {
                var damaged = checkpoint.ToArray();
                damaged[position] = corrupt;
                var error = Record.Exception(() => PatientMonitor.Restore(Patient, damaged, new DetectionOptions()));
                if (error is not (null or InvalidDataException))
                {
                    failures.Add($"0x{corrupt:X2} at {position}: {error.GetType().Name}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    [Fact]
    public void Random_bytes_after_a_valid_format_byte_are_refused()
    {
        var random = new Random(41);

        for (var i = 0; i < 200; i++)
        {
            var garbage = new byte[1 + random.Next(0, 300)];
            random.NextBytes(garbage);
            garbage[0] = 1;
            var error = Record.Exception(() => PatientMonitor.Restore(Patient, garbage, new DetectionOptions()));
            Assert.True(error is InvalidDataException, $"garbage #{i}: {error?.GetType().Name ?? "restored"}");
        }
    }

    private static DetectionOptions Options(string bank) => bank switch
    {
        "default" => new DetectionOptions(),
        "sensitive" => new DetectionOptions { Detectors = [Readings.Spike(), Readings.ChangePoint()] },
        _ => throw new ArgumentOutOfRangeException(nameof(bank)),
    };

    private static PatientMonitor PatientAfter(int readings)
    {
        var patient = new PatientMonitor(Patient, new DetectionOptions());
        foreach (var reading in Script[..readings])
        {
            Observe(patient, reading);
        }
        return patient;
    }

    private static byte[] OneVitalCheckpoint()
    {
        var patient = new PatientMonitor(Patient, new DetectionOptions());
        foreach (var (reading, sequence) in Script.Where(r => r.Sign == VitalSign.HeartRate).Take(200).Select((r, i) => (r, (ulong)i + 1)))
        {
            patient.Admit("monitor-1", bootId: 0xb007, sequence);
            Observe(patient, reading);
        }
        return patient.Checkpoint();
    }

    private static MonitorOutcome Observe(PatientMonitor patient, Reading reading) =>
        patient.Observe(reading.Sign, reading.Value, reading.At, reading.Flagged);

    private static (long, long, long) Bits(PersonalBaseline baseline) =>
        (BitConverter.DoubleToInt64Bits(baseline.Level), BitConverter.DoubleToInt64Bits(baseline.Spread), baseline.Count);

    // Heart rate and SpO2 a second apart for 2400 s: spikes both ways, level shifts, a stuck sensor, flagged readings,
    // dropouts and a 20-minute silence, in a local time zone so the restored UTC timestamps are put to the test.
    private static Reading[] BuildScript()
    {
        const int seconds = 2400;
        var heartRate = Readings.Noisy(72, 1, seconds, seed: 51);
        var saturation = Readings.Noisy(97, 0.5, seconds, seed: 52);
        for (var t = 0; t < seconds; t++)
        {
            heartRate[t] += t >= 500 ? 14 : 0;
            heartRate[t] -= t >= 1700 ? 20 : 0;
            heartRate[t] += t >= 2200 ? 10 : 0;
            saturation[t] -= t >= 900 ? 4 : 0;
            saturation[t] += t >= 1900 ? 3 : 0;
            saturation[t] -= t >= 2250 ? 3 : 0;
        }
        foreach (var t in new[] { 300, 700, 1300, 1600, 2000, 2300 })
        {
            heartRate[t] += t % 200 == 0 ? 40 : -30;
        }
        foreach (var t in new[] { 400, 1400, 2100, 2350 })
        {
            saturation[t] -= 12;
        }
        for (var t = 600; t < 640; t++)
        {
            heartRate[t] = 86.05;
        }

        var readings = new List<Reading>();
        var at = Readings.Start;
        for (var t = 0; t < seconds; t++)
        {
            if (t == 1100)
            {
                at += TimeSpan.FromMinutes(20);
            }
            readings.Add(new Reading(VitalSign.HeartRate, t == 800 ? 0 : heartRate[t], at, Flagged: t % 250 == 7));
            readings.Add(new Reading(VitalSign.OxygenSaturation, saturation[t], at, Flagged: t == 1000));
            at = at.AddSeconds(1);
        }
        return [.. readings];
    }

    private sealed record Reading(VitalSign Sign, double Value, DateTimeOffset At, bool Flagged);
}
