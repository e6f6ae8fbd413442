namespace VitalTwin.Clinical;

/// <summary>The seven NEWS2 parameters, in chart order.</summary>
public enum News2Parameter
{
    RespirationRate,
    OxygenSaturation,
    AirOrOxygen,
    SystolicBloodPressure,
    Pulse,
    Consciousness,
    Temperature,
}
