namespace VitalTwin.Detection;

/// <summary>
/// Serialises any <see cref="IStatefulDetector"/> to bytes and back. Layout: format version, kind, then the
/// detector's own fields, little-endian. Checkpoints are taken now and then, not per point, so they may allocate.
/// </summary>
public static class DetectorCheckpoint
{
    private const byte FormatVersion = 1;

    public static byte[] Save(IStatefulDetector detector)
    {
        ArgumentNullException.ThrowIfNull(detector);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(FormatVersion);
            writer.Write((byte)detector.Kind);
            detector.WriteState(writer);
        }
        return stream.ToArray();
    }

    /// <exception cref="InvalidDataException">The bytes are not a checkpoint this version can read.</exception>
    public static IStatefulDetector Restore(ReadOnlySpan<byte> checkpoint)
    {
        using var stream = new MemoryStream(checkpoint.ToArray(), writable: false);
        using var reader = new BinaryReader(stream);
        try
        {
            var version = reader.ReadByte();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"Checkpoint format {version} is not supported (expected {FormatVersion}).");
            }
            var kind = (DetectorKind)reader.ReadByte();
            IStatefulDetector detector = kind switch
            {
                DetectorKind.IidSpike => IidSpikeDetector.ReadState(reader),
                DetectorKind.IidChangePoint => IidChangePointDetector.ReadState(reader),
                DetectorKind.SsaSpike => SsaSpikeDetector.ReadState(reader),
                DetectorKind.SsaChangePoint => SsaChangePointDetector.ReadState(reader),
                DetectorKind.SrCnn => SrCnnDetector.ReadState(reader),
                _ => throw new InvalidDataException($"Unknown detector kind {(byte)kind} in checkpoint."),
            };
            if (stream.Position != stream.Length)
            {
                throw new InvalidDataException("Checkpoint has trailing bytes.");
            }
            return detector;
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("Checkpoint is truncated.", ex);
        }
    }
}
