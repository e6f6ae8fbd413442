using VitalTwin.Evaluation.Families;
using VitalTwin.Evaluation.Pipeline;
using VitalTwin.Evaluation.Projection;

namespace VitalTwin.Evaluation.Tests;

/// <summary>The projection error command over a small cohort: it runs, and its report holds every horizon beside naive.</summary>
public sealed class ProjectionEvaluationTests
{
    [Fact]
    public void A_small_cohort_gives_a_report_with_each_horizon_for_the_report_seeds_and_the_models_tried_on_the_tuning_seed()
    {
        var directory = Directory.CreateTempSubdirectory("vitaltwin-projection-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "small.json"), """{ "name": "small", "seed": 7, "duration": "4h", "cohort": { "size": 3 } }""");
            var plan = EvaluationPlan.Parse("""{ "families": ["small.json"], "seeds": { "tuning": [1], "report": [2] } }""", directory.FullName, "evaluation.json");
            var progress = new StringWriter();

            var results = ProjectionEvaluation.Run(plan, family: null, ShippedConfiguration.Load(), progress, CancellationToken.None);
            var report = File.ReadAllText(ProjectionReport.Write(results, Path.Combine(directory.FullName, "out")));

            Assert.Equal([("small", 1L, SeedRole.Tuning), ("small", 2L, SeedRole.Report)], results.Runs);
            foreach (var horizon in new[] { "30 min", "60 min", "120 min" })
            {
                Assert.Contains($"| heart rate (/min) | {horizon} |", report, StringComparison.Ordinal);
                Assert.Contains(ProjectionReport.HeadlineLines(results), l => l.StartsWith($"Evaluation projection: heart rate at {horizon}: MAE ", StringComparison.Ordinal));
            }

            Assert.Contains("### NEWS2 band", report, StringComparison.Ordinal);
            Assert.Contains("### Where the projection is worse than naive", report, StringComparison.Ordinal);
            Assert.Contains("## Tuning seeds: the models tried", report, StringComparison.Ordinal);
            Assert.Contains("(shipped)", report, StringComparison.Ordinal);
            Assert.True(results.Vital(SeedRole.Report, TwinState.Core.Forecasting.ProjectionModel.Default, Clinical.VitalSign.HeartRate, 0).Count > 0);
            Assert.Contains("run 2 of 2", progress.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
