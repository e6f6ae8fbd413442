using BenchmarkDotNet.Attributes;

namespace VitalTwin.Detection.Benchmarks;

[Config(typeof(PointsPerSecondConfig))]
public class SrCnnDetectorBenchmark
{
    private float[] _series = [];
    private SrCnnDetector _detector = null!;

    [GlobalSetup]
    public void Setup()
    {
        _series = NabSeries.MachineTemperature();
        _detector = new SrCnnDetector();
    }

    [Benchmark(OperationsPerInvoke = NabSeries.Points)]
    public int Update()
    {
        int alerts = 0;
        foreach (float value in _series)
        {
            alerts += _detector.Update(value).Alert ? 1 : 0;
        }

        return alerts;
    }
}
