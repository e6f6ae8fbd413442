using VitalTwin.Evaluation.Metrics;
using VitalTwin.Evaluation.Pipeline;

namespace VitalTwin.Evaluation;

/// <summary>
/// Command line: <c>--scenario=&lt;file&gt;</c> (required), and optionally <c>--output=&lt;dir&gt;</c> (default
/// artifacts/evaluation/&lt;scenario name&gt;), <c>--grace=15m</c>, <c>--artifact-lag=2m</c>,
/// <c>--sweep=&lt;Parameter&gt;:&lt;value&gt;,…</c>, <c>--copd-scale2=true</c>, <c>--progress=10s</c>.
/// </summary>
public sealed record EvaluationOptions(string ScenarioPath, string? Output, ScoringRules Rules, RunSettings Run)
{
    public const string Usage =
        "Usage: --scenario=<file> [--output=<dir>] [--grace=15m] [--artifact-lag=2m] [--sweep=<Parameter>:<value>,...] [--copd-scale2=true] [--progress=10s]";

    /// <exception cref="ArgumentException">An unknown switch, a switch without its value, or no scenario.</exception>
    /// <exception cref="FormatException">A value that does not parse.</exception>
    public static EvaluationOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? scenario = null;
        string? output = null;
        var rules = ScoringRules.Default;
        var run = new RunSettings();
        for (var i = 0; i < args.Count; i++)
        {
            var parts = args[i].Split('=', 2);
            var value = parts.Length == 2 ? parts[1]
                : i + 1 < args.Count ? args[++i]
                : throw new ArgumentException($"{args[i]} needs a value. {Usage}");
            switch (parts[0])
            {
                case "--scenario":
                    scenario = value;
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
                    throw new ArgumentException($"Unknown option {parts[0]}. {Usage}");
            }
        }
        return string.IsNullOrWhiteSpace(scenario)
            ? throw new ArgumentException($"--scenario is required. {Usage}")
            : new EvaluationOptions(scenario, output, rules, run);
    }
}
