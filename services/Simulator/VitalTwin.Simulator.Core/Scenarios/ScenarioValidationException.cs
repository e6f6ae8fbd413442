namespace VitalTwin.Simulator.Core.Scenarios;

/// <summary>One thing wrong with a scenario: the field, as spelled in the file (<c>events[2].onset.max</c>), and what is wrong.</summary>
public sealed record ScenarioError(string Field, string Problem)
{
    public override string ToString() => $"{Field}: {Problem}";
}

/// <summary>A scenario that cannot be run; the message lists every problem found, one per line.</summary>
public sealed class ScenarioValidationException(string origin, IReadOnlyList<ScenarioError> errors)
    : Exception($"Scenario {origin} is not valid:{string.Concat(errors.Select(e => $"{Environment.NewLine}  {e}"))}")
{
    public IReadOnlyList<ScenarioError> Errors { get; } = errors;
}
