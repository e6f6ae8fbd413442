using System.Text.Json;

namespace VitalTwin.Nab.Scoring;

/// <summary>The weights of one NAB application profile (NAB's <c>config/profiles.json</c>); the TN weight is unused by NAB.</summary>
public sealed record NabProfile(string Name, double TruePositiveWeight, double FalseNegativeWeight, double FalsePositiveWeight)
{
    public static NabProfile Standard { get; } = new("standard", 1.0, 1.0, 0.11);

    public static NabProfile RewardLowFalsePositiveRate { get; } = new("reward_low_FP_rate", 1.0, 1.0, 0.22);

    public static NabProfile RewardLowFalseNegativeRate { get; } = new("reward_low_FN_rate", 1.0, 2.0, 0.11);

    /// <summary>The three published profiles, in the order NAB's scoreboard lists them.</summary>
    public static IReadOnlyList<NabProfile> All { get; } = [Standard, RewardLowFalsePositiveRate, RewardLowFalseNegativeRate];

    /// <summary>Reads the three published profiles from a <c>profiles.json</c>, in the order of <see cref="All"/>.</summary>
    public static IReadOnlyList<NabProfile> Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        return All.Select(known =>
        {
            if (!document.RootElement.TryGetProperty(known.Name, out var profile))
            {
                throw new InvalidDataException($"{path} has no \"{known.Name}\" profile.");
            }

            var costs = profile.GetProperty("CostMatrix");
            return new NabProfile(
                known.Name,
                costs.GetProperty("tpWeight").GetDouble(),
                costs.GetProperty("fnWeight").GetDouble(),
                costs.GetProperty("fpWeight").GetDouble());
        }).ToList();
    }
}
