namespace VitalTwin.Detection;

/// <summary>One point scored by a change-point detector.</summary>
/// <param name="Alert">The martingale reached the threshold, the window was full and no alert was raised in the last W − 1 points.</param>
/// <param name="RawScore">The score that was tested; NaN input gives NaN.</param>
/// <param name="PValue">Two-sided tail probability of the raw score against the window; NaN when not scored.</param>
/// <param name="Martingale">Product of the bets on the last W p-values; NaN when not scored.</param>
public readonly record struct ChangePointResult(bool Alert, double RawScore, double PValue, double Martingale);
