using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

public class TwinSnapshotTests
{
    private readonly Devices _devices = new();

    [Fact]
    public void A_snapshot_survives_bytes_unchanged()
    {
        var twin = BusyTwin();
        var snapshot = twin.Snapshot();

        var bytes = snapshot.ToBytes();
        var restored = TwinSnapshot.FromBytes(bytes);

        Assert.Equal(snapshot, restored);
        Assert.Equal(bytes, restored.ToBytes());
        Assert.Equal(snapshot.News2.Total, restored.News2.Total);
        Assert.Equal(snapshot.News2.SubScores, restored.News2.SubScores);
        Assert.Equal(snapshot.News2Inputs, restored.News2Inputs);
        Assert.Equal(snapshot.Projection!.Risk, restored.Projection!.Risk);
        Assert.Equal(snapshot.Latest.OrderBy(v => v.Key), restored.Latest.OrderBy(v => v.Key));
        Assert.Equal(snapshot.Vitals[VitalSign.HeartRate].TrendWindow, restored.Vitals[VitalSign.HeartRate].TrendWindow);
        Assert.Equal(snapshot.Vitals[VitalSign.HeartRate].Baseline, restored.Vitals[VitalSign.HeartRate].Baseline);
        Assert.Equal(snapshot.OpenAnomalies, restored.OpenAnomalies);
        Assert.Equal(snapshot.Context, restored.Context);
        Assert.Equal(snapshot.DeviceSequences.OrderBy(d => d.Key), restored.DeviceSequences.OrderBy(d => d.Key));
    }

    [Fact]
    public void The_busy_twin_has_every_kind_of_state_worth_carrying()
    {
        var snapshot = BusyTwin().Snapshot();

        Assert.Equal("ward-7", snapshot.Context.Ward);
        Assert.True(snapshot.Vitals[VitalSign.HeartRate].HeldBack > 0);
        Assert.True(snapshot.Vitals[VitalSign.HeartRate].Baseline.IsEstablished);
        Assert.NotNull(snapshot.Vitals[VitalSign.HeartRate].Forecast);
        Assert.True(snapshot.Vitals[VitalSign.RespiratoryRate].IsStale);
        Assert.NotSame(snapshot.Vitals[VitalSign.OxygenSaturation].Latest, snapshot.Vitals[VitalSign.OxygenSaturation].Scored);
        Assert.NotEmpty(snapshot.OpenAnomalies);
        Assert.Equal(3, snapshot.DeviceSequences.Count);
        Assert.NotNull(snapshot.Projection);
    }

    [Fact]
    public void A_restored_twin_carries_on_exactly_as_the_original()
    {
        var original = BusyTwin();
        var restored = PatientTwin.Restore(TwinSnapshot.FromBytes(original.Snapshot().ToBytes()));
        var monitorSequence = original.Snapshot().DeviceSequences["monitor-1"].Last;

        // The same continuation, including replays of readings the snapshot already holds, goes to both.
        var continuation = new List<Func<PatientTwin, string>>();
        for (int second = 1200; second < 1500; second++)
        {
            var heartRate = Readings.HeartRate(80 + ((second - 1200) / 6.0), ++monitorSequence, atSecond: second);
            continuation.Add(twin => Describe(twin.Apply(heartRate)));
            if (second % 60 == 0)
            {
                var duplicate = Readings.HeartRate(200, sequence: 5, atSecond: second);
                continuation.Add(twin => Describe(twin.Apply(duplicate)));
                var saturation = Readings.Of(VitalSign.OxygenSaturation, 91, sequence: (ulong)second, device: "oximeter", atSecond: second);
                continuation.Add(twin => Describe(twin.Apply(saturation)));
            }
        }

        continuation.Add(twin => $"{twin.RecordAnomaly(Readings.Anomaly("anomaly-late", VitalSign.HeartRate, 128, atSecond: 1490))}");
        continuation.Add(twin => $"{twin.AcknowledgeAnomaly("anomaly-spo2")}");
        continuation.Add(twin => Describe(twin.SetContext(twin.Context with { Consciousness = Consciousness.Voice })));
        continuation.Add(twin => DescribeRefresh(twin.RefreshStaleness(Readings.Start.AddSeconds(3000))));

        var originalSteps = continuation.Select(step => step(original)).ToList();
        var restoredSteps = continuation.Select(step => step(restored)).ToList();

        Assert.Equal(originalSteps, restoredSteps);
        Assert.Equal(5, originalSteps.Count(s => s.StartsWith(nameof(ReadingEffect.Duplicate), StringComparison.Ordinal)));
        Assert.Contains(originalSteps, s => s.Contains(nameof(StalenessChange), StringComparison.Ordinal));
        Assert.Equal(305, originalSteps.Count(s => s.StartsWith(nameof(ReadingEffect.Latest), StringComparison.Ordinal)));
        Assert.Contains(originalSteps, s => s.Contains(" True ", StringComparison.Ordinal));
        Assert.Equal(original.Snapshot(), restored.Snapshot());
        Assert.Equal(original.Snapshot().ToBytes(), restored.Snapshot().ToBytes());

        static string Describe(TwinChange change) =>
            $"{change.Effect} {change.News2Changed} {change.Previous.Total} {change.Current.Total} {change.Current.Risk} {change.ProjectedRiskChanged} {string.Join(", ", change.Staleness)}";

        static string DescribeRefresh(TwinRefresh refresh) => $"{refresh.Changed} {string.Join(", ", refresh.Staleness)}";
    }

