namespace VitalTwin.Clinical;

/// <summary>
/// One set of observations to score. Null means not observed; units are /min, %, mmHg and °C.
/// </summary>
public readonly record struct News2Observations(
    double? RespirationRate,
    double? OxygenSaturation,
    bool? OnSupplementalOxygen,
    double? SystolicBloodPressure,
    double? Pulse,
    Consciousness? Consciousness,
    double? Temperature,
    SpO2Scale Scale = SpO2Scale.Scale1);
