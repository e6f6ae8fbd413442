using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.AnomalyDetection;

internal static class AnomalyMapping
{
    public static AnomalyDetected ToContract(this AnomalyFinding finding, VitalSignsRecorded recorded, VitalDefinition definition)
    {
        var reading = recorded.Reading;
        var (kind, detector, suffix) = finding.Detector switch
        {
            DetectorType.IidSpike => (Contracts.Anomaly.V1.AnomalyKind.Spike, Detector.IidSpike, "iid-spike"),
            DetectorType.IidChangePoint => (Contracts.Anomaly.V1.AnomalyKind.ChangePoint, Detector.IidChangePoint, "iid-change-point"),
            DetectorType.SsaSpike => (Contracts.Anomaly.V1.AnomalyKind.Spike, Detector.SsaSpike, "ssa-spike"),
            DetectorType.SsaChangePoint => (Contracts.Anomaly.V1.AnomalyKind.ChangePoint, Detector.SsaChangePoint, "ssa-change-point"),
            DetectorType.SrCnn => (Contracts.Anomaly.V1.AnomalyKind.Spike, Detector.SpectralResidual, "spectral-residual"),
            _ => throw new InvalidOperationException($"Unmapped detector {finding.Detector}."),
        };
        return new AnomalyDetected
        {
            // Derived from the reading, so a replayed reading yields the same event id and downstream de-duplicates it.
            EventId = $"{recorded.EventId}/{suffix}",
            PatientId = reading.PatientId,
            Code = reading.Code,
            Value = reading.Value,
            Unit = reading.Unit,
            ObservedAt = reading.ObservedAt,
            Kind = kind,
            Detector = detector,
            Direction = finding.Upward ? Direction.Up : Direction.Down,
            PValue = double.IsNaN(finding.PValue) ? 0 : finding.PValue,
            Martingale = double.IsNaN(finding.Martingale) ? 0 : finding.Martingale,
            BaselineMean = finding.WindowMean,
            WindowSize = (uint)finding.WindowSize,
            Confidence = finding.Confidence,
            SourceEventId = recorded.EventId,
            DeviceId = reading.DeviceId,
            PersonalBaseline = finding.BaselineLevel,
            PersonalSpread = finding.BaselineSpread,
            Explanation = finding.Explain(definition),
        };
    }

    /// <summary>A drift from the patient's usual, announced on the vital of the pattern the reading belongs to (or its first).</summary>
    public static AnomalyDetected ToContract(this DeteriorationFinding finding, VitalSignsRecorded recorded, VitalCatalogue catalogue)
    {
        var reading = recorded.Reading;
        var (sign, level, usual) = finding.Deviations[0];
        var definition = catalogue[sign];
        return new AnomalyDetected
        {
            EventId = $"{recorded.EventId}/deterioration",
            PatientId = reading.PatientId,
            Code = new VitalCode { Loinc = definition.Loinc, Mdc = definition.Mdc },
            Value = level,
            Unit = definition.CanonicalUnit,
            ObservedAt = reading.ObservedAt,
            Kind = Contracts.Anomaly.V1.AnomalyKind.Deterioration,
            Detector = Detector.DeteriorationCusum,
            Direction = level > usual ? Direction.Up : Direction.Down,
            BaselineMean = usual,
            SourceEventId = recorded.EventId,
            DeviceId = reading.DeviceId,
            PersonalBaseline = usual,
            Explanation = DeteriorationWatch.Explain(finding, catalogue),
        };
    }
}
