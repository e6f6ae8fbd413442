using System.Globalization;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.Notification.Core;

namespace VitalTwin.TwinState.WhatIf;

/// <summary>
/// Which alerts disappear and which appear. Two alerts match when they have the same condition and key (vital and
/// direction) and were open at the same time (raised to cleared, one still open to the window's end); alerts are paired
/// in the order they were raised, each at most once. An alert of the settings in force left without a match disappears,
/// with the readings that caused it; one of the proposed settings left without a match appears.
/// </summary>
internal static class AlertComparison
{
    public static SettingsSimulationResult Compare(
        SettingsSimulationInput input, AlarmSettings current, IReadOnlyList<ReplayedAlert> currentAlerts, IReadOnlyList<ReplayedAlert> proposedAlerts,
        ReplayConfiguration configuration, VitalCatalogue catalogue)
    {
        var matched = new bool[proposedAlerts.Count];
        var disappeared = new List<ReplayedAlert>();
        foreach (var alert in currentAlerts)
        {
            var match = -1;
            for (var p = 0; p < proposedAlerts.Count && match < 0; p++)
            {
                if (!matched[p] && proposedAlerts[p].Key == alert.Key && Overlap(alert, proposedAlerts[p], input.To))
                {
                    match = p;
                }
            }
            if (match >= 0)
            {
                matched[match] = true;
            }
            else
            {
                disappeared.Add(alert with { Causes = Causes.Of(alert, input, current, configuration) });
            }
        }
        var appeared = proposedAlerts.Where((_, p) => !matched[p]).ToList();

        var warnings = new List<string>();
        for (var i = 0; i < disappeared.Count; i++)
        {
            var alert = disappeared[i];
            var silenced = input.Confirmed.FirstOrDefault(anomaly =>
                Covers(alert, anomaly, input.To, configuration) && !proposedAlerts.Any(p => Covers(p, anomaly, input.To, configuration)));
            if (silenced is null)
            {
                continue;
            }
            disappeared[i] = alert with { ConfirmedAnomalyId = silenced.Id };
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"The proposed settings would have silenced the alert \"{alert.Summary}\" raised at {alert.RaisedAt:yyyy-MM-dd HH:mm:ss}Z, over an anomaly on {catalogue[silenced.Sign].Name} at {silenced.ObservedAt:yyyy-MM-dd HH:mm:ss}Z that a clinician acknowledged as real (anomaly {silenced.Id}); no alert of the proposed settings covers it."));
        }
        return new SettingsSimulationResult(input.From, input.To, input.Readings.Count, currentAlerts, proposedAlerts, disappeared, appeared, warnings);
    }

    private static bool Overlap(ReplayedAlert a, ReplayedAlert b, DateTimeOffset end) =>
        a.RaisedAt <= (b.ClearedAt ?? end) && b.RaisedAt <= (a.ClearedAt ?? end);

    /// <summary>An alert covers an anomaly on one of its vitals observed while it was open, or a little before it was raised.</summary>
    private static bool Covers(ReplayedAlert alert, ConfirmedAnomaly anomaly, DateTimeOffset end, ReplayConfiguration configuration) =>
        alert.Signs.Contains(anomaly.Sign)
        && anomaly.ObservedAt >= alert.RaisedAt - configuration.ConfirmedAnomalyLookBack
        && anomaly.ObservedAt <= (alert.ClearedAt ?? end);
}
