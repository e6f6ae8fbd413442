using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Notification.Core;
using AlertCondition = VitalTwin.Notification.Core.AlertCondition;
using AlertPriority = VitalTwin.Notification.Core.AlertPriority;
using AlertReason = VitalTwin.Notification.Core.AlertReason;

namespace VitalTwin.Notification;

/// <summary>Contract messages ↔ the alert policy's domain types.</summary>
internal static class AlertMapping
{
    public static AlertRaised ToAlertRaised(this AlertDecision decision, string sourceEventId, DateTimeOffset raisedAt, VitalCatalogue catalogue)
    {
        var raised = new AlertRaised
        {
            AlertId = AlertId(sourceEventId, decision.Condition),
            PatientId = decision.PatientId,
            Condition = decision.Condition switch
            {
                AlertCondition.News2Medium => Contracts.Alerting.V1.AlertCondition.News2Medium,
                AlertCondition.News2High => Contracts.Alerting.V1.AlertCondition.News2High,
                AlertCondition.News2SingleParameter => Contracts.Alerting.V1.AlertCondition.News2SingleParameter,
                AlertCondition.VitalSpike => Contracts.Alerting.V1.AlertCondition.VitalSpike,
                AlertCondition.VitalChange => Contracts.Alerting.V1.AlertCondition.VitalChange,
                _ => Contracts.Alerting.V1.AlertCondition.Unspecified,
            },
            Priority = decision.Priority switch
            {
                AlertPriority.High => Contracts.Alerting.V1.AlertPriority.High,
                AlertPriority.Medium => Contracts.Alerting.V1.AlertPriority.Medium,
                _ => Contracts.Alerting.V1.AlertPriority.Low,
            },
            RaisedAt = Timestamp.FromDateTimeOffset(raisedAt),
            Summary = decision.Summary,
            News2Total = decision.News2Total,
            SourceEventId = sourceEventId,
        };
        raised.Reasons.AddRange(decision.Reasons.Select(r => r.ToContract(catalogue)));
        return raised;
    }

    private static Contracts.Alerting.V1.AlertReason ToContract(this AlertReason reason, VitalCatalogue catalogue)
    {
        var message = new Contracts.Alerting.V1.AlertReason { Text = reason.Text, Value = reason.Value ?? 0, Unit = reason.Unit ?? string.Empty };
        if (reason.Sign is { } sign)
        {
            message.Code = new VitalCode { Loinc = catalogue[sign].Loinc, Mdc = catalogue[sign].Mdc };
        }
        return message;
    }

    /// <summary>Derived from the event that caused it, so reprocessing that event re-raises the same alert id and subscribers de-duplicate.</summary>
    private static string AlertId(string sourceEventId, AlertCondition condition)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{sourceEventId}|{condition}"));
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
