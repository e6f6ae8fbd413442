using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using VitalTwin.PersonalSettings;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.TwinState.Commands;
using VitalTwin.TwinState.Core;
using News2Parameter = VitalTwin.Clinical.News2Parameter;
using News2Risk = VitalTwin.Clinical.News2Risk;
using PatientTwin = VitalTwin.Contracts.Twin.V1.PatientTwin;

namespace VitalTwin.TwinState;

/// <summary>Domain twin → contract messages.</summary>
internal static class TwinMapping
{
    /// <summary>The event Notification's alert policy runs on.</summary>
    public static TwinNews2Changed ToNews2Changed(this TwinChange change, string eventId, string patientId, TwinSnapshot twin, Timestamp observedAt, VitalCatalogue catalogue)
    {
        var changed = new TwinNews2Changed
        {
            EventId = eventId,
            PatientId = patientId,
            News2 = change.Current.ToContract(),
            PreviousTotal = change.Previous.Total,
            ObservedAt = observedAt,
            // Notification stamps it on the alerts it raises, so AlertDesk can show each clinician their wards' alerts.
            Ward = twin.Context.Ward ?? string.Empty,
        };
        changed.Vitals.AddRange(twin.AsScored.Select(v => v.ToContract(catalogue)));
        return changed;
    }

    /// <summary>The event Notification's "vital stale" alert runs on; <paramref name="ward"/> is the twin's, null when not recorded.</summary>
    public static TwinVitalStaleChanged ToStaleChanged(this StalenessChange change, string patientId, VitalCatalogue catalogue, string? ward = null)
    {
        var definition = catalogue[change.Sign];
        return new TwinVitalStaleChanged
        {
            EventId = StaleChangedId(patientId, definition.Loinc, change),
            PatientId = patientId,
            Code = definition.ToCode(),
            Stale = change.IsStale,
            LastObservedAt = Timestamp.FromDateTimeOffset(change.LastObservedAt),
            AsOf = Timestamp.FromDateTimeOffset(change.AsOf),
            Ward = ward ?? string.Empty,
        };
    }

    /// <summary>
    /// Names the transition itself, so whichever path sees it (a reading, the staleness monitor, a replay after a
    /// restart, the partition's next owner) publishes the same id: a vital turns stale, or fresh, at most once per
    /// newest usable value. Hashed, so the patient id does not travel in clear in the message-id header.
    /// </summary>
    private static string StaleChangedId(string patientId, string loinc, StalenessChange change)
    {
        var direction = change.IsStale ? "stale" : "fresh";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{patientId}|{loinc}|{change.LastObservedAt.UtcTicks}|{direction}"));
        return $"{direction}/{new Guid(hash.AsSpan(0, 16))}";
    }

