namespace VitalTwin.Clinical;

/// <summary>The vital signs VitalTwin ingests and scores.</summary>
public enum VitalSign
{
    HeartRate,
    OxygenSaturation,
    RespiratoryRate,
    SystolicBloodPressure,
    BodyTemperature,
}
