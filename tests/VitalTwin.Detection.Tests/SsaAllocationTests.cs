namespace VitalTwin.Detection.Tests;

public sealed class SsaAllocationTests
{
    private const int WarmUp = 1_000;
    private const int Measured = 10_000;

    [Fact]
    public void Spike_detector_does_not_allocate_per_point()
    {
        var detector = new SsaSpikeDetector(99, 100, 500, 50);

        Assert.Equal(0, AllocatedBytes(value => detector.Update(value).Alert));
    }

    [Fact]
    public void Change_point_detector_does_not_allocate_per_point()
    {
        var power = new SsaChangePointDetector(95, 20, 500, 50);
        var mixture = new SsaChangePointDetector(95, 20, 500, 50, ErrorFunction.SquaredDifference, MartingaleType.Mixture);

        Assert.Equal(0, AllocatedBytes(value => power.Update(value).Alert));
        Assert.Equal(0, AllocatedBytes(value => mixture.Update(value).Alert));
    }

    [Fact]
    public void Forecaster_does_not_allocate_per_point()
    {
        var forecaster = new SsaForecaster(50, 51, 500, 12);
        forecaster.Train(Values()[..500]);
        float[] forecast = new float[12];
        float[] lower = new float[12];
        float[] upper = new float[12];

        Assert.Equal(0, AllocatedBytes(value =>
        {
            forecaster.Update(value);
            forecaster.Forecast(forecast, lower, upper);
            return forecast[0] > upper[0];
        }));
    }

    private static long AllocatedBytes(Func<float, bool> update)
    {
        float[] values = Values();
        int flags = 0;
        for (int i = 0; i < WarmUp; i++)
        {
            flags += update(values[i]) ? 1 : 0;
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = WarmUp; i < values.Length; i++)
        {
            flags += update(values[i]) ? 1 : 0;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(flags);
        return allocated;
    }

    private static float[] Values()
    {
        var random = new Random(7);
        return [.. Enumerable.Range(0, WarmUp + Measured).Select(i => (float)(20 + (5 * Math.Sin(i / 7.0)) + (random.NextDouble() * 3)))];
    }
}
