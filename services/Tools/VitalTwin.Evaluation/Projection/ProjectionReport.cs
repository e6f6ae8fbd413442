using System.Globalization;
using System.Text;
using VitalTwin.Clinical;
using VitalTwin.Evaluation.Families;
using VitalTwin.TwinState.Core.Forecasting;

namespace VitalTwin.Evaluation.Projection;

/// <summary>The projection evaluation's report.md: error beside the naive forecast per vital and horizon, interval coverage, NEWS2 bands, and the tuning.</summary>
public static class ProjectionReport
{
    public const string Command = "./build.sh --target=ProjectionError";

    /// <summary>Writes report.md into <paramref name="directory"/> and returns its path.</summary>
    public static string Write(ProjectionResults results, string directory)
    {
        ArgumentNullException.ThrowIfNull(results);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "report.md");
        File.WriteAllText(path, Render(results));
        return path;
    }

    /// <summary>One line per vital and horizon over the report seeds, each starting "Evaluation projection".</summary>
    public static IEnumerable<string> HeadlineLines(ProjectionResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var model = ProjectionModel.Default;
        foreach (var sign in results.Signs)
        {
            for (var h = 0; h < ProjectionEvaluation.Horizons.Count; h++)
            {
                var errors = results.Vital(SeedRole.Report, model, sign, h);
                if (errors.Count > 0)
                {
                    yield return Invariant($"Evaluation projection: {VitalCatalogue.Default[sign].Name} at {Minutes(ProjectionEvaluation.Horizons[h])}: MAE {errors.ProjectedMae:0.00} against naive {errors.NaiveMae:0.00} (skill {errors.Skill:+0.00;-0.00;0.00}), 80 % interval covered {Percent(errors.Coverage, errors.WithInterval)}, n {errors.Count}");
                }
            }
        }
    }

    public static string Render(ProjectionResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var model = ProjectionModel.Default;
        var md = new StringBuilder();
        var report = results.Runs.Where(r => r.Role == SeedRole.Report).ToList();
        var tuning = results.Runs.Where(r => r.Role == SeedRole.Tuning).ToList();
        Line(md, "# Projection error: the twin's projection against what happened");
        Line(md);
        Line(md, $"`{Command}` (or `dotnet run --project services/Tools/VitalTwin.Evaluation -c Release -- --projection=scenarios/families/evaluation.json`).");
        Line(md);
        Line(md, Invariant($"Families {string.Join(", ", results.Families)}; report seeds {Seeds(report)}, tuning seeds {Seeds(tuning)}. Each run plays through the services' pipeline (Gateway checks, twin, detection) on its own clock; from {ProjectionEvaluation.WarmUp.TotalHours:0} h in, every {Minutes(ProjectionEvaluation.AskEvery)} every twin is asked TwinWhatIf.Project's question ({Minutes(ProjectionEvaluation.Horizons[^1])} ahead) and its projection at {string.Join(", ", ProjectionEvaluation.Horizons.Select(Minutes))} is compared with what happened: the mean of the patient's readings of that vital within ±{Minutes(ProjectionEvaluation.TruthHalfWindow)} of the target time (readings the Gateway accepts and the device did not flag). Beside it, the naive forecast: the value the twin scores now holds. Stale vitals and targets without a reading in the window are left out."));
        Line(md);
        Line(md, Invariant($"Model: {(model.FollowsForecast ? "the twin's forecast, then its trend" : "the value scored now, moving with the twin's trend")} damped with time constant {Minutes(model.TrendTimeConstant)}; the 80 % interval is the forecast's own scaled by (lead / 15 min)^{model.WideningExponent:0.##}. Skill = 1 − MAE(projection) / MAE(naive): above 0 the projection is the better guess."));
        Line(md);
        Line(md, "## Report seeds, every family");
        Line(md);
        VitalTable(md, results, SeedRole.Report, model, family: null);
        Line(md, "### NEWS2 band");
        Line(md);
        Line(md, "The projected band at each horizon against the band NEWS2 gives the means of what happened (a vital without a reading in the window at its latest reading), beside the band now (naive). *Changed*: questions after which the band did change; the last column is how many of those the projection had right.");
        Line(md);
        BandTable(md, results, SeedRole.Report, model, family: null);
        Line(md, "### Where the projection is worse than naive");
        Line(md);
        var worse = (from sign in results.Signs
                     from h in Enumerable.Range(0, ProjectionEvaluation.Horizons.Count)
                     let errors = results.Vital(SeedRole.Report, model, sign, h)
                     where errors.Count > 0 && errors.Skill < 0
                     select Invariant($"* {VitalCatalogue.Default[sign].Name} at {Minutes(ProjectionEvaluation.Horizons[h])}: MAE {errors.ProjectedMae:0.00} against {errors.NaiveMae:0.00} naive (skill {errors.Skill:+0.00;-0.00;0.00}).")).ToList();
        foreach (var line in worse.DefaultIfEmpty("* Nowhere over the report seeds."))
        {
            Line(md, line);
        }

        foreach (var (h, band) in Enumerable.Range(0, ProjectionEvaluation.Horizons.Count).Select(h => (h, results.Band(SeedRole.Report, model, h))))
        {
            if (band.Count > 0 && band.ProjectedAgreed < band.NaiveAgreed)
            {
                Line(md, Invariant($"* NEWS2 band at {Minutes(ProjectionEvaluation.Horizons[h])}: agrees with what happened {Percent(band.ProjectedAgreed, band.Count)} against {Percent(band.NaiveAgreed, band.Count)} for the band now."));
            }
        }

        Line(md);
        foreach (var family in results.Families)
        {
            Line(md, $"## Report seeds, family {family}");
            Line(md);
            VitalTable(md, results, SeedRole.Report, model, family);
            BandTable(md, results, SeedRole.Report, model, family);
        }

        if (tuning.Count > 0)
        {
            Tuning(md, results);
        }

        return md.ToString();
    }

    private static void VitalTable(StringBuilder md, ProjectionResults results, SeedRole role, ProjectionModel model, string? family)
    {
        Line(md, "| Vital | Ahead | n | MAE projection | MAE naive | Skill | 80 % interval covered (n with one) |");
        Line(md, "|---|---|---|---|---|---|---|");
        foreach (var sign in results.Signs)
        {
            for (var h = 0; h < ProjectionEvaluation.Horizons.Count; h++)
            {
                var e = results.Vital(role, model, sign, h, family);
                if (e.Count > 0)
                {
                    var definition = VitalCatalogue.Default[sign];
                    Line(md, Invariant($"| {definition.Name} ({definition.CanonicalUnit}) | {Minutes(ProjectionEvaluation.Horizons[h])} | {e.Count} | {e.ProjectedMae:0.00} | {e.NaiveMae:0.00} | {e.Skill:+0.00;-0.00;0.00} | {Percent(e.Coverage, e.WithInterval)} ({e.WithInterval}) |"));
                }
            }
        }

        Line(md);
    }

    private static void BandTable(StringBuilder md, ProjectionResults results, SeedRole role, ProjectionModel model, string? family)
    {
        Line(md, "| Ahead | n | Band right, projection | Band right, naive | Changed | Projection right when it changed |");
        Line(md, "|---|---|---|---|---|---|");
        for (var h = 0; h < ProjectionEvaluation.Horizons.Count; h++)
        {
            var b = results.Band(role, model, h, family);
            Line(md, Invariant($"| {Minutes(ProjectionEvaluation.Horizons[h])} | {b.Count} | {Percent(b.ProjectedAgreed, b.Count)} | {Percent(b.NaiveAgreed, b.Count)} | {b.Changed} | {Percent(b.ProjectedAgreedWhenChanged, b.Changed)} |"));
        }

        Line(md);
    }

    private static void Tuning(StringBuilder md, ProjectionResults results)
    {
        Line(md, "## Tuning seeds: the models tried");
        Line(md);
        Line(md, "Chosen on these seeds only; the figures above are the report seeds'. The trend's time constant moves the projected value (skill per vital and horizon; ∞ is the undamped trend; 0 holds the value now, or the twin's forecast once reached):");
        Line(md);
        var horizons = Enumerable.Range(0, ProjectionEvaluation.Horizons.Count).ToList();
        var signs = results.Signs.ToList();
        Line(md, $"| Path | Time constant | {string.Join(" | ", from s in signs from h in horizons select $"{VitalCatalogue.Default[s].Name} {Minutes(ProjectionEvaluation.Horizons[h])}")} |");
        Line(md, $"|---|---|{string.Concat(Enumerable.Repeat("---|", signs.Count * horizons.Count))}");
        foreach (var model in ProjectionEvaluation.TuningModels.Where(m => m.WideningExponent == ProjectionModel.Default.WideningExponent).OrderBy(m => m.FollowsForecast).ThenBy(m => m.TrendTimeConstant))
        {
            var cells = from s in signs from h in horizons let e = results.Vital(SeedRole.Tuning, model, s, h) select e.Count == 0 ? "–" : Invariant($"{e.Skill:+0.00;-0.00;0.00}");
            Line(md, $"| {(model.FollowsForecast ? "forecast, then trend" : "trend")} | {TimeConstant(model)}{(model == ProjectionModel.Default ? " (shipped)" : string.Empty)} | {string.Join(" | ", cells)} |");
        }

        Line(md);
        Line(md, "The widening exponent moves the interval: its coverage over every vital (the aim is 80 %), with the shipped time constant:");
        Line(md);
        Line(md, $"| Exponent | {string.Join(" | ", horizons.Select(h => Minutes(ProjectionEvaluation.Horizons[h])))} |");
        Line(md, $"|---|{string.Concat(Enumerable.Repeat("---|", horizons.Count))}");
        foreach (var model in ProjectionEvaluation.TuningModels.Where(m => m.TrendTimeConstant == ProjectionModel.Default.TrendTimeConstant && m.FollowsForecast == ProjectionModel.Default.FollowsForecast).OrderBy(m => m.WideningExponent))
        {
            var cells = horizons.Select(h => results.AllVitals(SeedRole.Tuning, model, h)).Select(e => Percent(e.Coverage, e.WithInterval));
            Line(md, Invariant($"| {model.WideningExponent:0.##}{(model == ProjectionModel.Default ? " (shipped)" : string.Empty)} | {string.Join(" | ", cells)} |"));
        }

        Line(md);
    }

    private static string TimeConstant(ProjectionModel model) => model.TrendTimeConstant >= TimeSpan.FromDays(1) ? "∞" : Minutes(model.TrendTimeConstant);

    private static string Seeds(IEnumerable<(string Family, long Seed, SeedRole Role)> runs) =>
        string.Join(", ", runs.Select(r => r.Seed).Distinct().Order().Select(s => s.ToString(CultureInfo.InvariantCulture))) is { Length: > 0 } seeds ? seeds : "none";

    private static string Minutes(TimeSpan span) => Invariant($"{span.TotalMinutes:0} min");

    private static string Percent(double fraction, int count) => count == 0 ? "–" : Invariant($"{fraction:P0}");

    private static string Percent(int part, int whole) => whole == 0 ? "–" : Invariant($"{(double)part / whole:P0}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Line(StringBuilder md, string text = "") => md.Append(text).Append('\n');
}
