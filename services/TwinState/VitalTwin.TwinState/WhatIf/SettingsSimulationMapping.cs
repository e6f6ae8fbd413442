using Google.Protobuf.WellKnownTypes;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.TwinState.WhatIf;
using Domain = VitalTwin.Notification.Core;

namespace VitalTwin.TwinState.WhatIf;

internal static class SettingsSimulationMapping
{
    public static SettingsSimulation ToContract(this SettingsSimulationResult result, string patientId, VitalCatalogue catalogue)
    {
        var simulation = new SettingsSimulation
        {
            PatientId = patientId,
            From = Timestamp.FromDateTimeOffset(result.From),
            To = Timestamp.FromDateTimeOffset(result.To),
            ReadingsReplayed = result.ReadingsReplayed,
            Disclaimer = SettingsSimulationResult.Disclaimer,
        };
        simulation.Current.AddRange(result.Current.Select(a => a.ToContract(catalogue)));
        simulation.Proposed.AddRange(result.Proposed.Select(a => a.ToContract(catalogue)));
        simulation.Disappeared.AddRange(result.Disappeared.Select(a => a.ToContract(catalogue)));
        simulation.Appeared.AddRange(result.Appeared.Select(a => a.ToContract(catalogue)));
        simulation.Warnings.AddRange(result.Warnings);
        return simulation;
    }

    private static SimulatedAlert ToContract(this ReplayedAlert alert, VitalCatalogue catalogue)
    {
        var simulated = new SimulatedAlert
        {
            Condition = alert.Condition.ToContract(),
            Priority = alert.Priority switch
            {
                Domain.AlertPriority.High => AlertPriority.High,
                Domain.AlertPriority.Medium => AlertPriority.Medium,
                _ => AlertPriority.Low,
            },
            Summary = alert.Summary,
            RaisedAt = Timestamp.FromDateTimeOffset(alert.RaisedAt),
            ClearedAt = alert.ClearedAt is { } cleared ? Timestamp.FromDateTimeOffset(cleared) : null,
            UnderPersonalSetting = alert.UnderPersonalSetting,
            ConfirmedAnomalyId = alert.ConfirmedAnomalyId ?? string.Empty,
        };
        simulated.Codes.AddRange(alert.Signs.Select(sign => Code(sign, catalogue)));
        simulated.Causes.AddRange(alert.Causes.Select(cause => new SimulatedReading
        {
            Code = Code(cause.Sign, catalogue),
            ObservedAt = Timestamp.FromDateTimeOffset(cause.ObservedAt),
            Value = cause.Value,
            Unit = catalogue[cause.Sign].CanonicalUnit,
        }));
        return simulated;
    }

    private static AlertCondition ToContract(this Domain.AlertCondition condition) => condition switch
    {
        Domain.AlertCondition.News2Medium => AlertCondition.News2Medium,
        Domain.AlertCondition.News2High => AlertCondition.News2High,
        Domain.AlertCondition.News2SingleParameter => AlertCondition.News2SingleParameter,
        Domain.AlertCondition.VitalSpike => AlertCondition.VitalSpike,
        Domain.AlertCondition.VitalChange => AlertCondition.VitalChange,
        Domain.AlertCondition.VitalsCombined => AlertCondition.VitalsCombined,
        Domain.AlertCondition.VitalStale => AlertCondition.VitalStale,
        Domain.AlertCondition.TrendingWorse => AlertCondition.TrendingWorse,
        Domain.AlertCondition.PersonalLimit => AlertCondition.PersonalLimit,
        _ => AlertCondition.Unspecified,
    };

    private static VitalCode Code(VitalSign sign, VitalCatalogue catalogue) => new() { Loinc = catalogue[sign].Loinc, Mdc = catalogue[sign].Mdc };
}
