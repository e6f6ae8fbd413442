using VitalTwin.Clinical;
using VitalTwin.Clinical.Screening;
using VitalTwin.Clinical.Settings;

namespace VitalTwin.AnomalyDetection.Core;

/// <summary>All monitored vitals of one patient; the unit that is checkpointed.</summary>
public sealed class PatientMonitor(string patientId, DetectionOptions options)
{
    // 2 added the deterioration watch and the artifact screen after the vitals; a version 1 checkpoint restores with fresh ones.
    // 3 added the readings applied per device and boot; an older checkpoint restores knowing none (its offset still guards replays).
    private const byte FormatVersion = 3;
    private readonly Dictionary<VitalSign, VitalMonitor> _vitals = [];
    private DeteriorationWatch _deterioration = new(options.Deterioration);
    private ArtifactScreen _screen = new();
    private AppliedReadings _applied = new();
    // The settings the detectors were last personalised to. A checkpoint holds the detectors at the configured sensitivity:
    // null after a restore, so the next settings are applied whatever they are.
    private AlarmSettings? _personalised = AlarmSettings.None;

    public string PatientId { get; } = patientId;

    /// <summary>True when something changed since the last checkpoint.</summary>
    public bool Dirty { get; private set; }

    public IReadOnlyDictionary<VitalSign, VitalMonitor> Vitals => _vitals;

    /// <summary>
    /// Marks a reading applied by its identity; false when this patient's detectors have it already (resent through a
    /// Gateway that no longer remembered it, or replayed), and then it must not be observed again.
    /// </summary>
    public bool Admit(string deviceId, ulong bootId, ulong sequenceNumber)
    {
        if (!_applied.TryApply(deviceId, bootId, sequenceNumber))
        {
            return false;
        }
        Dirty = true;
        return true;
    }

    /// <summary>
    /// Runs each vital's detectors and the deterioration watch at the patient's sensitivity for that vital in
    /// <paramref name="settings"/> (the settings in force). Cheap when they are the ones applied last.
    /// </summary>
    public void Personalise(AlarmSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // A new version is a clinician's change; within one version settings only expire, which drops vitals.
        if (_personalised is { } applied && applied.Version == settings.Version && applied.Vitals.Count == settings.Vitals.Count)
        {
            return;
        }
        _personalised = settings;
        foreach (var sign in Enum.GetValues<VitalSign>())
        {
            var sensitivity = SensitivityFor(sign);
            if (_vitals.TryGetValue(sign, out var monitor) && monitor.Sensitivity != sensitivity)
            {
                monitor.Personalise(sensitivity);
                Dirty = true;
            }
            _deterioration.Personalise(sign, sensitivity);
        }
    }

    private DetectorSensitivity SensitivityFor(VitalSign sign) => _personalised?.For(sign)?.Sensitivity ?? DetectorSensitivity.Standard;

    public MonitorOutcome Observe(VitalSign sign, double value, DateTimeOffset observedAt, bool deviceFlaggedArtifact)
    {
        if (!_vitals.TryGetValue(sign, out var monitor))
        {
            monitor = new VitalMonitor(sign, options.BankFor(sign), options.Artifacts);
            monitor.Personalise(SensitivityFor(sign));
            _vitals[sign] = monitor;
        }
        Dirty = true;
        var signal = deviceFlaggedArtifact ? SignalArtifact.None : _screen.Screen(sign, value, observedAt);
        if (signal != SignalArtifact.None)
        {
            return new MonitorOutcome(signal == SignalArtifact.Dropout ? ArtifactReason.Dropout : ArtifactReason.UncorroboratedDesaturation, [], false);
        }
        var outcome = monitor.Observe(value, observedAt, deviceFlaggedArtifact);
        return outcome.IsArtifact ? outcome : outcome with { Deterioration = _deterioration.Observe(sign, value, observedAt) };
    }

    public byte[] Checkpoint()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(FormatVersion);
            writer.Write(_vitals.Count);
            foreach (var (sign, monitor) in _vitals)
            {
                writer.Write((int)sign);
                monitor.WriteState(writer);
            }
            _deterioration.WriteState(writer);
            _screen.Write(writer);
            _applied.Write(writer);
        }
        Dirty = false;
        return stream.ToArray();
    }

    /// <exception cref="InvalidDataException">The checkpoint is corrupt or was taken with another configuration.</exception>
    public static PatientMonitor Restore(string patientId, ReadOnlySpan<byte> checkpoint, DetectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var patient = new PatientMonitor(patientId, options) { _personalised = null };
        using var reader = new BinaryReader(new MemoryStream(checkpoint.ToArray(), writable: false));
        try
        {
            var version = reader.ReadByte();
            if (version is < 1 or > FormatVersion)
            {
                throw new InvalidDataException("Unknown patient checkpoint format.");
            }
            var count = reader.ReadInt32();
            if (count < 0 || count > Enum.GetValues<VitalSign>().Length)
            {
                throw new InvalidDataException("Patient checkpoint is corrupt.");
            }
            for (var i = 0; i < count; i++)
            {
                var sign = (VitalSign)reader.ReadInt32();
                if (!Enum.IsDefined(sign))
                {
                    throw new InvalidDataException("Unknown vital in patient checkpoint.");
                }
                patient._vitals[sign] = VitalMonitor.ReadState(reader, sign, options.BankFor(sign), options.Artifacts);
            }
            if (version >= 2)
            {
                patient._deterioration = DeteriorationWatch.ReadState(reader, options.Deterioration);
                patient._screen = ArtifactScreen.Read(reader);
            }
            if (version >= 3)
            {
                patient._applied = AppliedReadings.Read(reader);
            }
            if (reader.BaseStream.Position != reader.BaseStream.Length)
            {
                throw new InvalidDataException("Patient checkpoint has trailing bytes.");
            }
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("Patient checkpoint is truncated.", ex);
        }
        return patient;
    }
}
