namespace VitalTwin.Detection;

/// <summary>One point scored by <see cref="SrCnnBatchDetector"/>; columns the detect mode does not compute are NaN.</summary>
/// <param name="IsAnomaly">The point is anomalous.</param>
/// <param name="Score">Raw score in [0, 1]; in margin mode, the anomaly score (0 for non-anomalies).</param>
/// <param name="Magnitude">Saliency of the point.</param>
/// <param name="ExpectedValue">Value the series would have had without the anomaly.</param>
/// <param name="BoundaryUnit">Local scale of the series that the margin is a multiple of.</param>
/// <param name="UpperBoundary">ExpectedValue plus the margin.</param>
/// <param name="LowerBoundary">ExpectedValue minus the margin.</param>
public readonly record struct SrCnnBatchPoint(
    bool IsAnomaly,
    double Score,
    double Magnitude,
    double ExpectedValue,
    double BoundaryUnit,
    double UpperBoundary,
    double LowerBoundary);
