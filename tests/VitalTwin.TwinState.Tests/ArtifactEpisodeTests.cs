using VitalTwin.Clinical;
using VitalTwin.Clinical.Screening;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

/// <summary>The artifact episodes the twin found in a vital's signal, kept for the charts that mark them.</summary>
public class ArtifactEpisodeTests
{
    private readonly Devices _devices = new();
    private readonly PatientTwin _twin = new("patient-1");

    [Fact]
    public void A_dropout_is_an_episode_from_its_first_reading_to_the_first_reading_scored_after_it()
    {
        _devices.Stream(_twin, VitalSign.HeartRate, 0, 120, _ => 75);
        _devices.Stream(_twin, VitalSign.HeartRate, 120, 130, _ => 0);
        VitalStatus? settling = null;
        DateTimeOffset? firstScored = null;
        for (int second = 130; second < 200; second++)
        {
            _twin.Apply(_devices.Reading(VitalSign.HeartRate, 75, second));
            var heartRate = _twin.Snapshot().Vitals[VitalSign.HeartRate];
            settling ??= heartRate;
            firstScored ??= heartRate.Scored!.ObservedAt > Readings.Start.AddSeconds(120) ? heartRate.Scored.ObservedAt : null;
        }

        var after = _twin.Snapshot().Vitals[VitalSign.HeartRate];

        // Plausible readings stay out for the screen's settling time: the episode lasts until one is scored again.
        Assert.Equal([new SignalArtifactEpisode(SignalArtifact.Dropout, Readings.Start.AddSeconds(120), null)], settling!.RecentArtifacts);
        Assert.Equal(SignalArtifact.Dropout, settling.Artifact);
        var ended = Readings.Start.AddSeconds(130) + ArtifactScreen.Settling;
        Assert.Equal([new SignalArtifactEpisode(SignalArtifact.Dropout, Readings.Start.AddSeconds(120), ended)], after.RecentArtifacts);
        Assert.Equal(SignalArtifact.None, after.Artifact);
        Assert.Equal(ended, firstScored);
    }

    [Fact]
    public void Only_the_latest_five_episodes_are_kept_oldest_first()
    {
        for (int episode = 0; episode < 7; episode++)
        {
            int start = episode * 100;
            _devices.Stream(_twin, VitalSign.HeartRate, start, start + 60, _ => 75);
            _devices.Stream(_twin, VitalSign.HeartRate, start + 60, start + 65, _ => 0);
        }

        var episodes = _twin.Snapshot().Vitals[VitalSign.HeartRate].RecentArtifacts;

        Assert.Equal([260, 360, 460, 560, 660], episodes.Select(e => (int)(e.StartedAt - Readings.Start).TotalSeconds));
        Assert.All(episodes.SkipLast(1), e => Assert.NotNull(e.EndedAt));
        Assert.Null(episodes[^1].EndedAt);
    }

    [Fact]
    public void Readings_the_device_flagged_open_no_episode()
    {
        _devices.Stream(_twin, VitalSign.HeartRate, 0, 60, _ => 75);
        for (int second = 60; second < 70; second++)
        {
            _twin.Apply(_devices.Reading(VitalSign.HeartRate, 0, second, quality: ReadingQuality.ProbeOff));
        }

        Assert.Empty(_twin.Snapshot().Vitals[VitalSign.HeartRate].RecentArtifacts);
    }

    [Fact]
    public void Each_vital_keeps_its_own_episodes()
    {
        _devices.Stream(_twin, VitalSign.HeartRate, 0, 60, _ => 75);
        _devices.Stream(_twin, VitalSign.RespiratoryRate, 0, 60, s => s < 30 ? 16 : 0, device: "capnograph");

        var snapshot = _twin.Snapshot();

        Assert.Empty(snapshot.Vitals[VitalSign.HeartRate].RecentArtifacts);
        Assert.Equal([new SignalArtifactEpisode(SignalArtifact.Dropout, Readings.Start.AddSeconds(30), null)], snapshot.Vitals[VitalSign.RespiratoryRate].RecentArtifacts);
    }
}
