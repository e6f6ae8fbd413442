using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace VitalTwin.Clinical.Settings;

/// <summary>
/// What no personal setting may cross, whoever sets it: limits beyond which an alert limit may not be moved (no SpO2
/// low limit under 85 %, say), the longest hold time, and how long a setting may stay in force.
/// </summary>
public sealed class SettingsBounds
{
    /// <summary>Per vital, the lowest low limit and the highest high limit a setting may have. A vital not listed takes no limits.</summary>
    public Dictionary<VitalSign, LimitBounds> Limits { get; set; } = new()
    {
        [VitalSign.HeartRate] = new() { LowestLow = 30, HighestHigh = 160 },
        [VitalSign.RespiratoryRate] = new() { LowestLow = 5, HighestHigh = 35 },
        [VitalSign.OxygenSaturation] = new() { LowestLow = 85, HighestHigh = 100 },
        [VitalSign.SystolicBloodPressure] = new() { LowestLow = 70, HighestHigh = 230 },
        [VitalSign.BodyTemperature] = new() { LowestLow = 34, HighestHigh = 40 },
    };

    /// <summary>The longest a crossed limit may be held back before it alerts.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:15:00")]
    public TimeSpan MaxHoldTime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a setting stays in force when the clinician does not say.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan DefaultValidity { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The longest a setting may stay in force; a request for longer is refused, never shortened silently.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan MaxValidity { get; set; } = TimeSpan.FromHours(72);

    /// <summary>Why <paramref name="setting"/> crosses a bound, in words for the clinician; null when it does not.</summary>
    public string? Violation(VitalAlarmSetting setting, VitalCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(catalogue);
        var definition = catalogue[setting.Sign];
        if (setting.HoldTime < TimeSpan.Zero || setting.HoldTime > MaxHoldTime)
        {
            return Text($"the hold time for {definition.Name} must be between 0 and {MaxHoldTime}");
        }
        if (setting.LowLimit is null && setting.HighLimit is null)
        {
            return null;
        }
        if (!Limits.TryGetValue(setting.Sign, out var bounds))
        {
            return Text($"{definition.Name} takes no personal alert limits");
        }
        if (setting.LowLimit is { } low && (!double.IsFinite(low) || low < bounds.LowestLow))
        {
            return Text($"the low limit for {definition.Name} may not be under {bounds.LowestLow} {definition.CanonicalUnit}");
        }
        if (setting.HighLimit is { } high && (!double.IsFinite(high) || high > bounds.HighestHigh))
        {
            return Text($"the high limit for {definition.Name} may not be over {bounds.HighestHigh} {definition.CanonicalUnit}");
        }
        return setting.LowLimit >= setting.HighLimit ? Text($"the low limit for {definition.Name} must be under its high limit") : null;
    }

    /// <summary>Why a validity of <paramref name="validFor"/> is refused; null when it is allowed.</summary>
    public string? ValidityViolation(TimeSpan validFor) =>
        validFor <= TimeSpan.Zero || validFor > MaxValidity ? Text($"a setting stays in force for more than 0 and at most {MaxValidity}") : null;

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

public sealed class LimitBounds
{
    public double LowestLow { get; set; }

    public double HighestHigh { get; set; }
}
