namespace VitalTwin.Clinical;

/// <summary>Signal-quality annotations a device attached to a reading; several may apply at once.</summary>
[Flags]
public enum ReadingQuality
{
    None = 0,
    MotionArtifact = 1,
    LowPerfusion = 2,
    ProbeOff = 4,
    Calibrating = 8,
    Questionable = 16,
    ManualEntry = 32,
}

public static class ReadingQualityExtensions
{
    private const ReadingQuality ArtifactFlags = ReadingQuality.MotionArtifact | ReadingQuality.ProbeOff | ReadingQuality.Calibrating;
    private const ReadingQuality DoubtFlags = ReadingQuality.LowPerfusion | ReadingQuality.Questionable;

    /// <summary>The value does not describe the patient (motion, probe off, calibrating): never scored nor learnt from.</summary>
    public static bool IsArtifact(this ReadingQuality quality) => (quality & ArtifactFlags) != 0;

    /// <summary>The value is probably right but the device doubts it (low perfusion, questionable).</summary>
    public static bool IsQuestionable(this ReadingQuality quality) => !quality.IsArtifact() && (quality & DoubtFlags) != 0;

    /// <summary>2 for a clean reading, 1 for a questionable one, 0 for an artifact: what reconciliation compares.</summary>
    public static int Rank(this ReadingQuality quality) => quality.IsArtifact() ? 0 : quality.IsQuestionable() ? 1 : 2;
}
