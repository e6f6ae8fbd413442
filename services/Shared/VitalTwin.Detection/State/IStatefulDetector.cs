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
