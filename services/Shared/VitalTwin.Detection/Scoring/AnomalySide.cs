namespace VitalTwin.Detection;

/// <summary>Which tail of the score distribution counts as anomalous.</summary>
public enum AnomalySide
{
    /// <summary>Unusually high values.</summary>
    Positive,

    /// <summary>Unusually low values.</summary>
    Negative,

    /// <summary>Either tail; the p-value is the smaller tail, not doubled.</summary>
    TwoSided,
}
