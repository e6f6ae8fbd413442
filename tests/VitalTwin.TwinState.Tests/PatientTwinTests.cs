using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

public class PatientTwinTests
{
    private readonly PatientTwin _twin = new("patient-1");

    [Fact]
    public void A_reading_becomes_the_latest_value_and_is_scored()
    {
        var reading = Readings.HeartRate(125, sequence: 1, atSecond: 30);

        var change = _twin.Apply(reading);

        Assert.True(change.Applied);
        Assert.Equal(ReadingEffect.Latest, change.Effect);
        Assert.Same(change.Current, _twin.Snapshot().News2);
        var snapshot = _twin.Snapshot();
        Assert.Equal(reading, snapshot.Latest[VitalSign.HeartRate]);
        Assert.Equal(Readings.Start.AddSeconds(30), snapshot.UpdatedAt);
        Assert.Equal(1ul, snapshot.ReadingsApplied);
        Assert.Equal(2, Pulse(snapshot.News2).Score);
        Assert.Equal(2, snapshot.News2.Total);
        Assert.False(snapshot.News2.Complete);
    }

    [Fact]
    public void A_newer_reading_replaces_the_value_and_rescoring_follows_it()
    {
        // Scoring reading by reading, without the median window and band hold (RobustNews2Tests has those).
        var twin = new PatientTwin("patient-1", TwinSettings.Default with { News2Hold = TimeSpan.Zero, News2WindowReadings = 1, News2WindowMinReadings = 1 });
        twin.Apply(Readings.HeartRate(125, sequence: 1, atSecond: 0));

        var change = twin.Apply(Readings.HeartRate(72, sequence: 2, atSecond: 10));

        Assert.Equal(72, twin.Snapshot().Latest[VitalSign.HeartRate].Value);
        Assert.Equal(0, Pulse(change.Current).Score);
        Assert.Equal(2, change.Previous.Total);
        Assert.Equal(0, change.Current.Total);
    }

    [Theory]
    [InlineData(5ul)]
    [InlineData(4ul)]
    [InlineData(0ul)]
    public void A_sequence_number_not_above_the_last_applied_one_is_ignored(ulong replayed)
    {
        _twin.Apply(Readings.HeartRate(72, sequence: 5, atSecond: 0));
        var before = _twin.Snapshot();

        var change = _twin.Apply(Readings.HeartRate(140, sequence: replayed, atSecond: 60));

        Assert.False(change.Applied);
        Assert.False(change.News2Changed);
        var after = _twin.Snapshot();
        Assert.Equal(1ul, after.ReadingsApplied);
        Assert.Equal(72, after.Latest[VitalSign.HeartRate].Value);
        Assert.Equal(before.UpdatedAt, after.UpdatedAt);
        Assert.Same(before.News2, after.News2);
    }

    [Fact]
    public void A_restarted_device_numbering_from_one_under_a_new_boot_is_applied_and_its_resends_are_not()
    {
        _twin.Apply(Readings.HeartRate(72, sequence: 500, atSecond: 0) with { BootId = 0xa });

        var restarted = _twin.Apply(Readings.HeartRate(80, sequence: 1, atSecond: 60) with { BootId = 0xb });
        var resent = _twin.Apply(Readings.HeartRate(140, sequence: 1, atSecond: 60) with { BootId = 0xb });
        var restored = PatientTwin.Restore(TwinSnapshot.FromBytes(_twin.Snapshot().ToBytes()));
        var resentAfterRestore = restored.Apply(Readings.HeartRate(140, sequence: 1, atSecond: 60) with { BootId = 0xb });
        var nextAfterRestore = restored.Apply(Readings.HeartRate(84, sequence: 2, atSecond: 61) with { BootId = 0xb });

        Assert.Equal((true, false, false, true), (restarted.Applied, resent.Applied, resentAfterRestore.Applied, nextAfterRestore.Applied));
        Assert.Equal(new DeviceSequence(0xb, 2), restored.Snapshot().DeviceSequences["monitor-1"]);
        Assert.Equal(84, restored.Snapshot().Latest[VitalSign.HeartRate].Value);
        Assert.Equal(3ul, restored.Snapshot().ReadingsApplied);
    }

