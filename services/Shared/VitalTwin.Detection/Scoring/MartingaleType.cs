namespace VitalTwin.Detection;

/// <summary>How p-values are turned into bets for change-point detection.</summary>
public enum MartingaleType
{
    /// <summary>No martingale.</summary>
    None,

    /// <summary>Power martingale: bet ε·p^(ε−1).</summary>
    Power,

    /// <summary>Power martingale mixed over ε in (0, 1).</summary>
    Mixture,
}
