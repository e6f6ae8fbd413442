using VitalTwin.Clinical;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Simulator.Tests;

/// <summary>The noise section, random loss of readings and the unflagged artifact kinds: deterministic, and visible in the data.</summary>
public class MeasurementOptionsTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static Scenario Noisy(NoiseSpec noise, double missing = 0, long seed = 1) =>
        TestScenarios.Ward(4, TimeSpan.FromHours(2), seed) with
        {
            Noise = noise,
            Sampling = TestScenarios.Dense with { Missing = missing },
            Artifacts =
            [
                new ArtifactSpec { Kind = ArtifactKind.Spike, PerPatientDay = 48 },
                new ArtifactSpec { Kind = ArtifactKind.NoiseBurst, PerPatientDay = 24 },
                new ArtifactSpec { Kind = ArtifactKind.BadProbe, Count = 2 },
            ],
        };

    // Pulse changes between two readings 5 s apart: the latent state barely moves in that time, so this is noise.
    private static int PulseJumpsOver(WardSimulation simulation, double bpm) =>
        simulation.Readings()
            .Where(r => r.Vital == VitalSign.HeartRate && !simulation.Artifacts.Any(a => a.PatientId == r.PatientId && r.ObservedAt >= a.Start - Minute && r.ObservedAt < a.End + Minute))
            .GroupBy(r => r.PatientId)
            .Sum(patient => patient.Zip(patient.Skip(1)).Count(pair => Math.Abs(pair.Second.Value - pair.First.Value) > bpm));

    [Fact]
    public void The_new_options_give_the_same_readings_and_labels_for_the_same_seed_and_others_for_another()
    {
        var noise = new NoiseSpec { Distribution = NoiseDistribution.StudentT, DegreesOfFreedom = 3, Scale = 1.5 };
        var first = new WardSimulation(Noisy(noise, missing: 0.1));
        var second = new WardSimulation(Noisy(noise, missing: 0.1));
        var other = new WardSimulation(Noisy(noise, missing: 0.1, seed: 2));

        Assert.Equal(first.Readings().ToList(), second.Readings().ToList());
        Assert.Equal(first.Artifacts.Select(TestScenarios.Describe), second.Artifacts.Select(TestScenarios.Describe));
        Assert.NotEqual(first.Readings().Take(500).Select(r => r.Value), other.Readings().Take(500).Select(r => r.Value));
        Assert.NotEqual(first.Artifacts.Select(TestScenarios.Describe), other.Artifacts.Select(TestScenarios.Describe));
    }

    [Fact]
    public void Gaussian_noise_at_scale_1_is_what_a_scenario_without_a_noise_section_generates()
    {
        var scenario = TestScenarios.Ward(2, TimeSpan.FromMinutes(30));

        Assert.Equal(
            new WardSimulation(scenario).Readings().ToList(),
            new WardSimulation(scenario with { Noise = new NoiseSpec { Distribution = NoiseDistribution.Gaussian, Scale = 1 } }).Readings().ToList());
    }

    [Fact]
    public void Heavy_tailed_noise_produces_pulse_outliers_that_Gaussian_noise_of_the_same_scale_never_does()
    {
        var scenario = TestScenarios.Ward(4, TimeSpan.FromHours(2));
        var gaussian = new WardSimulation(scenario);
        var heavy = new WardSimulation(scenario with { Noise = new NoiseSpec { Distribution = NoiseDistribution.StudentT, DegreesOfFreedom = 2 } });

        // Gaussian noise of 1.2 bpm: a 15-bpm step between readings is over 8 standard deviations of a difference.
        Assert.Equal(0, PulseJumpsOver(gaussian, 15));
        Assert.True(PulseJumpsOver(heavy, 15) >= 20, $"{PulseJumpsOver(heavy, 15)} outliers");
    }

    [Fact]
    public void The_noise_scale_widens_the_spread_of_readings()
    {
        var scenario = TestScenarios.Ward(4, TimeSpan.FromHours(2));

        Assert.True(PulseJumpsOver(new WardSimulation(scenario with { Noise = new NoiseSpec { Scale = 3 } }), 4) > 5 * Math.Max(1, PulseJumpsOver(new WardSimulation(scenario), 4)));
    }

    [Fact]
    public void A_missing_fraction_drops_about_that_share_of_readings_at_random()
    {
        var scenario = TestScenarios.Ward(4, TimeSpan.FromHours(2));
        var all = new WardSimulation(scenario).Readings().Count();

        var kept = new WardSimulation(scenario with { Sampling = TestScenarios.Dense with { Missing = 0.2 } }).Readings().ToList();

        Assert.InRange((double)kept.Count / all, 0.77, 0.83);
        // At random, not in blocks: every vital loses its share.
        foreach (var sign in Enum.GetValues<VitalSign>())
        {
            Assert.Contains(kept, r => r.Vital == sign);
        }
    }

    [Fact]
    public void A_spike_is_one_unflagged_reading_of_its_vital_far_from_the_readings_around_it()
    {
        var simulation = new WardSimulation(Noisy(new NoiseSpec(), missing: 0.3));
        var spikes = simulation.Artifacts.Where(a => a.Kind == ArtifactKind.Spike).ToList();
        var readings = simulation.Readings().ToList();

        Assert.True(spikes.Count >= 5);
        foreach (var spike in spikes)
        {
            var vital = Assert.Single(spike.AffectedVitals);
            Assert.Contains(vital, new[] { VitalSign.HeartRate, VitalSign.OxygenSaturation, VitalSign.RespiratoryRate });
            Assert.False(spike.Flagged);
            var own = readings.Of(spike.PatientId).Where(r => r.Vital == vital).ToList();
            var inside = own.Between(spike.Start, spike.End)[0];
            var before = own.Where(r => r.ObservedAt < spike.Start).TakeLast(3).Average(r => r.Value);
            var after = own.Where(r => r.ObservedAt >= spike.End).Take(3).Average(r => r.Value);
            Assert.True(Math.Abs(inside.Value - before) >= 7, $"{vital} {before:0} -> {inside.Value:0}");
            Assert.InRange(after, before - 6, before + 6);
            Assert.Equal(ReadingQuality.None, inside.Quality);
        }
    }

    [Fact]
    public void A_noise_burst_widens_pulse_spread_for_its_window_only_and_is_not_flagged()
    {
        var simulation = new WardSimulation(TestScenarios.WithArtifact(ArtifactKind.NoiseBurst, 5 * Minute) with { Sampling = TestScenarios.Dense });
        var burst = Assert.Single(simulation.Artifacts);
        var readings = simulation.Readings().Of(burst.PatientId);

        var during = readings.Between(burst.Start, burst.End);
        var before = readings.Between(burst.Start - (10 * Minute), burst.Start);

        Assert.False(burst.Flagged);
        Assert.All(readings, r => Assert.Equal(ReadingQuality.None, r.Quality));
        Assert.True(during.StandardDeviation(VitalSign.HeartRate) > 3 * before.StandardDeviation(VitalSign.HeartRate));
        Assert.InRange(during.Mean(VitalSign.SystolicBloodPressure), before.Mean(VitalSign.SystolicBloodPressure) - 10, before.Mean(VitalSign.SystolicBloodPressure) + 10);
    }

    [Fact]
    public void A_bad_probe_lowers_SpO2_while_pulse_and_breathing_do_not_follow()
    {
        var simulation = new WardSimulation(TestScenarios.WithArtifact(ArtifactKind.BadProbe, 30 * Minute));
        var probe = Assert.Single(simulation.Artifacts);
        var readings = simulation.Readings().Of(probe.PatientId);

        var settled = readings.Between(probe.Start + (10 * Minute), probe.End);
        var before = readings.Between(probe.Start - (10 * Minute), probe.Start);
        var after = readings.Between(probe.End, probe.End + (10 * Minute));

        Assert.Equal([VitalSign.OxygenSaturation], probe.AffectedVitals);
        Assert.False(probe.Flagged);
        Assert.InRange(before.Mean(VitalSign.OxygenSaturation) - settled.Mean(VitalSign.OxygenSaturation), 5, 15);
        Assert.InRange(settled.Mean(VitalSign.HeartRate), before.Mean(VitalSign.HeartRate) - 5, before.Mean(VitalSign.HeartRate) + 5);
        Assert.InRange(settled.Mean(VitalSign.RespiratoryRate), before.Mean(VitalSign.RespiratoryRate) - 2, before.Mean(VitalSign.RespiratoryRate) + 2);
        Assert.InRange(after.Mean(VitalSign.OxygenSaturation), before.Mean(VitalSign.OxygenSaturation) - 2, before.Mean(VitalSign.OxygenSaturation) + 2);
    }

    [Theory]
    [InlineData("""{ "scale": 0 }""", "noise.scale")]
    [InlineData("""{ "scale": 11 }""", "noise.scale")]
    [InlineData("""{ "distribution": "gaussian", "degreesOfFreedom": 3 }""", "noise.degreesOfFreedom")]
    [InlineData("""{ "distribution": "student-t", "degreesOfFreedom": 0 }""", "noise.degreesOfFreedom")]
    [InlineData("""{ "distribution": "cauchy" }""", "noise.distribution")]
    public void A_bad_noise_section_names_its_field(string noise, string field)
    {
        var json = $$"""{ "name": "n", "seed": 1, "duration": "1h", "cohort": { "size": 2 }, "noise": {{noise}} }""";

        var error = Assert.Single(Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse(json, "n.json")).Errors);

        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData(""" "sampling": { "missing": 0.95 } """, "sampling.missing")]
    [InlineData(""" "sampling": { "missing": -0.1 } """, "sampling.missing")]
    [InlineData(""" "artifacts": [ { "kind": "spike", "count": 1, "duration": "5s" } ] """, "artifacts[0].duration")]
    [InlineData(""" "artifacts": [ { "kind": "bad-probe", "count": 1, "flagged": 0.5 } ] """, "artifacts[0].flagged")]
    public void Missing_fractions_and_the_new_artifact_kinds_are_validated(string section, string field)
    {
        var json = $$"""{ "name": "n", "seed": 1, "duration": "1h", "cohort": { "size": 2 }, {{section}} }""";

        var error = Assert.Single(Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse(json, "n.json")).Errors);

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void A_file_with_every_new_option_loads_as_written()
    {
        const string json = """
            {
              "name": "n", "seed": 1, "duration": "1h", "cohort": { "size": 2 },
              "sampling": { "missing": 0.05 },
              "noise": { "scale": 1.5, "distribution": "student-t", "degreesOfFreedom": 4 },
              "artifacts": [ { "kind": "spike", "perPatientDay": 10 }, { "kind": "noise-burst", "count": 1 }, { "kind": "bad-probe", "count": 1, "duration": "20m" } ]
            }
            """;

        var scenario = ScenarioLoader.Parse(json, "n.json");

        Assert.Equal(0.05, scenario.Sampling.Missing);
        Assert.Equal(new NoiseSpec { Scale = 1.5, Distribution = NoiseDistribution.StudentT, DegreesOfFreedom = 4 }, scenario.Noise);
        Assert.Equal([ArtifactKind.Spike, ArtifactKind.NoiseBurst, ArtifactKind.BadProbe], scenario.Artifacts.Select(a => a.Kind));
    }
}
