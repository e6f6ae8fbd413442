using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.Dashboard.Clinical;

/// <summary>One vital a personal setting can name, with the default alert limits such a setting replaces.</summary>
/// <param name="DefaultLow">Where NEWS2 scores the vital 3 on the low side (SpO₂ on scale 1); null when no single score alerts there.</param>
public sealed record SettableVital(VitalSign Sign, string Name, double? DefaultLow, double? DefaultHigh)
{
    public VitalDefinition Definition => VitalCatalogue.Default[Sign];

    public string Unit => Display.Unit(Definition.CanonicalUnit);

    public VitalCode Code => new() { Loinc = Definition.Loinc, Mdc = Definition.Mdc };

    public bool Names(VitalCode? code) => code is not null && Definition.HasLoinc(code.Loinc);
}

/// <summary>How the patient view words personal alarm settings, acknowledged anomalies and the what-if answers.</summary>
public static class AlarmSettingsDisplay
{
    /// <summary>The settable vitals in the NEWS2 chart's order, with NEWS2's score-3 limits: the defaults a personal limit replaces.</summary>
    public static IReadOnlyList<SettableVital> Vitals { get; } =
    [
        new(VitalSign.RespiratoryRate, "Respiration rate", 8, 25),
        new(VitalSign.OxygenSaturation, "SpO₂", 91, null),
        new(VitalSign.SystolicBloodPressure, "Systolic blood pressure", 90, 220),
        new(VitalSign.HeartRate, "Pulse", 40, 131),
        new(VitalSign.BodyTemperature, "Temperature", 35.0, null),
    ];

    public static IReadOnlyList<(DetectorSensitivity Level, string Word)> Sensitivities { get; } =
    [
        (DetectorSensitivity.Standard, "Standard"),
        (DetectorSensitivity.Low, "Low (fewer findings)"),
        (DetectorSensitivity.High, "High (more findings)"),
    ];

    public static IReadOnlyList<TimeSpan> SimulationWindows { get; } = [TimeSpan.FromHours(6), TimeSpan.FromHours(24), TimeSpan.FromHours(72)];

    public static IReadOnlyList<TimeSpan> ProjectionHorizons { get; } = [TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(4)];

    public const string DecisionSupport = "Decision support: shows what the twin's model implies; not a treatment recommendation.";

    public static string Name(VitalCode? code) =>
        Vitals.FirstOrDefault(v => v.Names(code))?.Name ?? code?.Loinc ?? "Unknown vital";

    public static string Sensitivity(DetectorSensitivity level) => Sensitivities.First(s => s.Level == level).Word;

    /// <summary>The default alert limits of <paramref name="vital"/>, as "≤ 40, ≥ 131 /min"; SpO₂ by the scale it is scored on.</summary>
    public static string Defaults(SettableVital vital, bool scale2)
    {
        if (vital.Sign == VitalSign.OxygenSaturation && scale2)
        {
            return "≤ 83 % (scale 2; ≥ 97 % on oxygen)";
        }
        var unit = vital.Definition.CanonicalUnit;
        var sides = new[] { vital.DefaultLow is { } low ? $"≤ {Display.Value(low, unit)}" : null, vital.DefaultHigh is { } high ? $"≥ {Display.Value(high, unit)}" : null };
        return $"{string.Join(", ", sides.Where(s => s is not null))} {vital.Unit}{(vital.Sign == VitalSign.OxygenSaturation ? " (scale 1)" : "")}";
    }

    public static string Limit(bool has, double value, string unit) => has ? $"{Number(value)} {unit}" : "default";

    public static string Hold(Duration? hold) =>
        hold is null || hold.ToTimeSpan() <= TimeSpan.Zero ? "at once" : Span(hold.ToTimeSpan());

    public static string Span(TimeSpan span) =>
        span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? $"{span.TotalHours:0} h"
        : span.TotalMinutes >= 1 && span.TotalMinutes == Math.Floor(span.TotalMinutes) ? $"{span.TotalMinutes:0} min"
        : $"{span.TotalSeconds:0} s";

    /// <summary>"in 23 h (2026-12-08 22:10:00 UTC)", or "expired at …".</summary>
    public static string Expiry(Timestamp? expiresAt, DateTimeOffset now)
    {
        if (expiresAt is null)
        {
            return "not known";
        }
        var at = expiresAt.ToDateTimeOffset();
        return at > now ? $"in {Display.Age(now, at)} ({Display.Time(at)})" : $"expired at {Display.Time(at)}";
    }

    public static string Verdict(AnomalyVerdict verdict) => verdict switch
    {
        AnomalyVerdict.Real => "Real",
        AnomalyVerdict.FalseAlarm => "False alarm",
        _ => "No judgement",
    };

    public static string Anomaly(OpenAnomaly anomaly) =>
        $"{TrendCharts.Kind(anomaly.Kind)} in {Name(anomaly.Code)} ({TrendCharts.DetectorName(anomaly.Detector)})";

    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
