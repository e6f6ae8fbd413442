using BenchmarkDotNet.Attributes;

namespace VitalTwin.Detection.Benchmarks;

[Config(typeof(PointsPerSecondConfig))]
public class SsaSpikeDetectorBenchmark
{
    private float[] _series = [];
    private SsaSpikeDetector _detector = null!;

    [GlobalSetup]
    public void Setup()
    {
        _series = NabSeries.MachineTemperature();
        _detector = new SsaSpikeDetector(99, 100, 500, 50);
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
