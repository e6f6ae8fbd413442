using VitalTwin.Clinical;
using VitalTwin.Clinical.Screening;

namespace VitalTwin.Clinical.Tests;

public class ArtifactScreenTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly ArtifactScreen _screen = new();

    [Fact]
    public void A_zero_is_a_dropout_and_the_vital_stays_out_until_it_has_been_plausible_for_the_settling_time()
    {
        Assert.Equal(SignalArtifact.None, _screen.Screen(VitalSign.OxygenSaturation, 97, Start));
        Assert.Equal(SignalArtifact.Dropout, _screen.Screen(VitalSign.OxygenSaturation, 0, Start.AddSeconds(5)));

        Assert.Equal(SignalArtifact.Dropout, _screen.Screen(VitalSign.OxygenSaturation, 96, Start.AddSeconds(10)));
        Assert.Equal(SignalArtifact.Dropout, _screen.Screen(VitalSign.OxygenSaturation, 96, Start.AddSeconds(10) + ArtifactScreen.Settling - TimeSpan.FromSeconds(1)));
        Assert.Equal(SignalArtifact.None, _screen.Screen(VitalSign.OxygenSaturation, 96, Start.AddSeconds(10) + ArtifactScreen.Settling));
        Assert.Equal(SignalArtifact.None, _screen.Screen(VitalSign.BodyTemperature, 0, Start));
    }

    [Fact]
    public void An_SpO2_fall_with_pulse_and_breathing_at_their_usual_is_an_artifact()
    {
        var at = Steady(minutes: 20);

        Assert.Equal(SignalArtifact.UncorroboratedDesaturation, _screen.Screen(VitalSign.OxygenSaturation, 86, at));
        Assert.Equal(SignalArtifact.UncorroboratedDesaturation, _screen.Episode(VitalSign.OxygenSaturation));
    }

    [Fact]
    public void An_SpO2_fall_that_pulse_or_breathing_follows_is_believed()
    {
        var at = Steady(minutes: 20);
        _screen.Screen(VitalSign.RespiratoryRate, 26, at);

        Assert.Equal(SignalArtifact.None, _screen.Screen(VitalSign.OxygenSaturation, 86, at.AddSeconds(1)));
    }

    [Fact]
    public void An_uncorroborated_fall_that_lasts_is_believed_after_the_longest_hold_and_stays_believed()
    {
        var at = Steady(minutes: 20);
        var verdicts = new List<SignalArtifact>();
        for (var second = 0; second <= ArtifactScreen.MaxUncorroborated.TotalSeconds + 60; second += 5)
        {
            var now = at.AddSeconds(second);
            _screen.Screen(VitalSign.HeartRate, 72, now);
            _screen.Screen(VitalSign.RespiratoryRate, 16, now);
            verdicts.Add(_screen.Screen(VitalSign.OxygenSaturation, 86, now));
        }

        Assert.Equal(SignalArtifact.UncorroboratedDesaturation, verdicts[0]);
        Assert.Equal(SignalArtifact.None, verdicts[^1]);
        var believedFrom = verdicts.IndexOf(SignalArtifact.None);
        Assert.InRange(believedFrom * 5, ArtifactScreen.MaxUncorroborated.TotalSeconds, ArtifactScreen.MaxUncorroborated.TotalSeconds + 5);
        Assert.All(verdicts[believedFrom..], v => Assert.Equal(SignalArtifact.None, v));
    }

    [Fact]
    public void Before_it_knows_the_patients_usual_the_screen_lets_a_fall_through()
    {
        _screen.Screen(VitalSign.HeartRate, 72, Start);
        _screen.Screen(VitalSign.RespiratoryRate, 16, Start);
        _screen.Screen(VitalSign.OxygenSaturation, 97, Start);

        Assert.Equal(SignalArtifact.None, _screen.Screen(VitalSign.OxygenSaturation, 86, Start.AddMinutes(1)));
    }

    [Fact]
    public void A_restored_screen_gives_the_same_verdicts()
    {
        var at = Steady(minutes: 20);
        _screen.Screen(VitalSign.OxygenSaturation, 86, at);
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            _screen.Write(writer);
        }
        buffer.Position = 0;
        var restored = ArtifactScreen.Read(new BinaryReader(buffer));

        Assert.Equal(SignalArtifact.UncorroboratedDesaturation, restored.Episode(VitalSign.OxygenSaturation));
        Assert.Equal(_screen.Screen(VitalSign.OxygenSaturation, 97, at.AddSeconds(5)), restored.Screen(VitalSign.OxygenSaturation, 97, at.AddSeconds(5)));
        Assert.Equal(_screen.Screen(VitalSign.OxygenSaturation, 97, at.AddSeconds(40)), restored.Screen(VitalSign.OxygenSaturation, 97, at.AddSeconds(40)));
    }

    // Pulse 72, breathing 16 and SpO2 97 every 5 s; returns the time after the last reading.
    private DateTimeOffset Steady(int minutes)
    {
        for (var second = 0; second < minutes * 60; second += 5)
        {
            var now = Start.AddSeconds(second);
            _screen.Screen(VitalSign.HeartRate, 72, now);
            _screen.Screen(VitalSign.RespiratoryRate, 16, now);
            _screen.Screen(VitalSign.OxygenSaturation, 97, now);
        }
        return Start.AddMinutes(minutes);
    }
}
