using System.Globalization;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Evaluation.Pipeline;
using VitalTwin.Evaluation.Reporting;
using VitalTwin.Simulator.Core.Generation;

namespace VitalTwin.Evaluation.Families;

/// <summary>
/// Runs every family of a plan with every seed, one after the other (the build machine's cores are shared), writes
/// each run's own report to <c>&lt;output&gt;/&lt;family&gt;/seed-&lt;seed&gt;/</c>, and sums each family up over its seeds.
/// </summary>
public static class FamilyEvaluation
{
    public static FamilyResults Run(EvaluationPlan plan, string? family, ShippedConfiguration shipped, RunSettings settings, ScoringRules rules, string output, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(progress);
        var runs = plan.Runs(family);
        var seeds = new List<(FamilySeed Run, SeedSummary Summary, int Patients)>();
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            var simulation = new WardSimulation(run.Scenario);
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Evaluate: family {run.Family}, seed {run.Seed} ({(run.Role == SeedRole.Tuning ? "tuning" : "report")}), run {i + 1} of {runs.Count}: {simulation.Patients.Count} patients for {run.Scenario.Duration.TotalHours:0.#} h, {simulation.Events.Count} clinical events, {simulation.Artifacts.Count} artifact episodes"));
            var result = EvaluationRun.Execute(simulation, shipped, settings, progress, cancellationToken);
            var results = EvaluationResults.From(result, shipped, rules);
            var directory = Path.Combine(output, run.Family, $"seed-{run.Seed}");
            var report = ReportWriter.Write(results, result, directory);
            seeds.Add((run, new SeedSummary(
                run.Seed,
                run.Role,
                Path.GetRelativePath(output, report),
                results.Systems,
                results.Subgroups,
                results.Scenario.PatientDays,
                simulation.Events.Count,
                result.Readings,
                result.Elapsed.TotalSeconds), simulation.Patients.Count));
        }
        var headline = seeds.Count > 0
            ? new[] { EvaluationResults.VitalTwin, EvaluationResults.News2Alone, EvaluationResults.Monitor, EvaluationResults.HeldMonitorName(settings.MonitorAlarmDelay ?? Baselines.FixedLimitMonitor.DefaultAlarmDelay) }
            : [];
        var families = seeds
            .GroupBy(s => s.Run.Family, StringComparer.Ordinal)
            .Select(g => FamilySummary.Of(g.Key, g.First().Run.Scenario.Description, g.First().Patients, g.First().Run.Scenario.Duration, [.. g.Select(s => s.Summary)]))
            .ToList();
        return new FamilyResults(families, headline, rules);
    }
}
