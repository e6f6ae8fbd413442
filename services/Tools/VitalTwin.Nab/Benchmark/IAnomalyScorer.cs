namespace VitalTwin.Nab.Benchmark;

/// <summary>A detector run on one data file, value by value, emitting NAB's anomaly score in [0, 1].</summary>
public interface IAnomalyScorer
{
    double Score(double value);
}
