namespace VitalTwin.Detection.Tests;

public sealed class AllocationTests
{
    private const int WarmUp = 1_000;
    private const int Measured = 10_000;

    [Fact]
    public void Spike_detector_does_not_allocate_per_point()
    {
        var detector = new IidSpikeDetector(99, 100);

        Assert.Equal(0, AllocatedBytes(value => detector.Update(value).Alert));
    }

    [Fact]
    public void Change_point_detector_does_not_allocate_per_point()
    {
        var power = new IidChangePointDetector(95, 20);
        var mixture = new IidChangePointDetector(95, 20, MartingaleType.Mixture);

        Assert.Equal(0, AllocatedBytes(value => power.Update(value).Alert));
        Assert.Equal(0, AllocatedBytes(value => mixture.Update(value).Alert));
    }

    private static long AllocatedBytes(Func<float, bool> update)
    {
        var random = new Random(7);
        float[] values = [.. Enumerable.Range(0, WarmUp + Measured).Select(_ => (float)(random.NextDouble() * 10))];
        int alerts = 0;
        for (int i = 0; i < WarmUp; i++)
        {
            alerts += update(values[i]) ? 1 : 0;
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = WarmUp; i < values.Length; i++)
        {
            alerts += update(values[i]) ? 1 : 0;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(alerts);
        return allocated;
    }
}
