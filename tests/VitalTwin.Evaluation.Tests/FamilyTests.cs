using VitalTwin.Evaluation.Families;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Evaluation.Tests;

/// <summary>The evaluation plan's families and seed split, and the figures summed up over seeds.</summary>
public sealed class FamilyTests
{
    private const string Family = """{ "name": "{0}", "seed": 7, "duration": "1h", "cohort": { "size": 2 } }""";

    private static EvaluationPlan Plan(string json, params string[] families)
    {
        var directory = Directory.CreateTempSubdirectory("vitaltwin-plan-");
        try
        {
            foreach (var family in families)
            {
                File.WriteAllText(Path.Combine(directory.FullName, $"{family}.json"), Family.Replace("{0}", family, StringComparison.Ordinal));
            }
            return EvaluationPlan.Parse(json, directory.FullName, "evaluation.json");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Every_family_runs_with_every_seed_tuning_seeds_first_each_seed_replacing_the_files_own()
    {
        var plan = Plan("""{ "families": ["a.json", "b.json"], "seeds": { "tuning": [1, 2], "report": [10, 11, 12] } }""", "a", "b");

        var runs = plan.Runs();

        Assert.Equal(
            [("a", 1L, SeedRole.Tuning), ("a", 2L, SeedRole.Tuning), ("a", 10L, SeedRole.Report), ("a", 11L, SeedRole.Report), ("a", 12L, SeedRole.Report),
             ("b", 1L, SeedRole.Tuning), ("b", 2L, SeedRole.Tuning), ("b", 10L, SeedRole.Report), ("b", 11L, SeedRole.Report), ("b", 12L, SeedRole.Report)],
            runs.Select(r => (r.Family, r.Seed, r.Role)));
        Assert.All(runs, r => Assert.Equal(r.Seed, r.Scenario.Seed));
        Assert.Equal(["b", "b", "b", "b", "b"], plan.Runs("b").Select(r => r.Family));
        Assert.Contains("a, b", Assert.Throws<ArgumentException>(() => plan.Runs("c")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "families": ["a.json"], "seeds": { "tuning": [1], "report": [1, 2] } }""", "seeds: 1 is given more than once")]
    [InlineData("""{ "families": ["a.json"], "seeds": { "tuning": [1] } }""", "seeds.report: give at least one seed")]
    [InlineData("""{ "families": [], "seeds": { "report": [1] } }""", "families: name at least one scenario file")]
    [InlineData("""{ "families": ["missing.json"], "seeds": { "report": [1] } }""", "families: missing.json does not exist")]
    [InlineData("""{ "families": ["a.json", "a.json"], "seeds": { "report": [1] } }""", "two files are named 'a'")]
    [InlineData("""{ "families": ["a.json"], "seed": { "report": [1] } }""", "evaluation.json: line 1")]
    public void A_plan_that_cannot_be_run_says_what_is_wrong(string json, string problem)
    {
        var error = Assert.Throws<FormatException>(() => Plan(json, "a"));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_repository_plan_keeps_tuning_and_report_seeds_apart_and_every_family_has_every_event_kind_with_every_seed()
    {
        var plan = EvaluationPlan.Load(Path.Combine(RepositoryFiles.Root(), "scenarios", "families", "evaluation.json"));

        Assert.True(plan.Families.Count >= 3);
        Assert.NotEmpty(plan.TuningSeeds);
        Assert.True(plan.ReportSeeds.Count >= 2);
        Assert.Empty(plan.TuningSeeds.Intersect(plan.ReportSeeds));
        foreach (var run in plan.Runs())
        {
            // Planning is cheap: no readings are generated here.
            var simulation = new WardSimulation(run.Scenario);
            foreach (var kind in Enum.GetValues<ClinicalEventKind>())
            {
                Assert.True(simulation.Events.Count(e => e.Kind == kind) >= 3, $"{run.Family} seed {run.Seed}: {ScenarioNames.Of(kind)}");
            }
        }
        // The families differ in what the issue asks them to differ in.
        Assert.True(plan.Families.Select(f => f.Noise.Distribution).Distinct().Count() > 1);
        Assert.True(plan.Families.Select(f => f.Sampling.Missing).Distinct().Count() > 1);
        Assert.True(plan.Families.Select(f => f.Sampling.Intervals[Clinical.VitalSign.HeartRate]).Distinct().Count() > 1);
        Assert.True(plan.Families.Select(f => f.Cohort.Age.Mean).Distinct().Count() > 1);
        Assert.All(plan.Families, f => Assert.Contains(f.Artifacts, a => a.Kind is ArtifactKind.Spike or ArtifactKind.NoiseBurst or ArtifactKind.BadProbe));
    }

    [Fact]
    public void A_spread_is_the_mean_sample_deviation_and_range_of_the_measured_values()
    {
        var spread = Spread.Of([1, 2, double.NaN, 3, 4]);

        Assert.Equal((4, 2.5, 1, 4, 1), (spread.Count, spread.Mean, spread.Min, spread.Max, spread.Unmeasured));
        // Deviations -1.5, -0.5, 0.5, 1.5: squares sum to 5, over n - 1 = 3.
        Assert.Equal(Math.Sqrt(5.0 / 3), spread.StandardDeviation, precision: 12);
        Assert.Equal(0, Spread.Of([7]).StandardDeviation);
        Assert.Equal((0, 2), (Spread.Of([double.NaN, double.NaN]).Count, Spread.Of([double.NaN, double.NaN]).Unmeasured));
    }

    [Fact]
    public void A_systems_spread_over_seeds_summarises_each_seeds_own_figures()
    {
        var start = new DateTimeOffset(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);
        var truth = new GroundTruth(start, start.AddDays(1), 2,
            [new LabelledEvent("bradycardia", "p1", start.AddHours(1), start.AddHours(2)), new LabelledEvent("bradycardia", "p2", start.AddHours(5), start.AddHours(6))],
            [], []);
        // Seed one detects both events 10 and 30 min in, with one false alert; seed two detects one 20 min in, with three.
        var seedOne = AlarmScorer.Score("s", [new("p1", start.AddHours(1).AddMinutes(10), "x"), new("p2", start.AddHours(5).AddMinutes(30), "x"), new("p1", start.AddHours(12), "x")], truth, ScoringRules.Default);
        var seedTwo = AlarmScorer.Score("s", [new("p1", start.AddHours(1).AddMinutes(20), "x"), new("p1", start.AddHours(1).AddMinutes(25), "x"), .. Enumerable.Range(0, 3).Select(h => new Alarm("p2", start.AddHours(15 + h), "x"))], truth, ScoringRules.Default);

        var spread = Assert.Single(SystemSpread.Of([[seedOne], [seedTwo]]));

        Assert.Equal((4, 3), (spread.Events, spread.Detected));
        Assert.Equal(((1.0 + 0.5) / 2, 1.0, 0.5), (spread.Sensitivity.Mean, spread.Sensitivity.Max, spread.Sensitivity.Min));
        Assert.Equal((seedOne.FalseAlarmsPerPatientDay + seedTwo.FalseAlarmsPerPatientDay) / 2, spread.FalseAlarmsPerPatientDay.Mean, precision: 12);
        Assert.Equal((0.5, 1.5), (seedOne.FalseAlarmsPerPatientDay, seedTwo.FalseAlarmsPerPatientDay));
        var kind = Assert.Single(spread.Kinds);
        // Medians: 20 min (of 10 and 30) and 20 min.
        Assert.Equal((20, 0), (kind.MedianDelayMinutes.Mean, kind.MedianDelayMinutes.StandardDeviation));
        // Three detected events with 1, 1 and 2 alerts in their windows.
        Assert.Equal(4 / 3.0, kind.AlertsPerDetectedEvent, precision: 12);
    }
}
