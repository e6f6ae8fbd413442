using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;

namespace VitalTwin.AnomalyDetection.Tests;

public class DeteriorationWatchTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Pulse_rising_as_pressure_falls_from_the_patients_usual_is_announced_once_with_the_vitals_that_moved()
    {
        var watch = new DeteriorationWatch(new DeteriorationOptions());
        var findings = Play(watch, minutes: 120, drift: minute => minute < 60 ? 0 : Math.Min(1, (minute - 60) / 30.0));

        var finding = Assert.Single(findings);
        Assert.Equal("circulatory", finding.Pattern);
        Assert.InRange((finding.At - Start).TotalMinutes, 61, 100);
        Assert.Equal([VitalSign.HeartRate, VitalSign.SystolicBloodPressure], finding.Deviations.Select(d => d.Sign));
        var text = DeteriorationWatch.Explain(finding, VitalCatalogue.Default);
        Assert.StartsWith("Heart rate +", text, StringComparison.Ordinal);
        Assert.Contains("systolic", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("from this patient's usual over", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_patient_steady_at_an_unusual_level_of_their_own_is_never_announced()
    {
        // Pulse 112 and systolic 95 every day: far from population norms, but this patient's usual.
        var watch = new DeteriorationWatch(new DeteriorationOptions());

        Assert.Empty(Play(watch, minutes: 240, drift: _ => 0, pulse: 112, systolic: 95));
    }

    [Fact]
    public void One_vital_wandering_alone_is_not_announced_unless_it_moves_twice_as_far()
    {
        // Pulse +12.5 /min alone: a step and a half, half weight for a lone vital.
        Assert.Empty(Play(new DeteriorationWatch(new DeteriorationOptions()), minutes: 180, drift: minute => minute < 60 ? 0 : 0.5, systolicFollows: false));
        // Pulse +25 /min alone: three steps.
        Assert.Equal("single-vital", Assert.Single(Play(new DeteriorationWatch(new DeteriorationOptions()), minutes: 180, drift: minute => minute < 60 ? 0 : 1, systolicFollows: false)).Pattern);
    }

    [Fact]
    public void A_restored_watch_announces_exactly_when_the_original_would()
    {
        var options = new DeteriorationOptions();
        var original = new DeteriorationWatch(options);
        Play(original, minutes: 70, drift: minute => minute < 60 ? 0 : (minute - 60) / 30.0);
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            original.WriteState(writer);
        }
        buffer.Position = 0;
        var restored = DeteriorationWatch.ReadState(new BinaryReader(buffer), options);

        static double Drift(double minute) => Math.Min(1, (minute - 60) / 30.0);
        var fromOriginal = Play(original, minutes: 60, drift: m => Drift(m + 70), startMinute: 70);
        var fromRestored = Play(restored, minutes: 60, drift: m => Drift(m + 70), startMinute: 70);

        Assert.Equal(fromOriginal.Select(f => (f.At, f.Pattern)), fromRestored.Select(f => (f.At, f.Pattern)));
        Assert.Single(fromRestored);
    }

    // Pulse every 5 s with a little noise, systolic every 15 min; drift 1 = pulse +25 /min and systolic -25 mmHg.
    private static List<DeteriorationFinding> Play(
        DeteriorationWatch watch, int minutes, Func<double, double> drift, double pulse = 75, double systolic = 125, bool systolicFollows = true, int startMinute = 0)
    {
        var findings = new List<DeteriorationFinding>();
        var random = new Random(7);
        for (var second = 0; second < minutes * 60; second += 5)
        {
            var minute = second / 60.0;
            var at = Start.AddMinutes(startMinute).AddSeconds(second);
            var d = drift(minute);
            if (watch.Observe(VitalSign.HeartRate, pulse + (25 * d) + ((random.NextDouble() - 0.5) * 3), at) is { } onPulse)
            {
                findings.Add(onPulse);
            }
            if (second % 900 == 0 && watch.Observe(VitalSign.SystolicBloodPressure, systolic - (systolicFollows ? 25 * d : 0) + ((random.NextDouble() - 0.5) * 4), at) is { } onPressure)
            {
                findings.Add(onPressure);
            }
        }
        return findings;
    }
}
