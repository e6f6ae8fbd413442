namespace VitalTwin.Detection;

/// <summary>Options of <see cref="SrCnnBatchDetector"/>: ML.NET's SrCnnEntireAnomalyDetectorOptions, with its defaults.</summary>
public sealed record SrCnnBatchOptions
{
    /// <summary>Score above which a point is anomalous; in [0, 1].</summary>
    public double Threshold { get; init; } = 0.3;

    /// <summary>Points scored together; −1 for the whole series, else at least 12 and at least 4 periods.</summary>
    public int BatchSize { get; init; } = 2000;

    /// <summary>Width of the margin in <see cref="SrCnnDetectMode.AnomalyAndMargin"/>; in [0, 100], higher is narrower.</summary>
    public double Sensitivity { get; init; } = 70;

    public SrCnnDetectMode DetectMode { get; init; } = SrCnnDetectMode.AnomalyOnly;

    /// <summary>Points per cycle of a known seasonality, or 0 for none.</summary>
    public int Period { get; init; }

    /// <summary>How the period is removed; used only when <see cref="Period"/> is positive.</summary>
    public SrCnnDeseasonalityMode DeseasonalityMode { get; init; } = SrCnnDeseasonalityMode.Stl;
}
