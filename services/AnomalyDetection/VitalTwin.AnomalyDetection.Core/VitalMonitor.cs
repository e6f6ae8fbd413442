using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.Detection;

namespace VitalTwin.AnomalyDetection.Core;

/// <summary>
/// Watches one vital of one patient: screens each reading for artifacts, runs the vital's detector bank on
/// what passes, and keeps the patient's personal baseline from the readings nothing flagged. Its whole state
/// checkpoints to bytes and restores to a monitor that continues exactly as this one would.
/// </summary>
public sealed class VitalMonitor
{
    private readonly DetectorSpec[] _configured;
    // The configured bank at the patient's sensitivity: what the detectors run at now.
    private readonly DetectorSpec[] _specs;
    private readonly IStatefulDetector[] _detectors;
    // Readings each detector has scored since it started learning.
    private readonly long[] _scored;
    private readonly ArtifactRules _rules;
    private double _lastValue = double.NaN;
    private int _repeats;
    private DateTimeOffset _lastAccepted;

    public VitalMonitor(VitalSign sign, IReadOnlyList<DetectorSpec> bank, ArtifactRules rules)
    {
        ArgumentNullException.ThrowIfNull(bank);
        Sign = sign;
        _configured = [.. bank];
        _specs = [.. bank];
        _detectors = _specs.Select(s => s.Create()).ToArray();
        _scored = new long[_detectors.Length];
        _rules = rules;
    }

    public VitalSign Sign { get; }

    public PersonalBaseline Baseline { get; private set; } = new();

    /// <summary>The patient's personal sensitivity the detectors run at.</summary>
    public DetectorSensitivity Sensitivity { get; private set; }

    /// <summary>
    /// Runs the detectors at <paramref name="sensitivity"/> from the next reading on. A detector whose confidence can
    /// change keeps what it learnt; another (spectral residual) starts learning again at its new threshold.
    /// </summary>
    public void Personalise(DetectorSensitivity sensitivity)
    {
        if (sensitivity == Sensitivity)
        {
            return;
        }
        Sensitivity = sensitivity;
        for (var i = 0; i < _detectors.Length; i++)
        {
            _specs[i] = _configured[i].At(sensitivity);
            if (_detectors[i] is ITunableDetector tunable)
            {
                tunable.Retune(_specs[i].Confidence);
            }
            else
            {
                _detectors[i] = _specs[i].Create();
                _scored[i] = 0;
            }
        }
    }

    public MonitorOutcome Observe(double value, DateTimeOffset observedAt, bool deviceFlaggedArtifact)
    {
        var artifact = Screen(value, deviceFlaggedArtifact);
        if (artifact != ArtifactReason.None)
        {
            return new MonitorOutcome(artifact, [], false);
        }

        var restarted = _lastAccepted != default && observedAt - _lastAccepted > _rules.MaxGap;
        if (restarted)
        {
            for (var i = 0; i < _detectors.Length; i++)
            {
                _detectors[i] = _specs[i].Create();
                _scored[i] = 0;
            }
        }
        _lastAccepted = observedAt;

        List<AnomalyFinding>? findings = null;
        for (var i = 0; i < _detectors.Length; i++)
        {
            var finding = Run(_detectors[i], _specs[i], (float)value);
            _scored[i]++;
            if (finding is not null && _scored[i] > WarmUp(_specs[i]))
            {
                (findings ??= []).Add(finding);
            }
        }
        // Anomalous readings stay out of the baseline: it describes the patient's normal, not the event.
        if (findings is null)
        {
            Baseline.Add(value);
        }
        return new MonitorOutcome(ArtifactReason.None, findings ?? (IReadOnlyList<AnomalyFinding>)[], restarted);
    }

    private ArtifactReason Screen(double value, bool deviceFlaggedArtifact)
    {
        if (deviceFlaggedArtifact)
        {
            return ArtifactReason.DeviceFlagged;
        }
        // A probe that falls off reads zero; for every monitored vital but temperature zero is no physiology a
        // detector should learn from. (The twin still shows it, and NEWS2 still scores it.)
        if (value <= 0 && Sign != VitalSign.BodyTemperature)
        {
            return ArtifactReason.Dropout;
        }
        _repeats = value.Equals(_lastValue) ? _repeats + 1 : 0;
        _lastValue = value;
        return _repeats >= _rules.FlatLineLength ? ArtifactReason.FlatLine : ArtifactReason.None;
    }

    private AnomalyFinding? Run(IStatefulDetector detector, DetectorSpec spec, float value)
    {
        switch (detector)
        {
            case IidSpikeDetector spike:
                var s = spike.Update(value);
                return s.Alert ? Finding(spec, AnomalyKind.Spike, value, s.PValue, double.NaN, spike.BaselineMean) : null;
            case IidChangePointDetector changePoint:
                var c = changePoint.Update(value);
                return c.Alert ? Finding(spec, AnomalyKind.ChangePoint, value, c.PValue, c.Martingale, changePoint.BaselineMean) : null;
            case SsaSpikeDetector ssaSpike:
                var ss = ssaSpike.Update(value);
                return ss.Alert ? Finding(spec, AnomalyKind.Spike, value, ss.PValue, double.NaN, ssaSpike.ExpectedValue) : null;
            case SsaChangePointDetector ssaChange:
                var sc = ssaChange.Update(value);
                return sc.Alert ? Finding(spec, AnomalyKind.ChangePoint, value, sc.PValue, sc.Martingale, ssaChange.ExpectedValue) : null;
            case SrCnnDetector spectral:
                var sr = spectral.Update(value);
                // The saliency score stands in for a p-value: SR has no probability, only how far the point stands out.
                return sr.Alert ? Finding(spec, AnomalyKind.Spike, value, double.NaN, double.NaN, Baseline.Level) : null;
            default:
                throw new InvalidOperationException($"No runner for {detector.GetType().Name}.");
        }
    }

