using Xunit.Abstractions;

namespace VitalTwin.Gateway.Tests;

/// <summary>How many hostile inputs of each kind a fuzz test tried, and what became of them.</summary>
internal sealed class FuzzTally
{
    private readonly SortedDictionary<string, SortedDictionary<string, int>> _outcomes = new(StringComparer.Ordinal);

    public int Total { get; private set; }

    public void Count(object kind, object outcome)
    {
        var byOutcome = _outcomes.TryGetValue(kind.ToString()!, out var found) ? found : _outcomes[kind.ToString()!] = new(StringComparer.Ordinal);
        byOutcome[outcome.ToString()!] = byOutcome.GetValueOrDefault(outcome.ToString()!) + 1;
        Total++;
    }

    public int Of(object kind) => _outcomes.TryGetValue(kind.ToString()!, out var byOutcome) ? byOutcome.Values.Sum() : 0;

    public void Print(ITestOutputHelper output, string title, int seed)
    {
        output.WriteLine($"{title}: {Total} hostile inputs, seed {seed} (set VITALTWIN_FUZZ_SEED to replay another)");
        foreach (var (kind, byOutcome) in _outcomes)
        {
            output.WriteLine($"  {kind,-28} {byOutcome.Values.Sum(),6}  {string.Join(", ", byOutcome.Select(o => $"{o.Key} {o.Value}"))}");
        }
    }

    /// <summary>The seed a fuzz test runs with: fixed, so every run tries the same inputs, unless the environment names another.</summary>
    public static int Seed(int standard) =>
        int.TryParse(Environment.GetEnvironmentVariable("VITALTWIN_FUZZ_SEED"), out var chosen) ? chosen : standard;
}