    [Fact]
    public void A_snapshot_of_an_unknown_version_or_cut_short_is_refused()
    {
        var bytes = BusyTwin().Snapshot().ToBytes();

        var newer = (byte[])bytes.Clone();
        newer[0] = 99;

        Assert.Throws<InvalidDataException>(() => TwinSnapshot.FromBytes(newer));
        Assert.All(Enumerable.Range(0, bytes.Length), length => Assert.Throws<InvalidDataException>(() => TwinSnapshot.FromBytes(bytes[..length])));
    }

    [Fact]
    public void A_snapshot_is_compact()
    {
        var bytes = BusyTwin().Snapshot().ToBytes();

        // Five vitals, each with a 30-point trend window and up to 32 held-back readings, plus anomalies.
        Assert.InRange(bytes.Length, 500, 6 * 1024);
    }

    [Fact]
    public void The_registry_puts_a_restored_twin_in_place_of_the_old_one()
    {
        var registry = new TwinRegistry();
        var stale = registry.GetOrCreate("patient-1");
        var snapshot = BusyTwin().Snapshot();

        var restored = registry.Restore(snapshot);

        Assert.True(registry.TryGet("patient-1", out var found));
        Assert.Same(restored, found);
        Assert.NotSame(stale, found);
        Assert.Equal(snapshot, found!.Snapshot());
    }

    [Fact]
    public void Forecast_checks_artifact_episodes_and_who_recorded_the_context_survive_bytes_and_carry_on()
    {
        var original = CheckedTwin();
        var snapshot = original.Snapshot();
        var heartRate = snapshot.Vitals[VitalSign.HeartRate];
        Assert.NotNull(heartRate.Forecast!.Value.Lower);
        Assert.Equal(2, heartRate.RecentArtifacts.Count);
        Assert.Null(heartRate.RecentArtifacts[^1].EndedAt);
        Assert.Equal(("nurse-ito", Readings.Start.AddMinutes(1)), (snapshot.Context.RecordedBy, snapshot.Context.RecordedAt));

        var bytes = snapshot.ToBytes();
        var read = TwinSnapshot.FromBytes(bytes);
        var restored = PatientTwin.Restore(read);

        Assert.Equal(snapshot, read);
        Assert.Equal(bytes, read.ToBytes());
        Assert.Equal(heartRate.Forecast, read.Vitals[VitalSign.HeartRate].Forecast);
        Assert.Equal(heartRate.RecentArtifacts, read.Vitals[VitalSign.HeartRate].RecentArtifacts);
        Assert.Equal(snapshot.Context, read.Context);
        // The forecasts still waiting for their minute are checked after the restart as they would have been without it.
        for (int second = 3000; second < 4200; second++)
        {
            var reading = _devices.Reading(VitalSign.HeartRate, 80 + (Math.Sin(second / 97.0) * 6) + (Math.Sin(second * 1.7) * 2), second);
            original.Apply(reading);
            restored.Apply(reading);
        }

        Assert.Equal(original.Snapshot(), restored.Snapshot());
        Assert.Equal(original.Snapshot().Vitals[VitalSign.HeartRate].Forecast, restored.Snapshot().Vitals[VitalSign.HeartRate].Forecast);
        Assert.Equal(original.Snapshot().Vitals[VitalSign.HeartRate].RecentArtifacts, restored.Snapshot().Vitals[VitalSign.HeartRate].RecentArtifacts);
    }

