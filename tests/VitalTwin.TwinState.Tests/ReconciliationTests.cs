using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

public class ReconciliationTests
{
    private readonly PatientTwin _twin = new("patient-1");
    private readonly Devices _devices = new();

    [Fact]
    public void Two_devices_measuring_the_same_vital_are_not_counted_twice()
    {
        for (int second = 0; second < 120; second++)
        {
            _twin.Apply(_devices.Reading(VitalSign.HeartRate, 72, second, device: "ecg"));
            var fromOximeter = _twin.Apply(_devices.Reading(VitalSign.HeartRate, 75, second, device: "oximeter"));
            Assert.Equal(ReadingEffect.Reconciled, fromOximeter.Effect);
        }

        _twin.RefreshStaleness(Readings.Start.AddSeconds(120) + TwinSettings.Default.BaselineHoldBack);

        var snapshot = _twin.Snapshot();
        var heartRate = snapshot.Vitals[VitalSign.HeartRate];
        Assert.Equal(240ul, snapshot.ReadingsApplied);
        Assert.Equal("ecg", heartRate.Latest.DeviceId);
        Assert.Equal(120, heartRate.Baseline.Count);
        Assert.Equal(72, heartRate.Baseline.Level);
        Assert.Equal(72, Assert.Single(heartRate.TrendWindow).Mean);
    }

    [Fact]
    public void A_cleaner_source_displaces_a_doubtful_one()
    {
        _twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 88, atSecond: 0, device: "wrist", quality: ReadingQuality.LowPerfusion));

        var clean = _twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 95, atSecond: 1, device: "finger"));
        var doubtfulAgain = _twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 87, atSecond: 2, device: "wrist", quality: ReadingQuality.Questionable));

        Assert.Equal(ReadingEffect.Latest, clean.Effect);
        Assert.Equal(ReadingEffect.Reconciled, doubtfulAgain.Effect);
        var latest = _twin.Snapshot().Latest[VitalSign.OxygenSaturation];
        Assert.Equal(("finger", 95.0), (latest.DeviceId, latest.Value));
    }

    [Fact]
    public void A_clean_reading_from_another_device_replaces_an_artifact()
    {
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 0, device: "ecg"));
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 160, atSecond: 1, device: "ecg", quality: ReadingQuality.MotionArtifact));

        var change = _twin.Apply(_devices.Reading(VitalSign.HeartRate, 74, atSecond: 2, device: "oximeter"));

        Assert.Equal(ReadingEffect.Latest, change.Effect);
        Assert.Equal("oximeter", _twin.Snapshot().Vitals[VitalSign.HeartRate].Scored!.DeviceId);
    }

    [Fact]
    public void When_the_source_falls_silent_the_other_device_takes_over()
    {
        var window = (int)TwinSettings.Default.ReconciliationWindow.TotalSeconds;
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 0, device: "ecg"));

        var withinWindow = _twin.Apply(_devices.Reading(VitalSign.HeartRate, 80, atSecond: window, device: "oximeter"));
        var pastWindow = _twin.Apply(_devices.Reading(VitalSign.HeartRate, 81, atSecond: window + 1, device: "oximeter"));
        var formerSource = _twin.Apply(_devices.Reading(VitalSign.HeartRate, 73, atSecond: window + 2, device: "ecg"));

        Assert.Equal(ReadingEffect.Reconciled, withinWindow.Effect);
        Assert.Equal(ReadingEffect.Latest, pastWindow.Effect);
        Assert.Equal(ReadingEffect.Reconciled, formerSource.Effect);
        Assert.Equal("oximeter", _twin.Snapshot().Latest[VitalSign.HeartRate].DeviceId);
    }

    [Fact]
    public void Different_vitals_from_different_devices_are_all_kept()
    {
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 0, device: "ecg"));
        var saturation = _twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 97, atSecond: 0, device: "oximeter"));

        Assert.Equal(ReadingEffect.Latest, saturation.Effect);
        Assert.Equal(2, _twin.Snapshot().Latest.Count);
    }
}
