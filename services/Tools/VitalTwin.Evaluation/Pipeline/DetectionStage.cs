using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;

namespace VitalTwin.Evaluation.Pipeline;

/// <summary>AnomalyDetection's per-patient monitors under one detection configuration, with what they screened out.</summary>
/// <param name="keepScreened">Keep every screened reading's patient, time and reason, to judge the screening against the labels.</param>
public sealed class DetectionStage(DetectionOptions options, bool keepScreened = false)
{
    private readonly Dictionary<string, PatientMonitor> _patients = new(StringComparer.Ordinal);
    private readonly List<ScreenedReading> _screened = [];
    private readonly long[] _artifacts = new long[Enum.GetValues<ArtifactReason>().Length];

    public DetectionOptions Options { get; } = options;

    /// <summary>Readings screened out before the detectors, by reason (device flag, dropout, flat line).</summary>
    public IReadOnlyDictionary<ArtifactReason, long> ArtifactReadings =>
        Enum.GetValues<ArtifactReason>().Where(r => r != ArtifactReason.None).ToDictionary(r => r, r => _artifacts[(int)r]);

    /// <summary>The screened readings, when kept.</summary>
    public IReadOnlyList<ScreenedReading> Screened => _screened;

    /// <summary>Anomalies the detectors published.</summary>
    public long Findings { get; private set; }

    /// <summary>As TelemetryConsumer does: the patient's monitor (created on first sight) observes the reading.</summary>
    public MonitorOutcome Observe(string patientId, VitalSign sign, double value, DateTimeOffset observedAt, bool deviceFlaggedArtifact)
    {
        if (!_patients.TryGetValue(patientId, out var patient))
        {
            patient = new PatientMonitor(patientId, Options);
            _patients[patientId] = patient;
        }
        var outcome = patient.Observe(sign, value, observedAt, deviceFlaggedArtifact);
        if (outcome.IsArtifact)
        {
            _artifacts[(int)outcome.Artifact]++;
            if (keepScreened)
            {
                _screened.Add(new ScreenedReading(patientId, observedAt, outcome.Artifact));
            }
        }
        else
        {
            Findings += outcome.Findings.Count;
        }
        return outcome;
    }
}

/// <summary>A reading AnomalyDetection kept from its detectors, and why.</summary>
public readonly record struct ScreenedReading(string PatientId, DateTimeOffset At, ArtifactReason Reason);
