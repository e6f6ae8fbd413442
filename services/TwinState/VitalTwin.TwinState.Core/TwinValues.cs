using VitalTwin.Clinical;
using VitalTwin.Clinical.Screening;
using VitalTwin.Clinical.Settings;

namespace VitalTwin.TwinState.Core;

/// <summary>A vital's personal baseline: its usual level and mean absolute deviation, learnt from clean, non-anomalous readings.</summary>
public readonly record struct BaselineEstimate(double Level, double Spread, long Count, bool IsEstablished);

/// <summary>Least-squares slope over the trend window, per hour, and how many trend points it rests on.</summary>
public readonly record struct VitalTrend(double SlopePerHour, int Points);

/// <summary>The value a vital is expected to have at <paramref name="At"/>.</summary>
/// <param name="Lower">The 80 % prediction interval from how far the vital's recent forecasts missed; null while too few were checked.</param>
public readonly record struct VitalForecast(double Value, DateTimeOffset At, double? Lower = null, double? Upper = null);

/// <summary>An artifact episode the twin found in a vital's signal (the device did not flag it).</summary>
/// <param name="StartedAt">The first reading of the episode.</param>
/// <param name="EndedAt">The first reading after it; null while it lasts.</param>
public readonly record struct SignalArtifactEpisode(SignalArtifact Kind, DateTimeOffset StartedAt, DateTimeOffset? EndedAt);

/// <summary>One trend point: the mean of the readings in the bucket centred on <paramref name="At"/>.</summary>
public readonly record struct TrendPoint(DateTimeOffset At, double Mean);

/// <summary>How a NEWS2 parameter got its score.</summary>
public enum News2InputStatus
{
    /// <summary>A usable value no older than the vital's staleness threshold.</summary>
    Measured,

    /// <summary>No usable value yet: scored 0, and the aggregate is incomplete.</summary>
    Missing,

    /// <summary>The newest usable value is older than the staleness threshold: scored as missing.</summary>
    Stale,

    /// <summary>Air/oxygen or consciousness as a clinician recorded it.</summary>
    Recorded,

    /// <summary>Air/oxygen or consciousness not recorded: taken as air and Alert.</summary>
    Assumed,
}

public readonly record struct News2Input(News2Parameter Parameter, News2InputStatus Status);

/// <summary>NEWS2 scored on each vital's forecast at <paramref name="At"/> (current value where a vital has no forecast).</summary>
public sealed record News2Projection(DateTimeOffset At, News2Result News2)
{
    public News2Risk Risk => News2.Risk;
}

internal readonly record struct PendingReading(long Ticks, double Value);

/// <summary>A move of NEWS2 to another risk band, up or down, seen since <paramref name="SinceTicks"/> and not yet held long enough to count.</summary>
internal readonly record struct News2BandChange(long SinceTicks, bool Up);

// The twin's per-vital inputs to NEWS2 and its projection, shared by the live twin and a deserialised snapshot.
internal readonly record struct ScoringInput(News2InputStatus Status, double Value, double Forecast, long ForecastAtTicks)
{
    public static ScoringInput Missing => new(News2InputStatus.Missing, double.NaN, double.NaN, 0);
}

internal static class TwinScoring
{
    public static readonly int SignCount = Enum.GetValues<VitalSign>().Max(s => (int)s) + 1;

    private static readonly News2Parameter[] Parameters = Enum.GetValues<News2Parameter>();

    /// <summary>The context NEWS2 is scored with: the clinician's, on scale 2 while a personal scale 2 setting is in force at the twin's clock.</summary>
    public static PatientContext ScoringContext(PatientContext context, AlarmSettings settings, long clockTicks) =>
        context.SpO2Scale != SpO2Scale.Scale2 && settings.SpO2Scale2 is { } scale2 && scale2.InForceAt(Time.FromUtcTicks(clockTicks))
            ? context with { SpO2Scale = SpO2Scale.Scale2 }
            : context;

    public static (News2Result Result, uint Key) Score(PatientContext context, ReadOnlySpan<ScoringInput> inputs)
    {
        var result = News2.Score(Observations(context, inputs, forecast: false));
        return (result, Key(context, inputs));
    }

    public static News2Projection? Project(PatientContext context, ReadOnlySpan<ScoringInput> inputs)
    {
        long at = 0;
        foreach (var input in inputs)
        {
            if (input.Status == News2InputStatus.Measured && double.IsFinite(input.Forecast))
            {
                at = Math.Max(at, input.ForecastAtTicks);
            }
        }

        return at == 0 ? null : new News2Projection(Time.FromUtcTicks(at), News2.Score(Observations(context, inputs, forecast: true)));
    }

    public static IReadOnlyList<News2Input> Inputs(PatientContext context, ReadOnlySpan<ScoringInput> inputs)
    {
        var result = new News2Input[Parameters.Length];
        for (int i = 0; i < Parameters.Length; i++)
        {
            result[i] = new News2Input(Parameters[i], StatusOf(Parameters[i], context, inputs));
        }

        return Array.AsReadOnly(result);
    }

    public static bool SameScore(News2Result a, News2Result b) =>
        a.Total == b.Total && a.Risk == b.Risk && a.Complete == b.Complete && a.SubScores.SequenceEqual(b.SubScores);

    private static uint Key(PatientContext context, ReadOnlySpan<ScoringInput> inputs)
    {
        uint key = 0;
        foreach (var parameter in Parameters)
        {
            key = (key << 3) | (uint)StatusOf(parameter, context, inputs);
        }

        return key;
    }

    private static News2InputStatus StatusOf(News2Parameter parameter, PatientContext context, ReadOnlySpan<ScoringInput> inputs) => parameter switch
    {
        News2Parameter.AirOrOxygen => context.OnSupplementalOxygen is null ? News2InputStatus.Assumed : News2InputStatus.Recorded,
        News2Parameter.Consciousness => context.Consciousness is null ? News2InputStatus.Assumed : News2InputStatus.Recorded,
        News2Parameter.RespirationRate => inputs[(int)VitalSign.RespiratoryRate].Status,
        News2Parameter.OxygenSaturation => inputs[(int)VitalSign.OxygenSaturation].Status,
        News2Parameter.SystolicBloodPressure => inputs[(int)VitalSign.SystolicBloodPressure].Status,
        News2Parameter.Pulse => inputs[(int)VitalSign.HeartRate].Status,
        News2Parameter.Temperature => inputs[(int)VitalSign.BodyTemperature].Status,
        _ => News2InputStatus.Missing,
    };

    private static News2Observations Observations(PatientContext context, ReadOnlySpan<ScoringInput> inputs, bool forecast) => new(
        RespirationRate: ValueOf(inputs[(int)VitalSign.RespiratoryRate], forecast),
        OxygenSaturation: ValueOf(inputs[(int)VitalSign.OxygenSaturation], forecast),
        OnSupplementalOxygen: context.OnSupplementalOxygen,
        SystolicBloodPressure: ValueOf(inputs[(int)VitalSign.SystolicBloodPressure], forecast),
        Pulse: ValueOf(inputs[(int)VitalSign.HeartRate], forecast),
        Consciousness: context.Consciousness,
        Temperature: ValueOf(inputs[(int)VitalSign.BodyTemperature], forecast),
        Scale: context.SpO2Scale);

    private static double? ValueOf(ScoringInput input, bool forecast) => input.Status != News2InputStatus.Measured
        ? null
        : forecast && double.IsFinite(input.Forecast) ? input.Forecast : input.Value;
}

internal static class Time
{
    public static DateTimeOffset FromUtcTicks(long ticks) => new(ticks, TimeSpan.Zero);
}
