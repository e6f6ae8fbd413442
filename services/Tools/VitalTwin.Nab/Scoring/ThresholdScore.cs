namespace VitalTwin.Nab.Scoring;

/// <summary>A corpus's raw NAB score when every row scoring at least <see cref="Threshold"/> is a detection.</summary>
public readonly record struct ThresholdScore(double Threshold, double Score);