    /// <summary>
    /// Names a NEWS2 change that came with the clock (a held band change, a vital leaving the score), which has no
    /// reading to name it after: the patient, the scores and the twin's clock. Hashed, as <see cref="StaleChangedId"/>.
    /// </summary>
    public static string ClockNews2ChangedId(string patientId, TwinChange change, DateTimeOffset asOf)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{patientId}|{change.Previous.Total}|{change.Current.Total}|{change.Current.Risk}|{asOf.UtcTicks}"));
        return $"news2/{new Guid(hash.AsSpan(0, 16))}";
    }

    private static readonly (ReadingQuality Quality, QualityFlag Flag)[] QualityFlags =
    [
        (ReadingQuality.MotionArtifact, QualityFlag.MotionArtifact),
        (ReadingQuality.LowPerfusion, QualityFlag.LowPerfusion),
        (ReadingQuality.ProbeOff, QualityFlag.ProbeOff),
        (ReadingQuality.Calibrating, QualityFlag.Calibrating),
        (ReadingQuality.Questionable, QualityFlag.Questionable),
        (ReadingQuality.ManualEntry, QualityFlag.ManualEntry),
    ];

    public static ReadingQuality ToDomain(this IEnumerable<QualityFlag> flags)
    {
        var quality = ReadingQuality.None;
        foreach (var flag in flags)
        {
            quality |= flag switch
            {
                QualityFlag.MotionArtifact => ReadingQuality.MotionArtifact,
                QualityFlag.LowPerfusion => ReadingQuality.LowPerfusion,
                QualityFlag.ProbeOff => ReadingQuality.ProbeOff,
                QualityFlag.Calibrating => ReadingQuality.Calibrating,
                QualityFlag.Questionable => ReadingQuality.Questionable,
                QualityFlag.ManualEntry => ReadingQuality.ManualEntry,
                _ => ReadingQuality.None,
            };
        }
        return quality;
    }

    public static PatientTwin ToContract(this TwinSnapshot twin, VitalCatalogue catalogue)
    {
        var message = new PatientTwin
        {
            PatientId = twin.PatientId,
            News2 = twin.News2.ToContract(twin.News2Inputs),
            UpdatedAt = Timestamp.FromDateTimeOffset(twin.UpdatedAt),
            ReadingsApplied = twin.ReadingsApplied,
            AnomaliesSeen = twin.AnomaliesSeen,
            ProjectedNews2 = twin.Projection is { } projection
                ? new Contracts.Twin.V1.News2Projection { At = Timestamp.FromDateTimeOffset(projection.At), News2 = projection.News2.ToContract() }
                : null,
            Context = twin.Context.ToContract(),
            AsOf = twin.AsOf is { } asOf ? Timestamp.FromDateTimeOffset(asOf) : null,
            Version = Math.Max(twin.Version, 0),
            AlarmSettings = twin.SettingsInForce is { IsEmpty: false } settings ? settings.ToContract(twin.PatientId, catalogue) : null,
        };
        var vitals = twin.Vitals.Values.OrderBy(v => v.Sign).ToList();
        message.Vitals.AddRange(vitals.Select(v => v.Latest.ToContract(catalogue)));
        message.VitalStatuses.AddRange(vitals.Select(v => v.ToContract(catalogue)));
        message.OpenAnomalies.AddRange(twin.OpenAnomalies.OrderBy(a => a.ObservedAt).Select(a => a.ToContract(catalogue)));
        message.AcknowledgedAnomalies.AddRange(twin.Acknowledged.OrderBy(a => a.Anomaly.ObservedAt).Select(a => new Contracts.Twin.V1.AcknowledgedAnomaly
        {
            Anomaly = a.Anomaly.ToContract(catalogue),
            Verdict = a.Verdict.ToContract(),
            AcknowledgedBy = a.AcknowledgedBy,
            AcknowledgedAt = Timestamp.FromDateTimeOffset(a.AcknowledgedAt),
            Reason = a.Reason,
        }));
        return message;
    }

    public static LatestVital ToContract(this VitalObservation observation, VitalCatalogue catalogue)
    {
        var definition = catalogue[observation.Sign];
        var message = new LatestVital
        {
            Code = definition.ToCode(),
            Name = definition.Name,
            Value = observation.Value,
            Unit = observation.Unit,
            ObservedAt = Timestamp.FromDateTimeOffset(observation.ObservedAt),
            DeviceId = observation.DeviceId,
        };
        foreach (var (quality, flag) in QualityFlags)
        {
            if ((observation.Quality & quality) != 0)
            {
                message.QualityFlags.Add(flag);
            }
        }

        return message;
    }

    public static Contracts.Twin.V1.VitalStatus ToContract(this Core.VitalStatus vital, VitalCatalogue catalogue)
    {
        var baseline = vital.Baseline;
        var status = new Contracts.Twin.V1.VitalStatus
        {
            Code = catalogue[vital.Sign].ToCode(),
            Scored = vital.Scored?.ToContract(catalogue),
            Stale = vital.IsStale,
            Baseline = baseline.Count == 0
                ? null
                : new VitalBaseline { Level = baseline.Level, Spread = baseline.Spread, Count = baseline.Count, Established = baseline.IsEstablished },
            Trend = vital.Trend is { } trend ? new Contracts.Twin.V1.VitalTrend { SlopePerHour = trend.SlopePerHour, Points = trend.Points } : null,
            Forecast = vital.Forecast?.ToContract(),
            ScoredValue = vital.ScoredValue,
            Artifact = vital.Artifact.ToContract(),
        };
        status.RecentArtifacts.AddRange(vital.RecentArtifacts.Select(episode => new Contracts.Twin.V1.ArtifactEpisode
        {
            Kind = episode.Kind.ToContract(),
            StartedAt = Timestamp.FromDateTimeOffset(episode.StartedAt),
            EndedAt = episode.EndedAt is { } endedAt ? Timestamp.FromDateTimeOffset(endedAt) : null,
        }));
        return status;
    }

    private static Contracts.Twin.V1.VitalForecast ToContract(this Core.VitalForecast forecast)
    {
        var message = new Contracts.Twin.V1.VitalForecast { Value = forecast.Value, At = Timestamp.FromDateTimeOffset(forecast.At) };
        if (forecast is { Lower: { } lower, Upper: { } upper })
        {
            (message.Lower, message.Upper) = (lower, upper);
        }

        return message;
    }

    private static Contracts.Twin.V1.SignalArtifact ToContract(this Clinical.Screening.SignalArtifact artifact) => artifact switch
    {
        Clinical.Screening.SignalArtifact.Dropout => Contracts.Twin.V1.SignalArtifact.Dropout,
        Clinical.Screening.SignalArtifact.UncorroboratedDesaturation => Contracts.Twin.V1.SignalArtifact.UncorroboratedDesaturation,
        _ => Contracts.Twin.V1.SignalArtifact.None,
    };

    public static OpenAnomaly ToContract(this TwinAnomaly anomaly, VitalCatalogue catalogue) => new()
    {
        AnomalyId = anomaly.Id,
        Kind = anomaly.Kind switch
        {
            Core.AnomalyKind.ChangePoint => Contracts.Anomaly.V1.AnomalyKind.ChangePoint,
            Core.AnomalyKind.Deterioration => Contracts.Anomaly.V1.AnomalyKind.Deterioration,
            _ => Contracts.Anomaly.V1.AnomalyKind.Spike,
        },
        Code = catalogue[anomaly.Sign].ToCode(),
        ObservedAt = Timestamp.FromDateTimeOffset(anomaly.ObservedAt),
        Value = anomaly.Value,
        // The twin keeps the detector by its contract name (see ToDomain below).
        Detector = System.Enum.TryParse<Detector>(anomaly.Detector, out var detector) ? detector : Detector.Unspecified,
        Explanation = anomaly.Explanation,
        DeviceId = anomaly.DeviceId,
    };

    public static Contracts.Twin.V1.PatientContext ToContract(this Core.PatientContext context)
    {
        var message = new Contracts.Twin.V1.PatientContext
        {
            Spo2Scale = context.SpO2Scale == Clinical.SpO2Scale.Scale2 ? Contracts.Twin.V1.SpO2Scale.Scale2 : Contracts.Twin.V1.SpO2Scale.Scale1,
            Consciousness = context.Consciousness switch
            {
                Clinical.Consciousness.Alert => Contracts.Twin.V1.Consciousness.Alert,
                Clinical.Consciousness.NewConfusion => Contracts.Twin.V1.Consciousness.NewConfusion,
                Clinical.Consciousness.Voice => Contracts.Twin.V1.Consciousness.Voice,
                Clinical.Consciousness.Pain => Contracts.Twin.V1.Consciousness.Pain,
                Clinical.Consciousness.Unresponsive => Contracts.Twin.V1.Consciousness.Unresponsive,
                _ => Contracts.Twin.V1.Consciousness.Unspecified,
            },
            Ward = context.Ward ?? string.Empty,
            Bed = context.Bed ?? string.Empty,
            RecordedBy = context.RecordedBy ?? string.Empty,
            RecordedAt = context.RecordedAt is { } recordedAt ? Timestamp.FromDateTimeOffset(recordedAt) : null,
        };
        if (context.OnSupplementalOxygen is { } onOxygen)
        {
            message.OnSupplementalOxygen = onOxygen;
        }

        return message;
    }

    public static VitalHistory ToContract(this IReadOnlyList<History.VitalSeries> history, string patientId, VitalCatalogue catalogue)
    {
        var message = new VitalHistory { PatientId = patientId };
        foreach (var series in history)
        {
            var known = catalogue.TryFind(series.Loinc, null, out var definition);
            var contract = new Contracts.Twin.V1.VitalSeries
            {
                Code = known ? definition!.ToCode() : new VitalCode { Loinc = series.Loinc },
                Name = known ? definition!.Name : string.Empty,
                Unit = known ? definition!.CanonicalUnit : string.Empty,
            };
            contract.Points.AddRange(series.Points.Select(p => new VitalHistoryPoint
            {
                Time = Timestamp.FromDateTimeOffset(p.Time),
                Mean = p.Mean,
                Min = p.Min,
                Max = p.Max,
                Count = p.Count,
            }));
            message.Series.Add(contract);
        }

        return message;
    }

    /// <summary>Null when the anomaly names a vital the catalogue does not know.</summary>
    public static TwinAnomaly? ToDomain(this AnomalyDetected anomaly, VitalCatalogue catalogue) =>
        catalogue.TryFind(anomaly.Code?.Loinc, anomaly.Code?.Mdc, out var definition)
            ? new TwinAnomaly(
                anomaly.EventId,
                anomaly.Kind switch
                {
                    Contracts.Anomaly.V1.AnomalyKind.ChangePoint => Core.AnomalyKind.ChangePoint,
                    Contracts.Anomaly.V1.AnomalyKind.Deterioration => Core.AnomalyKind.Deterioration,
                    _ => Core.AnomalyKind.Spike,
                },
                definition.Sign,
                anomaly.ObservedAt?.ToDateTimeOffset() ?? default,
                anomaly.Value,
                anomaly.DeviceId,
                anomaly.Detector.ToString(),
                anomaly.Explanation)
            : null;

    /// <param name="news2">The score.</param>
    /// <param name="inputs">How each parameter's input was obtained, when known; sub-scores then say so.</param>
    public static News2Score ToContract(this News2Result news2, IReadOnlyList<News2Input>? inputs = null)
    {
        var message = new News2Score { Total = news2.Total, Risk = news2.Risk.ToContract(), Complete = news2.Complete };
        message.SubScores.AddRange(news2.SubScores.Select(s => new Contracts.Twin.V1.News2SubScore
        {
            Parameter = s.Parameter.ToContract(),
            Score = s.Score,
            Assumed = s.Assumed,
            Missing = s.Missing,
            Status = inputs?.FirstOrDefault(i => i.Parameter == s.Parameter) is { } input ? input.Status.ToContract() : Contracts.Twin.V1.News2InputStatus.Unspecified,
        }));
        return message;
    }

    public static VitalCode ToCode(this VitalDefinition definition) => new() { Loinc = definition.Loinc, Mdc = definition.Mdc };

    private static Contracts.Twin.V1.News2InputStatus ToContract(this Core.News2InputStatus status) => status switch
    {
        Core.News2InputStatus.Measured => Contracts.Twin.V1.News2InputStatus.Measured,
        Core.News2InputStatus.Missing => Contracts.Twin.V1.News2InputStatus.Missing,
        Core.News2InputStatus.Stale => Contracts.Twin.V1.News2InputStatus.Stale,
        Core.News2InputStatus.Recorded => Contracts.Twin.V1.News2InputStatus.Recorded,
        Core.News2InputStatus.Assumed => Contracts.Twin.V1.News2InputStatus.Assumed,
        _ => Contracts.Twin.V1.News2InputStatus.Unspecified,
    };

    public static Contracts.Twin.V1.News2Risk ToContract(this News2Risk risk) => risk switch
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
