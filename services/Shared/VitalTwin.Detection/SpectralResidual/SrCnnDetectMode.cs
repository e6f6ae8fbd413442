namespace VitalTwin.Detection;

/// <summary>Which columns <see cref="SrCnnBatchDetector"/> computes (ML.NET's SrCnnDetectMode, same values).</summary>
public enum SrCnnDetectMode
{
    /// <summary>IsAnomaly, Score (the raw score) and Magnitude.</summary>
    AnomalyOnly = 0,

    /// <summary>All columns; Score becomes the anomaly score read off the sensitivity table.</summary>
    AnomalyAndMargin = 1,

    /// <summary>AnomalyOnly plus ExpectedValue.</summary>
    AnomalyAndExpectedValue = 2,
}
