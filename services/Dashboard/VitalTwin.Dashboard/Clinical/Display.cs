using System.Globalization;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.Dashboard.Clinical;

/// <summary>How the pages word and mark what the services return.</summary>
public static class Display
{
    /// <summary>IEC 60601-1-8 alarm priority: its word, its shape (never colour alone) and the CSS class that colours it red, yellow or cyan.</summary>
    public static (string Word, string Shape, string CssClass) Priority(AlertPriority priority) => priority switch
    {
        AlertPriority.High => ("High", "▲", "priority-high"),
        AlertPriority.Medium => ("Medium", "◆", "priority-medium"),
        AlertPriority.Low => ("Low", "●", "priority-low"),
        _ => ("Unknown", "○", "priority-unknown"),
    };

    public static (string Word, string CssClass) Risk(News2Risk risk) => risk switch
    {
        News2Risk.High => ("High", "risk-high"),
        News2Risk.Medium => ("Medium", "risk-medium"),
        News2Risk.LowMedium => ("Low-medium", "risk-low-medium"),
        News2Risk.Low => ("Low", "risk-low"),
        _ => ("Not scored", "risk-none"),
    };

    public static string State(AlertState state) => state switch
    {
        AlertState.Raised => "Raised",
        AlertState.Notified => "Notified",
        AlertState.Escalated => "Escalated",
        AlertState.Silenced => "Silenced",
        AlertState.Acknowledged => "Acknowledged",
        AlertState.Resolved => "Resolved",
        _ => "Unknown",
    };

    public static string Artifact(SignalArtifact artifact) => artifact switch
    {
        SignalArtifact.Dropout => "Signal dropout",
        SignalArtifact.UncorroboratedDesaturation => "Uncorroborated desaturation",
        _ => "None",
    };

    /// <summary>A vital's value with the precision its unit is read at.</summary>
    public static string Value(double value, string unit) =>
        unit switch
        {
            "Cel" or "°C" => value.ToString("0.0", CultureInfo.InvariantCulture),
            _ => value.ToString("0", CultureInfo.InvariantCulture),
        };

    public static string Unit(string unit) => unit switch
    {
        "/min" => "/min",
        "Cel" => "°C",
        "mm[Hg]" => "mmHg",
        _ => unit,
    };

    /// <summary>How long ago <paramref name="at"/> was, in the largest whole unit: "8 s", "3 min", "2 h".</summary>
    public static string Age(DateTimeOffset at, DateTimeOffset now)
    {
        var age = now - at;
        if (age < TimeSpan.FromMinutes(1))
        {
            return $"{Math.Max(0, (int)age.TotalSeconds)} s";
        }
        return age < TimeSpan.FromHours(1) ? $"{(int)age.TotalMinutes} min" : age < TimeSpan.FromDays(1) ? $"{(int)age.TotalHours} h" : $"{(int)age.TotalDays} d";
    }

    public static string Time(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The ward overview's order: highest NEWS2 risk first, then the highest open alert, then the highest total, then the bed.</summary>
    public static IEnumerable<PatientTwin> ByRisk(IEnumerable<PatientTwin> twins, Func<string, AlertPriority> highestAlert) =>
        twins.OrderByDescending(t => t.News2?.Risk ?? News2Risk.Unspecified)
            .ThenByDescending(t => highestAlert(t.PatientId))
            .ThenByDescending(t => t.News2?.Total ?? 0)
            .ThenBy(t => t.Context?.Bed, StringComparer.Ordinal)
            .ThenBy(t => t.PatientId, StringComparer.Ordinal);

    /// <summary>The short label a central station uses for a vital, by its LOINC code; its name otherwise.</summary>
    public static string ShortName(string loinc, string name) => loinc switch
    {
        "8867-4" => "HR",
        "59408-5" or "2708-6" => "SpO₂",
        "9279-1" => "RR",
        "8480-6" => "SBP",
        "8310-5" => "Temp",
        _ => name,
    };
}
