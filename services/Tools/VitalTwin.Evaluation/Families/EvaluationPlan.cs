using System.Text.Json;
using System.Text.Json.Serialization;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Evaluation.Families;

/// <summary>Whether a seed's run may be looked at while tuning, or is kept for the figures reported.</summary>
public enum SeedRole
{
    Tuning,
    Report,
}

/// <summary>One run of the plan: a family's scenario with one seed.</summary>
public sealed record FamilySeed(Scenario Scenario, long Seed, SeedRole Role)
{
    public string Family => Scenario.Name;
}

/// <summary>
/// Which scenario families the evaluation runs, and with which seeds (evaluation.json). Every family runs with every
/// seed, the seed replacing the family file's own. Tuning seeds are the ones to look at while changing the
/// configuration; report seeds are kept apart, so that the figures reported were not tuned on.
/// </summary>
public sealed record EvaluationPlan(IReadOnlyList<Scenario> Families, IReadOnlyList<long> TuningSeeds, IReadOnlyList<long> ReportSeeds)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <exception cref="FormatException">The file is not a valid plan; the message names the file.</exception>
    /// <exception cref="ScenarioValidationException">A family file is not a valid scenario.</exception>
    public static EvaluationPlan Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path), Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileName(path));
    }

    /// <param name="directory">Where the family files named in the plan are.</param>
    /// <param name="origin">Names the plan in messages.</param>
    public static EvaluationPlan Parse(string json, string directory, string origin)
    {
        ArgumentNullException.ThrowIfNull(json);
        PlanDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<PlanDocument>(json, Json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{origin}: line {ex.LineNumber + 1}: {ex.Message}");
        }
        var problems = new List<string>();
        if (document?.Families is not { Count: > 0 } files)
        {
            problems.Add("families: name at least one scenario file");
            files = [];
        }
        var tuning = document?.Seeds?.Tuning ?? [];
        var report = document?.Seeds?.Report ?? [];
        if (report.Count == 0)
        {
            problems.Add("seeds.report: give at least one seed");
        }
        foreach (var seed in tuning.Concat(report).GroupBy(s => s).Where(g => g.Count() > 1))
        {
            problems.Add($"seeds: {seed.Key} is given more than once (a seed is either for tuning or for the report)");
        }
        var families = new List<Scenario>();
        foreach (var file in files)
        {
            var path = Path.Combine(directory, file);
            if (!File.Exists(path))
            {
                problems.Add($"families: {file} does not exist (beside {origin})");
                continue;
            }
            families.Add(ScenarioLoader.Load(path));
        }
        foreach (var name in families.GroupBy(f => f.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"families: two files are named '{name.Key}'; each family needs its own name (its output folder)");
        }
        return problems.Count > 0
            ? throw new FormatException($"{origin} is not valid:{string.Concat(problems.Select(p => $"{Environment.NewLine}  {p}"))}")
            : new EvaluationPlan(families, tuning, report);
    }

    /// <summary>Every family with every seed, tuning seeds first; only the named family when one is given.</summary>
    /// <exception cref="ArgumentException">No family has that name.</exception>
    public IReadOnlyList<FamilySeed> Runs(string? family = null)
    {
        var chosen = family is null ? Families : Families.Where(f => string.Equals(f.Name, family, StringComparison.Ordinal)).ToList();
        if (chosen.Count == 0)
        {
            throw new ArgumentException($"No family is named '{family}'; the plan has {string.Join(", ", Families.Select(f => f.Name))}.");
        }
        return [.. from scenario in chosen
                   from run in TuningSeeds.Select(s => (Seed: s, Role: SeedRole.Tuning)).Concat(ReportSeeds.Select(s => (Seed: s, Role: SeedRole.Report)))
                   select new FamilySeed(scenario with { Seed = run.Seed }, run.Seed, run.Role)];
    }

    private sealed class PlanDocument
    {
        public List<string>? Families { get; set; }
        public SeedsDocument? Seeds { get; set; }
    }

    private sealed class SeedsDocument
    {
        public List<long>? Tuning { get; set; }
        public List<long>? Report { get; set; }
    }
}
