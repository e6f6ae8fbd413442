namespace VitalTwin.Detection;

/// <summary>
/// A detector whose whole state can be written out and read back into a detector that produces
/// bit-identical outputs from then on, so a service restart does not re-learn every patient.
/// </summary>
public interface IStatefulDetector
{
    /// <summary>Which detector wrote a state; the first byte of every checkpoint.</summary>
    DetectorKind Kind { get; }

    /// <summary>Writes parameters and state (not the kind byte: <see cref="DetectorCheckpoint"/> adds it).</summary>
    void WriteState(BinaryWriter writer);
}

public enum DetectorKind : byte
{
    IidSpike = 1,
    IidChangePoint = 2,
    SsaSpike = 3,
    SsaChangePoint = 4,
    SrCnn = 5,
}

/// <summary>A detector whose confidence can change while it runs, keeping everything it has learnt.</summary>
public interface ITunableDetector : IStatefulDetector
{
    /// <summary>Confidence in percent, in (0, 100): how improbable a value must be to alert.</summary>
    double Confidence { get; }

    /// <summary>Alerts from the next value on at <paramref name="confidence"/>; the window and any martingale are kept.</summary>
    void Retune(double confidence);
}
