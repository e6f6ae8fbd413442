using Google.Protobuf.WellKnownTypes;
using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.Dashboard.Clinical;

/// <summary>
/// What the settings form holds: per vital, the limits, hold time and sensitivity a clinician is setting or clearing,
/// SpO₂ scale 2, the reason and the validity. Only the vitals the clinician touched become part of the change, so
/// saving one vital does not re-author the others.
/// </summary>
public sealed class AlarmSettingsDraft
{
    public const string Scale2Keep = "";
    public const string Scale2On = "on";
    public const string Scale2Off = "off";

    public IReadOnlyList<VitalDraft> Vitals { get; } = [.. AlarmSettingsDisplay.Vitals.Select(v => new VitalDraft(v))];

    public string Scale2 { get; set; } = Scale2Keep;

    public string Reason { get; set; } = string.Empty;

    public double ValidForHours { get; set; } = 24;

    /// <summary>The form as the settings in force: nothing touched.</summary>
    public void Load(PatientAlarmSettings? settings)
    {
        foreach (var vital in Vitals)
        {
            vital.Load(settings?.Vitals.FirstOrDefault(s => vital.Vital.Names(s.Code)));
        }
        Scale2 = Scale2Keep;
    }

    /// <summary>The change the form describes, or why it describes none.</summary>
    public (AlarmSettingsChange? Change, string? Problem) Change()
    {
        var change = new AlarmSettingsChange();
        foreach (var vital in Vitals)
        {
            if (vital.Clear)
            {
                change.Clear.Add(vital.Vital.Code);
            }
            else if (vital.Touched)
            {
                change.Set.Add(vital.Setting());
            }
        }
        if (Scale2 != Scale2Keep)
        {
            change.Spo2Scale2 = Scale2 == Scale2On;
        }
        return change.Set.Count == 0 && change.Clear.Count == 0 && !change.HasSpo2Scale2
            ? (null, "Change a setting first: nothing in the form differs from the settings in force.")
            : (change, null);
    }
}

public sealed class VitalDraft(SettableVital vital)
{
    public SettableVital Vital { get; } = vital;

    public double? Low { get; set; }

    public double? High { get; set; }

    public double? HoldSeconds { get; set; }

    public DetectorSensitivity Sensitivity { get; set; }

    /// <summary>Back to the defaults.</summary>
    public bool Clear { get; set; }

    /// <summary>The clinician changed a value of this vital.</summary>
    public bool Touched { get; set; }

    public void Load(VitalAlarmSetting? setting)
    {
        Low = setting is { HasLowLimit: true } ? setting.LowLimit : null;
        High = setting is { HasHighLimit: true } ? setting.HighLimit : null;
        HoldSeconds = setting?.HoldTime is { } hold && hold.ToTimeSpan() > TimeSpan.Zero ? hold.ToTimeSpan().TotalSeconds : null;
        Sensitivity = setting?.Sensitivity ?? DetectorSensitivity.Standard;
        Clear = false;
        Touched = false;
    }

    public VitalAlarmSetting Setting()
    {
        var setting = new VitalAlarmSetting { Code = Vital.Code, Sensitivity = Sensitivity };
        if (Low is { } low)
        {
            setting.LowLimit = low;
        }
        if (High is { } high)
        {
            setting.HighLimit = high;
        }
        if (HoldSeconds is { } seconds)
        {
            setting.HoldTime = Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds));
        }
        return setting;
    }
}
