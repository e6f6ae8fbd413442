using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Notification.Core;
using AlertCondition = VitalTwin.Notification.Core.AlertCondition;
using AlertKey = VitalTwin.Notification.Core.AlertKey;
using AlertPriority = VitalTwin.Notification.Core.AlertPriority;
using AlertReason = VitalTwin.Notification.Core.AlertReason;
using AppliedSetting = VitalTwin.Notification.Core.AppliedSetting;
using Contract = VitalTwin.Contracts.Alerting.V1;

namespace VitalTwin.Notification;

/// <summary>Contract messages ↔ the alert policy's domain types.</summary>
internal static class AlertMapping
{
    public static AlertRaised ToAlertRaised(this AlertDecision decision, string sourceEventId, DateTimeOffset raisedAt, VitalCatalogue catalogue)
    {
        var raised = new AlertRaised
        {
            AlertId = AlertId(decision, sourceEventId),
            PatientId = decision.PatientId,
            Condition = decision.Condition.ToContract(),
            Priority = decision.Priority switch
            {
                AlertPriority.High => Contract.AlertPriority.High,
                AlertPriority.Medium => Contract.AlertPriority.Medium,
                _ => Contract.AlertPriority.Low,
            },
            RaisedAt = Timestamp.FromDateTimeOffset(raisedAt),
            Summary = decision.Summary,
            News2Total = decision.News2Total,
            SourceEventId = sourceEventId,
            Key = decision.Key.ToContract(catalogue),
            ObservedAt = Timestamp.FromDateTimeOffset(decision.ObservedAt == default ? raisedAt : decision.ObservedAt),
        };
        raised.Reasons.AddRange(decision.Reasons.Select(r => r.ToContract(catalogue)));
        raised.PersonalSettings.AddRange(decision.PersonalSettings.Select(s => s.ToContract(catalogue)));
        return raised;
    }

    public static Contract.AlertCondition ToContract(this AlertCondition condition) => condition switch
    {
        AlertCondition.News2Medium => Contract.AlertCondition.News2Medium,
        AlertCondition.News2High => Contract.AlertCondition.News2High,
        AlertCondition.News2SingleParameter => Contract.AlertCondition.News2SingleParameter,
        AlertCondition.VitalSpike => Contract.AlertCondition.VitalSpike,
        AlertCondition.VitalChange => Contract.AlertCondition.VitalChange,
        AlertCondition.VitalsCombined => Contract.AlertCondition.VitalsCombined,
        AlertCondition.VitalStale => Contract.AlertCondition.VitalStale,
        AlertCondition.TrendingWorse => Contract.AlertCondition.TrendingWorse,
        AlertCondition.PersonalLimit => Contract.AlertCondition.PersonalLimit,
        _ => Contract.AlertCondition.Unspecified,
    };

    public static Contract.AlertKey ToContract(this AlertKey key, VitalCatalogue catalogue) => new()
    {
        Condition = key.Condition.ToContract(),
        Code = key.Sign is { } sign ? new VitalCode { Loinc = catalogue[sign].Loinc, Mdc = catalogue[sign].Mdc } : null,
        Direction = key.Direction switch
        {
            AlertDirection.Up => Direction.Up,
            AlertDirection.Down => Direction.Down,
            _ => Direction.Unspecified,
        },
    };

    /// <summary>The policy's key for a key read back from the alerts topic; null for a condition this version does not know.</summary>
    public static AlertKey? ToDomain(this Contract.AlertKey? key, VitalCatalogue catalogue)
    {
        AlertCondition? condition = key?.Condition switch
        {
            Contract.AlertCondition.News2Medium => AlertCondition.News2Medium,
            Contract.AlertCondition.News2High => AlertCondition.News2High,
            Contract.AlertCondition.News2SingleParameter => AlertCondition.News2SingleParameter,
            Contract.AlertCondition.VitalSpike => AlertCondition.VitalSpike,
            Contract.AlertCondition.VitalChange => AlertCondition.VitalChange,
            Contract.AlertCondition.VitalsCombined => AlertCondition.VitalsCombined,
            Contract.AlertCondition.VitalStale => AlertCondition.VitalStale,
            Contract.AlertCondition.TrendingWorse => AlertCondition.TrendingWorse,
            Contract.AlertCondition.PersonalLimit => AlertCondition.PersonalLimit,
            _ => null,
        };
        if (condition is null)
        {
            return null;
        }
        VitalSign? sign = catalogue.TryFind(key!.Code?.Loinc, key.Code?.Mdc, out var definition) ? definition.Sign : null;
        var direction = key.Direction switch
        {
            Direction.Up => AlertDirection.Up,
            Direction.Down => AlertDirection.Down,
            _ => AlertDirection.None,
        };
        return new AlertKey(condition.Value, sign, direction);
    }

