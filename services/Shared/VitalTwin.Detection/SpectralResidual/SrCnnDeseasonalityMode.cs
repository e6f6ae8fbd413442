namespace VitalTwin.Detection;

/// <summary>How <see cref="SrCnnBatchDetector"/> removes a known period before scoring (ML.NET's SrCnnDeseasonalityMode).</summary>
public enum SrCnnDeseasonalityMode
{
    /// <summary>Score the residual of an STL decomposition; falls back to <see cref="Median"/> when STL fails.</summary>
    Stl = 0,

    /// <summary>Subtract the mean of the values at the same phase.</summary>
    Mean = 1,

    /// <summary>Subtract the median of the values at the same phase.</summary>
    Median = 2,
}