    [Fact]
    public void Sequence_numbers_are_tracked_per_device()
    {
        _twin.Apply(Readings.HeartRate(72, sequence: 100, device: "monitor-a", atSecond: 0));

        var fromOtherDevice = _twin.Apply(Readings.Of(VitalSign.OxygenSaturation, 97, sequence: 1, device: "oximeter-b", atSecond: 1));
        var replayOnFirst = _twin.Apply(Readings.HeartRate(80, sequence: 100, device: "monitor-a", atSecond: 2));
        var nextOnSecond = _twin.Apply(Readings.Of(VitalSign.OxygenSaturation, 95, sequence: 2, device: "oximeter-b", atSecond: 3));

        Assert.True(fromOtherDevice.Applied);
        Assert.False(replayOnFirst.Applied);
        Assert.True(nextOnSecond.Applied);
        var snapshot = _twin.Snapshot();
        Assert.Equal(3ul, snapshot.ReadingsApplied);
        Assert.Equal(72, snapshot.Latest[VitalSign.HeartRate].Value);
        Assert.Equal(95, snapshot.Latest[VitalSign.OxygenSaturation].Value);
        Assert.Equal("oximeter-b", snapshot.Latest[VitalSign.OxygenSaturation].DeviceId);
    }

    [Fact]
    public void A_late_reading_is_counted_but_does_not_replace_a_newer_value()
    {
        _twin.Apply(Readings.HeartRate(72, sequence: 1, device: "monitor-a", atSecond: 60));
        var before = _twin.Snapshot();

        var change = _twin.Apply(Readings.HeartRate(140, sequence: 1, device: "monitor-b", atSecond: 30));

        Assert.True(change.Applied);
        Assert.Equal(ReadingEffect.Late, change.Effect);
        Assert.False(change.News2Changed);
        var after = _twin.Snapshot();
        Assert.Equal(2ul, after.ReadingsApplied);
        Assert.Equal(72, after.Latest[VitalSign.HeartRate].Value);
        Assert.Equal("monitor-a", after.Latest[VitalSign.HeartRate].DeviceId);
        Assert.Equal(before.UpdatedAt, after.UpdatedAt);
        Assert.Equal(0, Pulse(change.Current).Score);
    }

    [Fact]
    public void A_reading_observed_at_the_same_instant_replaces_the_value()
    {
        _twin.Apply(Readings.HeartRate(72, sequence: 1, atSecond: 60));

        var change = _twin.Apply(Readings.HeartRate(74, sequence: 2, atSecond: 60));

        Assert.Equal(74, _twin.Snapshot().Latest[VitalSign.HeartRate].Value);
    }

    [Fact]
    public void Updated_at_does_not_move_back_when_a_first_reading_of_another_vital_arrives_late()
    {
        _twin.Apply(Readings.HeartRate(72, sequence: 1, device: "monitor-a", atSecond: 60));

        var change = _twin.Apply(Readings.Of(VitalSign.OxygenSaturation, 97, sequence: 1, device: "oximeter-b", atSecond: 30));

        Assert.Equal(97, _twin.Snapshot().Latest[VitalSign.OxygenSaturation].Value);
        Assert.Equal(Readings.Start.AddSeconds(60), _twin.Snapshot().UpdatedAt);
    }

    [Fact]
    public void A_snapshot_does_not_change_when_the_twin_does()
    {
        _twin.Apply(Readings.HeartRate(72, sequence: 1, atSecond: 0));
        var snapshot = _twin.Snapshot();

        _twin.Apply(Readings.HeartRate(140, sequence: 2, atSecond: 10));
        _twin.Apply(Readings.Of(VitalSign.BodyTemperature, 38.5, sequence: 3, atSecond: 20));
        _twin.RecordAnomaly(Readings.Anomaly("anomaly-1", VitalSign.HeartRate, 140, atSecond: 10));
        _twin.SetContext(new PatientContext(OnSupplementalOxygen: true));

        Assert.Single(snapshot.Latest);
        Assert.Equal(72, snapshot.Latest[VitalSign.HeartRate].Value);
        Assert.Equal(1ul, snapshot.ReadingsApplied);
        Assert.Equal(0u, snapshot.AnomaliesSeen);
        Assert.Empty(snapshot.OpenAnomalies);
        Assert.Equal(PatientContext.Unrecorded, snapshot.Context);
        Assert.Equal(1u, _twin.Snapshot().AnomaliesSeen);
        Assert.Single(_twin.Snapshot().OpenAnomalies);
    }

    private static News2SubScore Pulse(News2Result news2) => news2.SubScores.Single(s => s.Parameter == News2Parameter.Pulse);
}
