using Google.Protobuf.WellKnownTypes;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.TwinState.Core;
using News2Parameter = VitalTwin.Clinical.News2Parameter;
using News2Risk = VitalTwin.Clinical.News2Risk;
using PatientTwin = VitalTwin.Contracts.Twin.V1.PatientTwin;

namespace VitalTwin.TwinState;

/// <summary>Domain twin → contract messages.</summary>
internal static class TwinMapping
{
    public static PatientTwin ToContract(this TwinSnapshot twin, VitalCatalogue catalogue)
    {
        var message = new PatientTwin
        {
            PatientId = twin.PatientId,
            News2 = twin.News2.ToContract(),
            UpdatedAt = Timestamp.FromDateTimeOffset(twin.UpdatedAt),
            ReadingsApplied = twin.ReadingsApplied,
            AnomaliesSeen = twin.AnomaliesSeen,
        };
        message.Vitals.AddRange(twin.Latest.Values.OrderBy(v => v.Sign).Select(v => v.ToContract(catalogue)));
        return message;
    }

    public static LatestVital ToContract(this VitalObservation observation, VitalCatalogue catalogue)
    {
        var definition = catalogue[observation.Sign];
        return new LatestVital
        {
            Code = new VitalCode { Loinc = definition.Loinc, Mdc = definition.Mdc },
            Name = definition.Name,
            Value = observation.Value,
            Unit = observation.Unit,
            ObservedAt = Timestamp.FromDateTimeOffset(observation.ObservedAt),
            DeviceId = observation.DeviceId,
        };
    }

    /// <summary>Null when the anomaly names a vital the catalogue does not know.</summary>
    public static TwinAnomaly? ToDomain(this AnomalyDetected anomaly, VitalCatalogue catalogue) =>
        catalogue.TryFind(anomaly.Code?.Loinc, anomaly.Code?.Mdc, out var definition)
            ? new TwinAnomaly(
                anomaly.EventId,
                anomaly.Kind == Contracts.Anomaly.V1.AnomalyKind.ChangePoint ? Core.AnomalyKind.ChangePoint : Core.AnomalyKind.Spike,
                definition.Sign,
                anomaly.ObservedAt?.ToDateTimeOffset() ?? default,
                anomaly.Value,
                anomaly.DeviceId,
                anomaly.Detector.ToString(),
                anomaly.Explanation)
            : null;

    public static News2Score ToContract(this News2Result news2)
    {
        var message = new News2Score { Total = news2.Total, Risk = news2.Risk.ToContract(), Complete = news2.Complete };
        message.SubScores.AddRange(news2.SubScores.Select(s => new Contracts.Twin.V1.News2SubScore
        {
            Parameter = s.Parameter.ToContract(),
            Score = s.Score,
            Assumed = s.Assumed,
            Missing = s.Missing,
        }));
        return message;
    }

    private static Contracts.Twin.V1.News2Risk ToContract(this News2Risk risk) => risk switch
    {
        News2Risk.Low => Contracts.Twin.V1.News2Risk.Low,
        News2Risk.LowMedium => Contracts.Twin.V1.News2Risk.LowMedium,
        News2Risk.Medium => Contracts.Twin.V1.News2Risk.Medium,
        News2Risk.High => Contracts.Twin.V1.News2Risk.High,
        _ => Contracts.Twin.V1.News2Risk.Unspecified,
    };

    private static Contracts.Twin.V1.News2Parameter ToContract(this News2Parameter parameter) => parameter switch
    {
        News2Parameter.RespirationRate => Contracts.Twin.V1.News2Parameter.RespirationRate,
        News2Parameter.OxygenSaturation => Contracts.Twin.V1.News2Parameter.OxygenSaturation,
        News2Parameter.AirOrOxygen => Contracts.Twin.V1.News2Parameter.AirOrOxygen,
        News2Parameter.SystolicBloodPressure => Contracts.Twin.V1.News2Parameter.SystolicBloodPressure,
        News2Parameter.Pulse => Contracts.Twin.V1.News2Parameter.Pulse,
        News2Parameter.Consciousness => Contracts.Twin.V1.News2Parameter.Consciousness,
        News2Parameter.Temperature => Contracts.Twin.V1.News2Parameter.Temperature,
        _ => Contracts.Twin.V1.News2Parameter.Unspecified,
    };
}
