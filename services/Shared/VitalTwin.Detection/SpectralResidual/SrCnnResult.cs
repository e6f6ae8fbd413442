namespace VitalTwin.Detection;

/// <summary>One point scored by <see cref="SrCnnDetector"/>; all zero during warm-up.</summary>
/// <param name="Alert">The raw score, clipped to [0, 1], exceeds the threshold.</param>
/// <param name="RawScore">|S − S̄| / S̄ / 10 at the newest point, not clipped.</param>
/// <param name="Magnitude">S, the saliency of the newest point.</param>
public readonly record struct SrCnnResult(bool Alert, double RawScore, double Magnitude);
