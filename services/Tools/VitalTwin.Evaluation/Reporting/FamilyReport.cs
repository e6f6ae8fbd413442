using System.Globalization;
using System.Text;
using VitalTwin.Evaluation.Families;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Evaluation.Pipeline;
using static VitalTwin.Evaluation.Reporting.MarkdownReport;

namespace VitalTwin.Evaluation.Reporting;

/// <summary>The families' report.md, trade-off plots and results.json: each family over its report seeds, tuning seeds apart.</summary>
public static class FamilyReport
{
    /// <returns>The path of report.md.</returns>
    public static string Write(FamilyResults results, string directory)
    {
        ArgumentNullException.ThrowIfNull(results);
        Directory.CreateDirectory(directory);
        var plots = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var family in results.Families)
        {
            var file = $"tradeoff-{family.Family}.png";
            Plots.TradeOff(
                [.. family.Report.Select(s => new Plots.TradeOffPoint(s.System, string.Empty, s.FalseAlarmsPerPatientDay.Mean, s.Sensitivity.Mean))],
                $"{family.Family}: alerts against sensitivity, mean over report seeds {string.Join(", ", family.ReportSeeds)}",
                Path.Combine(directory, file));
            plots[family.Family] = file;
        }
        ResultsJson.Write(results, Path.Combine(directory, "results.json"));
        var path = Path.Combine(directory, "report.md");
        File.WriteAllText(path, Render(results, plots));
        return path;
    }

    public static string Render(FamilyResults results, IReadOnlyDictionary<string, string> plots)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(plots);
        var md = new StringBuilder();
        Line(md, "# Clinical evaluation: scenario families");
        Line(md);
        Line(md, "Each family is a kind of ward (sampling, measurement noise, artifacts the devices do not flag, missing readings, patients), run with several seeds. " +
            "**Figures are over the report seeds**: mean ± sample standard deviation (least–most) of the seeds' own figures. " +
            "The tuning seeds are the ones to look at while changing the configuration; their figures are shown apart and are not the result. " +
            "Each seed's full report (per-kind delays, false alerts by cause, artifacts, missed events, plots, alerts.csv) is linked below.");
        Line(md);
        Line(md, "| Family | Patients × hours | Tuning seeds | Report seeds | Events per seed |");
        Line(md, "|---|---|---|---|---|");
        foreach (var family in results.Families)
        {
            Line(md, string.Create(CultureInfo.InvariantCulture,
                $"| {family.Family} | {family.Patients} × {family.Duration.TotalHours:0.#} | {Seeds(family.TuningSeeds)} | {Seeds(family.ReportSeeds)} | {family.Seeds.Average(s => s.Events):0.#} |"));
        }
        Line(md);

        foreach (var family in results.Families)
        {
            Family(md, family, plots.GetValueOrDefault(family.Family));
        }

        Line(md, "## Definitions");
        Line(md);
        Line(md, $"Detection, delays, false alerts, the baselines and alerts per detected event are defined as in each seed's report (grace {Durations.Format(results.Rules.Grace)}). " +
            "Sensitivity and false alerts per patient-day are computed per seed, then summarised over the seeds; the per-kind median delay is each seed's median delay from onset, " +
            "summarised over the seeds that detected the kind at all (their number in brackets when some did not). Alerts per detected event and the subgroups add the report seeds' " +
            "events and alerts together before dividing. The spread is the sample standard deviation (n − 1) and the least and most of the seeds: with a handful of seeds, " +
            "read it as a rough width, not a confidence interval.");
        Line(md);
        return md.ToString();
    }

    private static void Family(StringBuilder md, FamilySummary family, string? plot)
    {
        Line(md, $"## {family.Family}");
        Line(md);
        if (!string.IsNullOrWhiteSpace(family.Description))
        {
            Line(md, $"> {family.Description}");
            Line(md);
        }
        Line(md, $"Report seeds {Seeds(family.ReportSeeds)}:");
        Line(md);
        Line(md, "| System | Sensitivity, all events | Detected | False clinical alerts per patient-day |");
        Line(md, "|---|---|---|---|");
        foreach (var system in family.Report)
        {
            Line(md, $"| {system.System} | {FamilyResults.Percent(system.Sensitivity)} | {system.Detected}/{system.Events} | {FamilyResults.PerDay(system.FalseAlarmsPerPatientDay)} |");
        }
        Line(md);

        Line(md, "Per event kind (report seeds): sensitivity, median delay from onset in minutes, and mean clinical alerts per detected event.");
        Line(md);
        Line(md, "| Event kind | System | Detected | Sensitivity | Median delay from onset, min | Alerts per detected event |");
        Line(md, "|---|---|---|---|---|---|");
        foreach (var kind in family.Report.Count == 0 ? [] : family.Report[0].Kinds.Select(k => k.Kind))
        {
            foreach (var system in family.Report)
            {
                var score = system.Kinds.First(k => k.Kind == kind);
                Line(md, string.Create(CultureInfo.InvariantCulture,
                    $"| {kind} | {system.System} | {score.Detected}/{score.Events} | {FamilyResults.Percent(score.Sensitivity)} | {FamilyResults.Minutes(score.MedianDelayMinutes)} | " +
                    $"{(double.IsNaN(score.AlertsPerDetectedEvent) ? "–" : score.AlertsPerDetectedEvent.ToString("0.0", CultureInfo.InvariantCulture))} |"));
            }
        }
        Line(md);

        SubgroupTables(md, family.Subgroups, $"### {family.Family}: subgroups (report seeds together)",
            "Sensitivity (detected/events) and false clinical alerts per patient-day of the patients in each age band and with each condition, the report seeds' counts added:");

        if (plot is not null)
        {
            Line(md, $"![{family.Family}: false alerts per patient-day against sensitivity]({plot})");
            Line(md);
        }

        if (family.Tuning.Count > 0)
        {
            Line(md, $"Tuning seeds {Seeds(family.TuningSeeds)} (for tuning only, not the result):");
            Line(md);
            Line(md, "| System | Sensitivity, all events | Detected | False clinical alerts per patient-day |");
            Line(md, "|---|---|---|---|");
            foreach (var system in family.Tuning)
            {
                Line(md, $"| {system.System} | {FamilyResults.Percent(system.Sensitivity)} | {system.Detected}/{system.Events} | {FamilyResults.PerDay(system.FalseAlarmsPerPatientDay)} |");
            }
            Line(md);
        }

        Line(md, "Each seed's report: " + string.Join(", ", family.Seeds.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"[seed {s.Seed}{(s.Role == SeedRole.Tuning ? " (tuning)" : string.Empty)}]({s.Report.Replace('\\', '/')}) ({s.Readings:N0} readings, {s.ElapsedSeconds:0} s)"))) + ".");
        Line(md);
    }

    private static string Seeds(IReadOnlyList<long> seeds) => seeds.Count == 0 ? "none" : string.Join(", ", seeds);
}
