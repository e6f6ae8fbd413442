using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.Notification.Core;

namespace VitalTwin.TwinState.WhatIf;

/// <summary>
/// The readings behind an alert: readings of the vitals it names, within <see cref="ReplayConfiguration.CauseWindow"/>
/// before it was raised (up to that moment), beyond the threshold it alerts on, the latest
/// <see cref="ReplayConfiguration.MaxCausesPerAlert"/> of them. The threshold: for a limit alert (single NEWS2 parameter,
/// personal limit) the limit on its side, the personal one where set; for a NEWS2 aggregate alert any value NEWS2 scores
/// above 0; for a detector alert (spike, change, combined, trending worse) the value the detector reported, or beyond
/// it. A stale vital's cause is its last reading.
/// </summary>
internal static class Causes
{
    public static IReadOnlyList<CausingReading> Of(ReplayedAlert alert, SettingsSimulationInput input, AlarmSettings settings, ReplayConfiguration configuration)
    {
        var readings = input.Readings;
        var scale = settings.SpO2Scale2 is not null ? SpO2Scale.Scale2 : input.Context.SpO2Scale;
        var onOxygen = input.Context.OnSupplementalOxygen ?? false;
        var last = readings.FirstAtOrAfter(alert.RaisedAt.UtcTicks + 1) - 1;
        if (alert.Condition == AlertCondition.VitalStale)
        {
            for (var i = last; i >= 0; i--)
            {
                if (readings.Signs[i] == alert.Key.Sign)
                {
                    return [Reading(readings, i)];
                }
            }
            return [];
        }

        var first = readings.FirstAtOrAfter((alert.RaisedAt - configuration.CauseWindow).UtcTicks);
        var found = new List<CausingReading>();
        for (var i = last; i >= first && found.Count < configuration.MaxCausesPerAlert; i--)
        {
            var sign = readings.Signs[i];
            if (alert.Signs.Contains(sign) && Crossed(alert, sign, readings.Values[i], settings, scale, onOxygen))
            {
                found.Add(Reading(readings, i));
            }
        }
        found.Reverse();
        return found;
    }

    private static bool Crossed(ReplayedAlert alert, VitalSign sign, double value, AlarmSettings settings, SpO2Scale scale, bool onOxygen)
    {
        switch (alert.Condition)
        {
            case AlertCondition.News2SingleParameter or AlertCondition.PersonalLimit:
                return BeyondLimit(alert.Key, value, settings.For(sign), scale, onOxygen);
            case AlertCondition.News2Medium or AlertCondition.News2High:
                return News2.ScoreVital(sign, value, scale, onOxygen) >= 1;
            default:
                // A detector's alert: the reported value of that vital, or beyond it, the way it moved.
                return alert.Reported.TryGetValue(sign, out var reported)
                    && (reported.Upward ? value >= reported.Value : value <= reported.Value);
        }
    }

    /// <summary>Beyond the personal limit on the alert's side where one is set, else where NEWS2 scores the vital 3 on that side.</summary>
    internal static bool BeyondLimit(AlertKey key, double value, VitalAlarmSetting? personal, SpO2Scale scale, bool onOxygen)
    {
        var up = key.Direction == AlertDirection.Up;
        if ((up ? personal?.HighLimit : personal?.LowLimit) is { } limit)
        {
            return up ? value >= limit : value <= limit;
        }
        return key.Sign is { } sign && News2.ScoreVital(sign, value, scale, onOxygen) == 3 && AboveNormal(sign, value) == up;
    }


    // The upper edge of each vital's NEWS2 zero-score band, as the policy splits a single-parameter alert by direction.
    private static bool AboveNormal(VitalSign sign, double value) => sign switch
    {
        VitalSign.HeartRate => value > 90,
        VitalSign.RespiratoryRate => value > 20,
        VitalSign.SystolicBloodPressure => value > 219,
        VitalSign.BodyTemperature => value > 38,
        VitalSign.OxygenSaturation => value > 92,
        _ => false,
    };

    private static CausingReading Reading(RecordedReadings readings, int index) =>
        new(readings.Signs[index], readings.TimeOf(index), readings.Values[index]);
}
