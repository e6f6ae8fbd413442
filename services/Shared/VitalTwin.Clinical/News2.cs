using System.Runtime.CompilerServices;

namespace VitalTwin.Clinical;

/// <summary>
/// National Early Warning Score 2 (Royal College of Physicians, 2017). Non-integer inputs fall in the band
/// whose upper edge they do not exceed, so 8.5 breaths/min scores as 9–11.
/// </summary>
public static class News2
{
    public static int ScoreRespirationRate(double perMinute)
    {
        ThrowIfNaN(perMinute);
        return perMinute switch
        {
            <= 8 => 3,
            <= 11 => 1,
            <= 20 => 0,
            <= 24 => 2,
            _ => 3,
        };
    }

    /// <summary>On Scale 1 oxygen does not change the SpO₂ score; on Scale 2 it matters only above 92 %.</summary>
    public static int ScoreOxygenSaturation(double percent, SpO2Scale scale, bool onOxygen)
    {
        ThrowIfNaN(percent);
        return scale switch
        {
            SpO2Scale.Scale1 => percent switch
            {
                <= 91 => 3,
                <= 93 => 2,
                <= 95 => 1,
                _ => 0,
            },
            SpO2Scale.Scale2 => percent switch
            {
                <= 83 => 3,
                <= 85 => 2,
                <= 87 => 1,
                <= 92 => 0,
                _ when !onOxygen => 0,
                <= 94 => 1,
                <= 96 => 2,
                _ => 3,
            },
            _ => throw new ArgumentOutOfRangeException(nameof(scale), scale, "Unknown SpO2 scale."),
        };
    }

    public static int ScoreAirOrOxygen(bool onOxygen) => onOxygen ? 2 : 0;

    public static int ScoreSystolicBloodPressure(double mmHg)
    {
        ThrowIfNaN(mmHg);
        return mmHg switch
        {
            <= 90 => 3,
            <= 100 => 2,
            <= 110 => 1,
            <= 219 => 0,
            _ => 3,
        };
    }

    public static int ScorePulse(double perMinute)
    {
        ThrowIfNaN(perMinute);
        return perMinute switch
        {
            <= 40 => 3,
            <= 50 => 1,
            <= 90 => 0,
            <= 110 => 1,
            <= 130 => 2,
            _ => 3,
        };
    }

    public static int ScoreConsciousness(Consciousness level) => level switch
    {
        Consciousness.Alert => 0,
        Consciousness.NewConfusion or Consciousness.Voice or Consciousness.Pain or Consciousness.Unresponsive => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown consciousness level."),
    };

    public static int ScoreTemperature(double celsius)
    {
        ThrowIfNaN(celsius);
        return celsius switch
        {
            <= 35.0 => 3,
            <= 36.0 => 1,
            <= 38.0 => 0,
            <= 39.0 => 1,
            _ => 2,
        };
    }

    /// <summary>
    /// Scores all seven parameters. A missing measured vital scores 0 and makes the result incomplete;
    /// missing air/oxygen is taken as air and missing consciousness as Alert.
    /// </summary>
    public static News2Result Score(in News2Observations observations)
    {
        var onOxygen = observations.OnSupplementalOxygen ?? false;
        News2SubScore[] subScores =
        [
            Measured(News2Parameter.RespirationRate, observations.RespirationRate, ScoreRespirationRate),
            Measured(
                News2Parameter.OxygenSaturation,
                observations.OxygenSaturation,
                ScaleAndOxygen(observations.Scale, onOxygen)),
            observations.OnSupplementalOxygen is { } oxygen
                ? new(News2Parameter.AirOrOxygen, ScoreAirOrOxygen(oxygen), Assumed: false, Missing: false)
                : new(News2Parameter.AirOrOxygen, ScoreAirOrOxygen(false), Assumed: true, Missing: false),
            Measured(News2Parameter.SystolicBloodPressure, observations.SystolicBloodPressure, ScoreSystolicBloodPressure),
            Measured(News2Parameter.Pulse, observations.Pulse, ScorePulse),
            observations.Consciousness is { } level
                ? new(News2Parameter.Consciousness, ScoreConsciousness(level), Assumed: false, Missing: false)
                : new(News2Parameter.Consciousness, ScoreConsciousness(Consciousness.Alert), Assumed: true, Missing: false),
            Measured(News2Parameter.Temperature, observations.Temperature, ScoreTemperature),
        ];

        var total = subScores.Sum(s => s.Score);
        var maxSingle = subScores.Max(s => s.Score);
        return new News2Result(total, Array.AsReadOnly(subScores), RiskOf(total, maxSingle), subScores.All(s => !s.Missing));
    }

    public static News2Risk RiskOf(int total, int maxSingle)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        ArgumentOutOfRangeException.ThrowIfNegative(maxSingle);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxSingle, 3);
        return total switch
        {
            >= 7 => News2Risk.High,
            >= 5 => News2Risk.Medium,
            _ when maxSingle >= 3 => News2Risk.LowMedium,
            _ => News2Risk.Low,
        };
    }

    /// <summary>The NEWS2 score of one measured vital's value, SpO2 on <paramref name="scale"/> (and on oxygen or air).</summary>
    public static int ScoreVital(VitalSign sign, double value, SpO2Scale scale, bool onOxygen) => sign switch
    {
        VitalSign.HeartRate => ScorePulse(value),
        VitalSign.RespiratoryRate => ScoreRespirationRate(value),
        VitalSign.SystolicBloodPressure => ScoreSystolicBloodPressure(value),
        VitalSign.OxygenSaturation => ScoreOxygenSaturation(value, scale, onOxygen),
        VitalSign.BodyTemperature => ScoreTemperature(value),
        _ => throw new ArgumentOutOfRangeException(nameof(sign), sign, "Unknown vital sign."),
    };

    public static News2Parameter ParameterOf(VitalSign sign) => sign switch
    {
        VitalSign.HeartRate => News2Parameter.Pulse,
        VitalSign.OxygenSaturation => News2Parameter.OxygenSaturation,
        VitalSign.RespiratoryRate => News2Parameter.RespirationRate,
        VitalSign.SystolicBloodPressure => News2Parameter.SystolicBloodPressure,
        VitalSign.BodyTemperature => News2Parameter.Temperature,
        _ => throw new ArgumentOutOfRangeException(nameof(sign), sign, "Unknown vital sign."),
    };

    private static Func<double, int> ScaleAndOxygen(SpO2Scale scale, bool onOxygen) =>
        percent => ScoreOxygenSaturation(percent, scale, onOxygen);

    private static News2SubScore Measured(News2Parameter parameter, double? value, Func<double, int> score) =>
        value is { } observed
            ? new(parameter, score(observed), Assumed: false, Missing: false)
            : new(parameter, 0, Assumed: false, Missing: true);

    private static void ThrowIfNaN(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (double.IsNaN(value))
        {
            throw new ArgumentOutOfRangeException(name, "NEWS2 cannot score NaN.");
        }
    }
}