    // A change-point martingale starts from a window filled with copies of its first bet, and its first
    // p-values come from a nearly empty window: left alone it alerts on every patient as its window fills.
    private static long WarmUp(DetectorSpec spec) =>
        spec.Type is DetectorType.IidChangePoint or DetectorType.SsaChangePoint ? 2L * spec.WindowSize : 0;

    private static bool Matches(IStatefulDetector detector, DetectorSpec spec) => detector switch
    {
        IidSpikeDetector spike => spec.Type == DetectorType.IidSpike && spike.WindowSize == spec.WindowSize && spike.Confidence == spec.Confidence && spike.Side == spec.Side,
        IidChangePointDetector cp => spec.Type == DetectorType.IidChangePoint && cp.WindowSize == spec.WindowSize && cp.Confidence == spec.Confidence && cp.Martingale == spec.Martingale,
        SsaSpikeDetector ss => spec.Type == DetectorType.SsaSpike && ss.WindowSize == spec.WindowSize && ss.Confidence == spec.Confidence
            && ss.TrainingWindowSize == spec.TrainingWindowSize && ss.SeasonalityWindowSize == spec.SeasonalityWindowSize && ss.Side == spec.Side,
        SsaChangePointDetector sc => spec.Type == DetectorType.SsaChangePoint && sc.WindowSize == spec.WindowSize && sc.Confidence == spec.Confidence
            && sc.TrainingWindowSize == spec.TrainingWindowSize && sc.SeasonalityWindowSize == spec.SeasonalityWindowSize && sc.Martingale == spec.Martingale,
        SrCnnDetector sr => spec.Type == DetectorType.SrCnn && sr.WindowSize == spec.WindowSize && sr.Threshold == spec.Threshold,
        _ => false,
    };

    private AnomalyFinding Finding(DetectorSpec spec, AnomalyKind kind, double value, double pValue, double martingale, double windowMean) =>
        new(Sign, spec.Type, kind, value, pValue, martingale, windowMean, spec.WindowSize, spec.Confidence, Baseline.Level, Baseline.Spread) { Sensitivity = Sensitivity };

    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(_lastValue);
        writer.Write(_repeats);
        writer.Write(_lastAccepted.UtcTicks);
        Baseline.Write(writer);
        writer.Write(_detectors.Length);
        for (var i = 0; i < _detectors.Length; i++)
        {
            // Written at the configured sensitivity, so a checkpoint is the same with or without personal settings and
            // restores under the configured bank; the owner personalises the restored monitor again.
            var (detector, scored) = (_detectors[i], _scored[i]);
            if (Sensitivity != DetectorSensitivity.Standard && detector is not ITunableDetector)
            {
                (detector, scored) = (_configured[i].Create(), 0);
            }
            var tunable = Sensitivity == DetectorSensitivity.Standard ? null : detector as ITunableDetector;
            tunable?.Retune(_configured[i].Confidence);
            var bytes = DetectorCheckpoint.Save(detector);
            tunable?.Retune(_specs[i].Confidence);
            writer.Write(bytes.Length);
            writer.Write(bytes);
            writer.Write(scored);
        }
    }

    /// <summary>
    /// Restores a monitor written by <see cref="WriteState"/>, at the configured sensitivity. The bank must be the one
    /// configured now; a checkpoint taken under another bank is refused (the caller then starts learning afresh).
    /// </summary>
    public static VitalMonitor ReadState(BinaryReader reader, VitalSign sign, IReadOnlyList<DetectorSpec> bank, ArtifactRules rules)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var lastValue = reader.ReadDouble();
        var repeats = reader.ReadInt32();
        var lastAcceptedTicks = reader.ReadInt64();
        if (repeats < 0 || lastAcceptedTicks < DateTimeOffset.MinValue.UtcTicks || lastAcceptedTicks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new InvalidDataException("Vital monitor checkpoint is corrupt.");
        }
        var monitor = new VitalMonitor(sign, bank, rules)
        {
            _lastValue = lastValue,
            _repeats = repeats,
            _lastAccepted = new DateTimeOffset(lastAcceptedTicks, TimeSpan.Zero),
            Baseline = PersonalBaseline.Read(reader),
        };
        var count = reader.ReadInt32();
        if (count != monitor._detectors.Length)
        {
            throw new InvalidDataException("The checkpoint was taken with another detector bank.");
        }
        for (var i = 0; i < count; i++)
        {
            var length = reader.ReadInt32();
            if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
            {
                throw new InvalidDataException("Vital monitor checkpoint is truncated or corrupt.");
            }
            var restored = DetectorCheckpoint.Restore(reader.ReadBytes(length));
            if (!Matches(restored, monitor._specs[i]))
            {
                throw new InvalidDataException("The checkpoint was taken with another detector bank.");
            }
            monitor._detectors[i] = restored;
            monitor._scored[i] = reader.ReadInt64();
        }
        return monitor;
    }
}
