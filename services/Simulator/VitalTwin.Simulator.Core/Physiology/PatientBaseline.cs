using VitalTwin.Clinical;

namespace VitalTwin.Simulator.Core.Physiology;

/// <summary>A patient's resting vitals at the daily mean, in the catalogue's canonical units.</summary>
public sealed record PatientBaseline(
    double HeartRate,
    double OxygenSaturation,
    double RespiratoryRate,
    double SystolicBloodPressure,
    double BodyTemperature)
{
    public double this[VitalSign sign] => sign switch
    {
        VitalSign.HeartRate => HeartRate,
        VitalSign.OxygenSaturation => OxygenSaturation,
        VitalSign.RespiratoryRate => RespiratoryRate,
        VitalSign.SystolicBloodPressure => SystolicBloodPressure,
        VitalSign.BodyTemperature => BodyTemperature,
        _ => throw new ArgumentOutOfRangeException(nameof(sign), sign, null),
    };
}

/// <summary>
/// A patient's daily rhythm: relative amplitudes for pulse and pressure (they scale with the baseline), absolute
/// ones for temperature, and a personal shift of the whole rhythm (chronotype).
/// </summary>
public sealed record CircadianProfile(
    double HeartRateAmplitude,
    double SystolicAmplitude,
    double TemperatureAmplitude,
    double RespiratoryAmplitude,
    double SaturationAmplitude,
    double ShiftHours);
