namespace VitalTwin.Detection;

/// <summary>The largest growth an SSA forecast may extrapolate: <paramref name="Growth"/> over <paramref name="TimeSpan"/> steps.</summary>
/// <param name="TimeSpan">Number of steps, at least 1.</param>
/// <param name="Growth">Allowed growth factor over that span, at least 0.</param>
public readonly record struct GrowthRatio(int TimeSpan, double Growth)
{
    /// <summary>The allowed growth per step, Growth^(1/TimeSpan).</summary>
    public double Ratio => Math.Pow(Growth, 1d / TimeSpan);
}
