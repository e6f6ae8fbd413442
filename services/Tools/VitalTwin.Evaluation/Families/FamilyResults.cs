using System.Globalization;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Evaluation.Reporting;

namespace VitalTwin.Evaluation.Families;

/// <summary>One event kind of one system over a family's seeds.</summary>
/// <param name="MedianDelayMinutes">Over the seeds' median delays from onset (a seed without a detection of the kind has none).</param>
/// <param name="AlertsPerDetectedEvent">Over every detected event of the seeds together.</param>
public sealed record KindSpread(string Kind, int Events, int Detected, Spread Sensitivity, Spread MedianDelayMinutes, double AlertsPerDetectedEvent);

/// <summary>One system over a family's seeds: each figure's mean and spread, per kind and overall.</summary>
public sealed record SystemSpread(string System, int Events, int Detected, Spread Sensitivity, Spread FalseAlarmsPerPatientDay, IReadOnlyList<KindSpread> Kinds)
{
    /// <summary>Every system over the same seeds; <paramref name="seeds"/> holds each seed's scores, systems in the same order.</summary>
    public static IReadOnlyList<SystemSpread> Of(IReadOnlyList<IReadOnlyList<SystemScore>> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count == 0)
        {
            return [];
        }
        return [.. seeds[0].Select(s => s.System).Select(system =>
        {
            var scores = seeds.Select(seed => seed.First(s => s.System == system)).ToList();
            var kinds = scores.SelectMany(s => s.Kinds.Select(k => k.Kind)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            return new SystemSpread(
                system,
                scores.Sum(s => s.Overall.Events),
                scores.Sum(s => s.Overall.Detected),
                Spread.Of(scores.Select(s => s.Overall.Sensitivity)),
                Spread.Of(scores.Select(s => s.FalseAlarmsPerPatientDay)),
                [.. kinds.Select(kind =>
                {
                    var perSeed = scores.Select(s => s.Kinds.FirstOrDefault(k => k.Kind == kind)).OfType<KindScore>().ToList();
                    var detected = scores.SelectMany(s => s.Outcomes).Where(o => o.Event.Kind == kind && o.Detected).ToList();
                    return new KindSpread(
                        kind,
                        perSeed.Sum(k => k.Events),
                        perSeed.Sum(k => k.Detected),
                        Spread.Of(perSeed.Select(k => k.Sensitivity)),
                        Spread.Of(perSeed.Select(k => k.FromOnset.MedianMinutes ?? double.NaN)),
                        detected.Count == 0 ? double.NaN : detected.Average(o => o.AlarmsInWindow));
                })]);
        })];
    }
}

/// <summary>One seed's run of a family, as the family report sums it up.</summary>
public sealed record SeedSummary(long Seed, SeedRole Role, string Report, IReadOnlyList<SystemScore> Systems, IReadOnlyList<SystemSubgroups> Subgroups, double PatientDays, int Events, long Readings, double ElapsedSeconds);

/// <summary>A family over its seeds: report seeds and tuning seeds apart.</summary>
/// <param name="Subgroups">Over the report seeds, counts added.</param>
public sealed record FamilySummary(
    string Family,
    string? Description,
    int Patients,
    TimeSpan Duration,
    IReadOnlyList<SeedSummary> Seeds,
    IReadOnlyList<SystemSpread> Report,
    IReadOnlyList<SystemSpread> Tuning,
    IReadOnlyList<SystemSubgroups> Subgroups)
{
    public IReadOnlyList<long> ReportSeeds => [.. Seeds.Where(s => s.Role == SeedRole.Report).Select(s => s.Seed)];

    public IReadOnlyList<long> TuningSeeds => [.. Seeds.Where(s => s.Role == SeedRole.Tuning).Select(s => s.Seed)];

    public static FamilySummary Of(string family, string? description, int patients, TimeSpan duration, IReadOnlyList<SeedSummary> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        IReadOnlyList<SystemSpread> Over(SeedRole role) => SystemSpread.Of([.. seeds.Where(s => s.Role == role).Select(s => s.Systems)]);
        var report = seeds.Where(s => s.Role == SeedRole.Report).ToList();
        var subgroups = report.SelectMany(s => s.Subgroups)
            .GroupBy(s => s.System, StringComparer.Ordinal)
            .Select(g => new SystemSubgroups(g.Key, Metrics.Subgroups.Pool(g.SelectMany(s => s.Groups))))
            .ToList();
        return new FamilySummary(family, description, patients, duration, seeds, Over(SeedRole.Report), Over(SeedRole.Tuning), subgroups);
    }
}

/// <summary>Every family of a plan.</summary>
public sealed record FamilyResults(IReadOnlyList<FamilySummary> Families, IReadOnlyList<string> HeadlineSystems, ScoringRules Rules)
{
    /// <summary>One line per family and headline system, over the report seeds; the build puts them in its summary.</summary>
    public IEnumerable<string> HeadlineLines()
    {
        foreach (var family in Families)
        {
            foreach (var system in HeadlineSystems)
            {
                var spread = family.Report.First(s => s.System == system);
                yield return string.Create(CultureInfo.InvariantCulture,
                    $"Evaluation {family.Family}: {system}: sensitivity {Percent(spread.Sensitivity)} ({spread.Detected}/{spread.Events}), " +
                    $"{PerDay(spread.FalseAlarmsPerPatientDay)} false alerts per patient-day, over report seeds {string.Join(", ", family.ReportSeeds)}");
            }
        }
    }

    /// <summary>"91.2 % ± 3.1 (87.5–95.0)": mean ± standard deviation over the seeds (least–most).</summary>
    public static string Percent(Spread spread)
    {
        ArgumentNullException.ThrowIfNull(spread);
        return spread.Count == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{spread.Mean * 100:0.0} % ± {spread.StandardDeviation * 100:0.0} ({spread.Min * 100:0.0}–{spread.Max * 100:0.0})");
    }

    public static string PerDay(Spread spread)
    {
        ArgumentNullException.ThrowIfNull(spread);
        return spread.Count == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{spread.Mean:0.00} ± {spread.StandardDeviation:0.00} ({spread.Min:0.00}–{spread.Max:0.00})");
    }

    public static string Minutes(Spread spread)
    {
        ArgumentNullException.ThrowIfNull(spread);
        return spread.Count == 0 ? "–" : string.Create(CultureInfo.InvariantCulture, $"{spread.Mean:0.0} ± {spread.StandardDeviation:0.0}{(spread.Unmeasured > 0 ? $" ({spread.Count} seeds)" : string.Empty)}");
    }
}
