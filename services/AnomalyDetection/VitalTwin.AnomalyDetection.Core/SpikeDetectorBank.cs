using System.Collections.Concurrent;
using VitalTwin.Clinical;
using VitalTwin.Detection;

namespace VitalTwin.AnomalyDetection.Core;

/// <summary>A spike flagged on one patient's vital, with what it was judged against.</summary>
public sealed record SpikeFinding(VitalSign Sign, double Value, double PValue, double BaselineMean, bool Upward, int WindowSize, double Confidence);

/// <summary>
/// One IID spike detector (DETECTORS.md §1.2) per patient and vital, created on first reading. A reading
/// reaches the detector of its own patient only, so each detector learns that patient's normal.
/// </summary>
public sealed class SpikeDetectorBank(SpikeDetectionOptions settings)
{
    private readonly ConcurrentDictionary<(string Patient, VitalSign Sign), IidSpikeDetector> _detectors = new();

    public int Count => _detectors.Count;

    public SpikeFinding? Observe(string patientId, VitalSign sign, double value)
    {
        var detector = _detectors.GetOrAdd(
            (patientId, sign),
            static (_, s) => new IidSpikeDetector(s.Confidence, s.PValueHistoryLength, AnomalySide.TwoSided),
            settings);
        var result = detector.Update((float)value);
        return result.Alert
            ? new SpikeFinding(sign, value, result.PValue, detector.BaselineMean, value > detector.BaselineMean, detector.WindowSize, detector.Confidence)
            : null;
    }
}
