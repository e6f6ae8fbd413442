namespace VitalTwin.Detection;

/// <summary>One point scored by a spike detector.</summary>
/// <param name="Alert">The p-value is at or below 1 − confidence/100 and the window was full.</param>
/// <param name="RawScore">The score that was tested; NaN input gives NaN.</param>
/// <param name="PValue">Tail probability of the raw score against the window, in [1e-8, 1 − 1e-8]; NaN when not scored.</param>
public readonly record struct SpikeResult(bool Alert, double RawScore, double PValue);
