using System.Globalization;
using VitalTwin.Evaluation.Pipeline;

namespace VitalTwin.Evaluation.Reporting;

/// <summary>Writes report.md, its PNGs, results.json and alerts.csv into one directory.</summary>
public static class ReportWriter
{
    public const string TradeOffFile = "tradeoff.png";

    /// <returns>The path of report.md.</returns>
    public static string Write(EvaluationResults results, RunResult run, string directory)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(run);
        Directory.CreateDirectory(directory);
        var plots = new List<(string Title, string File)>();

        Plots.TradeOff(TradeOffPoints(results), $"{results.Scenario.Name}: alerts against sensitivity", Path.Combine(directory, TradeOffFile));
        plots.Add(("False alerts per patient-day against sensitivity", TradeOffFile));

        foreach (var (kind, patientId) in run.Traced)
        {
            var trace = run.Pipeline.Traces[patientId];
            var events = run.Truth.Events.Where(e => e.PatientId == patientId).OrderBy(e => e.Onset).ToList();
            var described = string.Join("; ", events.Select(e =>
                string.Create(CultureInfo.InvariantCulture, $"{e.Kind} from t+{(e.Onset - run.Truth.Start).TotalHours:0.0} h, severity {e.Severity:0.00}")));
            var file = $"patient-{kind}.png";
            var title = $"{trace.PatientId}: {described}";
            Plots.PatientTimeline(trace, run.Truth, title, Path.Combine(directory, file));
            plots.Add((title, file));
        }

        ResultsJson.Write(results, Path.Combine(directory, "results.json"));
        AlertsCsv.Write(run.Pipeline.Runs[0].Raised, Path.Combine(directory, AlertsCsv.FileName));
        var path = Path.Combine(directory, "report.md");
        File.WriteAllText(path, MarkdownReport.Render(results, plots));
        return path;
    }

    public static IReadOnlyList<Plots.TradeOffPoint> TradeOffPoints(EvaluationResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        // The sweep first, so that the systems' own points are drawn over it.
        var points = new List<Plots.TradeOffPoint>();
        if (results.Sweep.Count > 0)
        {
            var parameter = results.Sweep[0].Parameter.Split('=')[0];
            var series = $"VitalTwin sweep of {parameter} (not shipped)";
            var shipped = results.System(EvaluationResults.VitalTwin);
            points.AddRange(results.Sweep
                .Select(p => new Plots.TradeOffPoint(series, p.Parameter.Split('=')[1], p.Score.FalseAlarmsPerPatientDay, p.Score.Overall.Sensitivity))
                .Append(new Plots.TradeOffPoint(series, string.Empty, shipped.FalseAlarmsPerPatientDay, shipped.Overall.Sensitivity))
                .OrderBy(p => p.FalseAlarmsPerPatientDay));
        }
        points.AddRange(results.Systems.Select(s =>
            new Plots.TradeOffPoint(s.System, s.System == EvaluationResults.VitalTwin ? "shipped" : string.Empty, s.FalseAlarmsPerPatientDay, s.Overall.Sensitivity)));
        return points;
    }
}
