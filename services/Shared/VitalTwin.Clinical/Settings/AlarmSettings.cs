namespace VitalTwin.Clinical.Settings;

/// <summary>How readily the detectors flag a vital, relative to the deployment's configuration.</summary>
public enum DetectorSensitivity
{
    Standard,

    /// <summary>Fewer findings: a noisy signal that is this patient's normal.</summary>
    Low,

    /// <summary>More findings: a vital to watch closely.</summary>
    High,
}

/// <summary>Who set a personal setting, why, and until when. A setting is in force until it expires.</summary>
public sealed record SettingProvenance(string Reason, string Author, DateTimeOffset SetAt, DateTimeOffset ExpiresAt)
{
    public bool InForceAt(DateTimeOffset at) => at < ExpiresAt;
}

/// <summary>
/// One vital's personal alarm settings. A limit replaces that side's default alert limit (where NEWS2 scores the vital
/// 3); null keeps the default. A crossed limit alerts once it has stayed crossed for <see cref="HoldTime"/>.
/// </summary>
public sealed record VitalAlarmSetting(
    VitalSign Sign,
    double? LowLimit,
    double? HighLimit,
    TimeSpan HoldTime,
    DetectorSensitivity Sensitivity,
    SettingProvenance Provenance);

/// <summary>
/// A patient's personal alarm settings: at most one <see cref="VitalAlarmSetting"/> per vital, and SpO2 scored on NEWS2's
/// scale 2 while <see cref="SpO2Scale2"/> is set. <see cref="Version"/> is the twin's version after the clinician's
/// command that produced them.
/// </summary>
public sealed record AlarmSettings(
    IReadOnlyList<VitalAlarmSetting> Vitals,
    SettingProvenance? SpO2Scale2 = null,
    long Version = 0,
    DateTimeOffset UpdatedAt = default)
{
    public static AlarmSettings None { get; } = new([]);

    public bool IsEmpty => Vitals.Count == 0 && SpO2Scale2 is null;

    public VitalAlarmSetting? For(VitalSign sign)
    {
        foreach (var setting in Vitals)
        {
            if (setting.Sign == sign)
            {
                return setting;
            }
        }
        return null;
    }

    /// <summary>
    /// Whether a vital's value moving from <paramref name="before"/> to <paramref name="after"/> crossed one of its
    /// personal limits, either way. A limit can lie inside a NEWS2 band, where the score does not move, so whoever
    /// announces NEWS2 changes announces these crossings too.
    /// </summary>
    public bool CrossesLimit(VitalSign sign, double before, double after)
    {
        if (For(sign) is not { } setting || (setting.LowLimit is null && setting.HighLimit is null))
        {
            return false;
        }
        return Side(before) != Side(after);

        int Side(double value) =>
            double.IsNaN(value) ? 0
            : value <= setting.LowLimit ? -1
            : value >= setting.HighLimit ? 1
            : 0;
    }

    /// <summary>The settings not yet expired at <paramref name="at"/>; this instance when none has.</summary>
    public AlarmSettings InForceAt(DateTimeOffset at)
    {
        var expired = (SpO2Scale2 is { } scale && !scale.InForceAt(at)) || Vitals.Any(v => !v.Provenance.InForceAt(at));
        return !expired
            ? this
            : this with
            {
                Vitals = [.. Vitals.Where(v => v.Provenance.InForceAt(at))],
                SpO2Scale2 = SpO2Scale2 is { } kept && kept.InForceAt(at) ? kept : null,
            };
    }

    /// <summary>These settings with <paramref name="change"/> made: vitals it sets are replaced, vitals it clears dropped, the rest kept.</summary>
    public AlarmSettings With(AlarmSettingsChange change, long version, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(change);
        var replaced = change.Set.Select(s => s.Sign).Concat(change.Clear).ToHashSet();
        return new AlarmSettings(
            [.. Vitals.Where(v => !replaced.Contains(v.Sign)).Concat(change.Set).OrderBy(v => v.Sign)],
            change.ClearSpO2Scale2 ? null : change.SetSpO2Scale2 ?? SpO2Scale2,
            version,
            at);
    }
}

/// <summary>A clinician's change to a patient's settings; anything it does not name is kept.</summary>
public sealed record AlarmSettingsChange(
    IReadOnlyList<VitalAlarmSetting> Set,
    IReadOnlyList<VitalSign> Clear,
    SettingProvenance? SetSpO2Scale2 = null,
    bool ClearSpO2Scale2 = false)
{
    public bool IsEmpty => Set.Count == 0 && Clear.Count == 0 && SetSpO2Scale2 is null && !ClearSpO2Scale2;
}
