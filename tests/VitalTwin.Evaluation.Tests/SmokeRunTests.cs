using System.Text.Json;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Evaluation.Pipeline;
using VitalTwin.Evaluation.Reporting;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Evaluation.Tests;

/// <summary>The whole evaluation over the smoke scenario (8 patients, 2 hours): it completes and writes its report.</summary>
public sealed class SmokeRunTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void A_run_over_the_smoke_scenario_writes_a_report_with_PNG_plots_and_results()
    {
        var simulation = new WardSimulation(ScenarioLoader.Load(RepositoryFiles.Scenario("smoke.json")));
        var shipped = ShippedConfiguration.Load();
        var progress = new StringWriter();
        var run = EvaluationRun.Execute(simulation, shipped, new RunSettings(Sweep.Parse("ClearAfter:30m"), ProgressInterval: TimeSpan.Zero), progress, CancellationToken.None);
        var results = EvaluationResults.From(run, shipped, ScoringRules.Default);
        var directory = Directory.CreateTempSubdirectory("vitaltwin-evaluation-");
        try
        {
            var report = ReportWriter.Write(results, run, directory.FullName);

            Assert.Equal(run.Readings, results.Run.Accepted);
            Assert.Equal(simulation.Events.Count, results.System(EvaluationResults.VitalTwin).Overall.Events);
            Assert.Equal(5, results.Systems.Count);
            Assert.Contains(results.Systems, s => s.System == "Fixed-limit monitor held 10 s");
            Assert.Equal(4, results.HeadlineLines().Count(l => l.StartsWith("Evaluation smoke: ", StringComparison.Ordinal)));
            Assert.All(results.Subgroups, system => Assert.Equal(
                results.Systems.Single(s => s.System == system.System).Overall.Events,
                system.Groups.Where(g => g.Dimension == Subgroups.Age).Sum(g => g.Events)));
            Assert.Equal(simulation.Patients.Count, results.Subgroups[0].Groups.Where(g => g.Dimension == Subgroups.Condition).Sum(g => g.Patients));
            Assert.All(results.Systems, s => Assert.InRange(s.Overall.Sensitivity, 0, 1));
            Assert.Single(results.Sweep);
            Assert.Contains("simulated hours done", progress.ToString(), StringComparison.Ordinal);

            var markdown = File.ReadAllText(report);
            Assert.Contains("## Headline (shipped configuration)", markdown, StringComparison.Ordinal);
            Assert.Contains("## Sweep (not the shipped configuration)", markdown, StringComparison.Ordinal);
            var images = Directory.GetFiles(directory.FullName, "*.png");
            Assert.Contains(Path.Combine(directory.FullName, ReportWriter.TradeOffFile), images);
            Assert.Contains(images, i => Path.GetFileName(i).StartsWith("patient-", StringComparison.Ordinal));
            foreach (var image in images)
            {
                Assert.Contains($"]({Path.GetFileName(image)})", markdown, StringComparison.Ordinal);
                Assert.Equal(PngSignature, File.ReadAllBytes(image).Take(PngSignature.Length));
            }

            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.FullName, "results.json")));
            Assert.Equal(5, json.RootElement.GetProperty("systems").GetArrayLength());
            Assert.Equal(run.Pipeline.Runs[0].Raised.Count + 1, File.ReadAllLines(Path.Combine(directory.FullName, AlertsCsv.FileName)).Length);
            Assert.Contains("## Subgroups", markdown, StringComparison.Ordinal);
            Assert.Contains("## Alerts per detected event", markdown, StringComparison.Ordinal);
            Assert.Equal(results.Run.Readings, json.RootElement.GetProperty("run").GetProperty("readings").GetInt64());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