    [Fact]
    public void A_snapshot_in_format_3_still_loads_as_the_twin_it_was_and_learns_the_new_state_from_then_on()
    {
        // Written by the format-3 code from the twin BusyTwin builds: the state both hold must read back the same.
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Snapshots", "twin-format-3.bin"));
        Assert.Equal(3, bytes[0]);
        var expected = BusyTwin().Snapshot();

        var old = TwinSnapshot.FromBytes(bytes);

        Assert.Equal(expected.Context, old.Context);
        Assert.Null(old.Context.RecordedBy);
        Assert.Equal((expected.News2.Total, expected.News2.Risk), (old.News2.Total, old.News2.Risk));
        Assert.Equal(expected.News2.SubScores, old.News2.SubScores);
        Assert.Equal(expected.Projection!.At, old.Projection!.At);
        Assert.Equal(expected.Latest.OrderBy(v => v.Key), old.Latest.OrderBy(v => v.Key));
        Assert.Equal(expected.DeviceSequences.OrderBy(d => d.Key), old.DeviceSequences.OrderBy(d => d.Key));
        Assert.Equal(expected.OpenAnomalies, old.OpenAnomalies);
        Assert.All(expected.Vitals.Values, vital =>
        {
            var read = old.Vitals[vital.Sign];
            Assert.Equal((vital.Baseline, vital.Forecast?.Value, vital.ScoredValue, vital.IsStale), (read.Baseline, read.Forecast?.Value, read.ScoredValue, read.IsStale));
            Assert.Equal(vital.TrendWindow, read.TrendWindow);
            Assert.Null(read.Forecast?.Lower);
            Assert.Empty(read.RecentArtifacts);
        });

        var twin = PatientTwin.Restore(old);
        for (int second = 1200; second < 3600; second++)
        {
            twin.Apply(_devices.Reading(VitalSign.HeartRate, 80 + Math.Sin(second), second, device: "monitor-2"));
        }

        var carriedOn = TwinSnapshot.FromBytes(twin.Snapshot().ToBytes());
        Assert.NotNull(carriedOn.Vitals[VitalSign.HeartRate].Forecast!.Value.Lower);
        Assert.Equal(twin.Snapshot(), carriedOn);
        Assert.Equal(5, twin.Snapshot().ToBytes()[0]);
    }

    // Fifty minutes of a heart rate with two dropouts, the second still open, on a patient whose context a nurse recorded.
    private PatientTwin CheckedTwin()
    {
        var twin = new PatientTwin("patient-1");
        twin.SetContext(new PatientContext(Ward: "ward-7", RecordedBy: "nurse-ito", RecordedAt: Readings.Start.AddMinutes(1)));
        for (int second = 0; second < 3000; second++)
        {
            var dropout = second is >= 1800 and < 1810 or >= 2995;
            twin.Apply(_devices.Reading(VitalSign.HeartRate, dropout ? 0 : 80 + (Math.Sin(second / 97.0) * 6) + (Math.Sin(second * 1.7) * 2), second));
        }

        return twin;
    }

    // Twenty minutes of three devices on a patient whose context and anomalies are set; respiration fell silent at ten.
    private PatientTwin BusyTwin()
    {
        var twin = new PatientTwin("patient-1");
        twin.SetContext(new PatientContext(OnSupplementalOxygen: true, SpO2Scale: SpO2Scale.Scale2, Ward: "ward-7", Bed: "12"));
        twin.Apply(_devices.Reading(VitalSign.BodyTemperature, 38.4, atSecond: 0, device: "patch"));
        for (int second = 0; second < 1200; second++)
        {
            twin.Apply(_devices.Reading(VitalSign.HeartRate, 70 + (second / 120.0) + Math.Sin(second), second));
            if (second % 5 == 0)
            {
                if (second < 600)
                {
                    twin.Apply(_devices.Reading(VitalSign.RespiratoryRate, 18 + (second % 3), second));
                }

                twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 93, second, device: "oximeter"));
            }
        }

        twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 60, atSecond: 1199, device: "oximeter", quality: ReadingQuality.ProbeOff));
        twin.RecordAnomaly(Readings.Anomaly("anomaly-hr", VitalSign.HeartRate, 79, atSecond: 1190));
        twin.RecordAnomaly(Readings.Anomaly("anomaly-spo2", VitalSign.OxygenSaturation, 93, atSecond: 1195, device: "oximeter"));
        twin.RefreshStaleness(Readings.Start.AddSeconds(1199));
        return twin;
    }
}
