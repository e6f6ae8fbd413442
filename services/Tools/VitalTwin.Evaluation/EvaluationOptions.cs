using VitalTwin.Evaluation.Metrics;
using VitalTwin.Evaluation.Pipeline;

namespace VitalTwin.Evaluation;

/// <summary>What to evaluate: scenario families (the default of the build), one scenario, or a recording with its labels.</summary>
public enum EvaluationMode
{
    Families,
    Scenario,
    Replay,

    /// <summary>The twin's projection (TwinWhatIf.Project) against what happened, over the families' seeds.</summary>
    Projection,
}

/// <summary>
/// Command line: exactly one of <c>--families=&lt;evaluation.json&gt;</c> (optionally <c>--family=&lt;name&gt;</c>),
/// <c>--scenario=&lt;file&gt;</c>, <c>--projection=&lt;evaluation.json&gt;</c> (optionally <c>--family</c>), or <c>--replay=&lt;recording.csv&gt; --labels=&lt;events.csv&gt;</c> (optionally
/// <c>--patients=&lt;patients.csv&gt;</c>); and optionally <c>--output=&lt;dir&gt;</c>, <c>--grace=15m</c>,
/// <c>--artifact-lag=2m</c>, <c>--monitor-delay=10s</c>, <c>--sweep=&lt;Parameter&gt;:&lt;value&gt;,…</c>,
/// <c>--copd-scale2=true</c>, <c>--progress=10s</c>.
/// </summary>
public sealed record EvaluationOptions(EvaluationMode Mode, string Input, string? Output, ScoringRules Rules, RunSettings Run)
{
    public const string Usage =
        """
        Usage: one of
          --families=<evaluation.json> [--family=<name>]   every family with every seed (scenarios/families/evaluation.json)
          --scenario=<file>                                one scenario (services/Simulator/SCENARIOS.md)
          --projection=<evaluation.json> [--family=<name>] the twin's projection against what happened, beside naive
          --replay=<recording.csv> --labels=<events.csv> [--patients=<patients.csv>]
                                                           a recording (timestamp,patient,code,value,unit) scored against
                                                           labels (patient,kind,onset,end; end empty while it persists),
                                                           with subgroups when the patients (patient,age,condition) are given
        and optionally [--output=<dir>] [--grace=15m] [--artifact-lag=2m] [--monitor-delay=10s]
          [--sweep=<Parameter>:<value>,...] [--copd-scale2=true] [--progress=10s]
        """;

    public string? Family { get; init; }

    public string? Labels { get; init; }

    public string? Patients { get; init; }

    /// <exception cref="ArgumentException">An unknown switch, a switch without its value, or not exactly one thing to evaluate.</exception>
    /// <exception cref="FormatException">A value that does not parse.</exception>
    public static EvaluationOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? scenario = null, families = null, projection = null, family = null, replay = null, labels = null, patients = null, output = null;
        var rules = ScoringRules.Default;
        var run = new RunSettings();
        for (var i = 0; i < args.Count; i++)
        {
            var parts = args[i].Split('=', 2);
            var value = parts.Length == 2 ? parts[1]
                : i + 1 < args.Count ? args[++i]
                : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            switch (parts[0])
            {
                case "--scenario":
                    scenario = value;
                    break;
                case "--families":
                    families = value;
                    break;
                case "--projection":
                    projection = value;
                    break;
                case "--family":
                    family = value;
                    break;
                case "--replay":
                    replay = value;
                    break;
                case "--labels":
                    labels = value;
                    break;
                case "--patients":
                    patients = value;
                    break;
                case "--output":
                    output = value;
                    break;
                case "--grace":
                    rules = rules with { Grace = Durations.Parse(value) };
                    break;
                case "--artifact-lag":
                    rules = rules with { ArtifactLag = Durations.Parse(value) };
                    break;
                case "--monitor-delay":
                    run = run with { MonitorAlarmDelay = Durations.Parse(value) };
                    break;
                case "--sweep":
                    run = run with { Sweep = string.IsNullOrWhiteSpace(value) ? null : Sweep.Parse(value) };
                    break;
                case "--copd-scale2":
                    run = run with { CopdOnScale2 = bool.Parse(value) };
                    break;
                case "--progress":
                    run = run with { ProgressInterval = Durations.Parse(value) };
                    break;
                default:
                    throw new ArgumentException($"Unknown option {parts[0]}.\n{Usage}");
            }
        }

        var given = new[] { (EvaluationMode.Families, families), (EvaluationMode.Scenario, scenario), (EvaluationMode.Replay, replay), (EvaluationMode.Projection, projection) }
            .Where(m => !string.IsNullOrWhiteSpace(m.Item2))
            .ToList();
        if (given.Count != 1)
        {
            throw new ArgumentException($"Give exactly one of --families, --scenario, --replay or --projection.\n{Usage}");
        }
        var (mode, input) = given[0];
        if (mode == EvaluationMode.Replay && string.IsNullOrWhiteSpace(labels))
        {
            throw new ArgumentException($"--replay needs --labels=<events.csv> to score against.\n{Usage}");
        }
        if (mode != EvaluationMode.Replay && (labels ?? patients) is not null)
        {
            throw new ArgumentException($"--labels and --patients go with --replay only.\n{Usage}");
        }
        if (mode is not (EvaluationMode.Families or EvaluationMode.Projection) && family is not null)
        {
            throw new ArgumentException($"--family goes with --families or --projection only.\n{Usage}");
        }
        return new EvaluationOptions(mode, input!, output, rules, run) { Family = family, Labels = labels, Patients = patients };
    }
}
