namespace VitalTwin.Clinical;

/// <summary>
/// Score of one parameter. <see cref="Missing"/>: a measured vital was absent and scored 0.
/// <see cref="Assumed"/>: absent air/oxygen or consciousness taken as air or Alert.
/// </summary>
public readonly record struct News2SubScore(News2Parameter Parameter, int Score, bool Assumed, bool Missing);

/// <summary>
/// An aggregate NEWS2. <see cref="Complete"/> is false when a measured vital was missing, so the total may understate risk.
/// </summary>
public sealed record News2Result(int Total, IReadOnlyList<News2SubScore> SubScores, News2Risk Risk, bool Complete)
{
    /// <summary>The highest single-parameter score, which drives the low–medium band.</summary>
    public int MaxSingle => SubScores.Count == 0 ? 0 : SubScores.Max(s => s.Score);
}