    private static Contract.AlertReason ToContract(this AlertReason reason, VitalCatalogue catalogue)
    {
        var message = new Contract.AlertReason
        {
            Text = reason.Text,
            Value = reason.Value ?? 0,
            Unit = reason.Unit ?? string.Empty,
            Baseline = reason.Baseline ?? 0,
            PValue = reason.PValue ?? 0,
        };
        if (reason.Sign is { } sign)
        {
            message.Code = new VitalCode { Loinc = catalogue[sign].Loinc, Mdc = catalogue[sign].Mdc };
        }
        return message;
    }

    private static Contract.AppliedSetting ToContract(this AppliedSetting setting, VitalCatalogue catalogue) => new()
    {
        Code = setting.Sign is { } sign ? new VitalCode { Loinc = catalogue[sign].Loinc, Mdc = catalogue[sign].Mdc } : null,
        Description = setting.Description,
        Reason = setting.Reason,
        Author = setting.Author,
        ExpiresAt = Timestamp.FromDateTimeOffset(setting.ExpiresAt),
    };

    /// <summary>
    /// Derived from the event that caused it, so reprocessing that event yields the same alert id, which is recognised and
    /// not raised twice. Event ids name readings by device and sequence number, which repeat when a device without a boot
    /// id restarts its numbering (or moves to another patient): the patient and the observed time keep such a reading's
    /// alert from taking the id of an earlier one, which receivers de-duplicate by.
    /// </summary>
    private static string AlertId(AlertDecision decision, string sourceEventId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{sourceEventId}|{decision.Key}|{decision.PatientId}|{decision.ObservedAt.UtcTicks}"));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    public static News2Result ToDomain(this News2Score score) => new(
        score.Total,
        score.SubScores.Select(s => new Clinical.News2SubScore(s.Parameter.ToDomain(), s.Score, s.Assumed, s.Missing)).ToList(),
        score.Risk switch
        {
            Contracts.Twin.V1.News2Risk.High => Clinical.News2Risk.High,
            Contracts.Twin.V1.News2Risk.Medium => Clinical.News2Risk.Medium,
            Contracts.Twin.V1.News2Risk.LowMedium => Clinical.News2Risk.LowMedium,
            _ => Clinical.News2Risk.Low,
        },
        score.Complete);

    private static Clinical.News2Parameter ToDomain(this Contracts.Twin.V1.News2Parameter parameter) => parameter switch
    {
        Contracts.Twin.V1.News2Parameter.RespirationRate => Clinical.News2Parameter.RespirationRate,
        Contracts.Twin.V1.News2Parameter.OxygenSaturation => Clinical.News2Parameter.OxygenSaturation,
        Contracts.Twin.V1.News2Parameter.AirOrOxygen => Clinical.News2Parameter.AirOrOxygen,
        Contracts.Twin.V1.News2Parameter.SystolicBloodPressure => Clinical.News2Parameter.SystolicBloodPressure,
        Contracts.Twin.V1.News2Parameter.Pulse => Clinical.News2Parameter.Pulse,
        Contracts.Twin.V1.News2Parameter.Consciousness => Clinical.News2Parameter.Consciousness,
        Contracts.Twin.V1.News2Parameter.Temperature => Clinical.News2Parameter.Temperature,
        _ => throw new InvalidDataException($"Unknown NEWS2 parameter {parameter}"),
    };

    public static IReadOnlyList<VitalValue> ToDomain(this IEnumerable<LatestVital> vitals, VitalCatalogue catalogue) =>
        vitals
            .Select(v => catalogue.TryFind(v.Code?.Loinc, v.Code?.Mdc, out var definition) ? new VitalValue(definition.Sign, v.Value, v.Unit) : (VitalValue?)null)
            .OfType<VitalValue>()
            .ToList();
}
