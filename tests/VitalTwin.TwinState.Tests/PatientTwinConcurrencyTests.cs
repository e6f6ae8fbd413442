using System.Collections.Concurrent;
using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

public class PatientTwinConcurrencyTests
{
    private const int Devices = 8;
    private const int ReadingsPerDevice = 20_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly PatientTwin _twin = new("patient-1");

    [Fact]
    public void Concurrent_readings_from_several_devices_are_all_counted()
    {
        RunConcurrently(Devices, device =>
        {
            for (ulong sequence = 1; sequence <= ReadingsPerDevice; sequence++)
            {
                var change = _twin.Apply(Reading(device, sequence));
                Assert.True(change.Applied);
            }
        });

        Assert.Equal((ulong)(Devices * ReadingsPerDevice), _twin.Snapshot().ReadingsApplied);
    }

    [Fact]
    public void Concurrent_replays_of_the_same_device_streams_count_each_reading_once()
    {
        // Workers d and d + Devices send the same stream; whichever comes first applies each reading.
        var applied = 0;
        RunConcurrently(Devices * 2, worker =>
        {
            for (ulong sequence = 1; sequence <= ReadingsPerDevice; sequence++)
            {
                if (_twin.Apply(Reading(worker % Devices, sequence)).Applied)
                {
                    Interlocked.Increment(ref applied);
                }
            }
        });

        Assert.Equal(Devices * ReadingsPerDevice, applied);
        Assert.Equal((ulong)(Devices * ReadingsPerDevice), _twin.Snapshot().ReadingsApplied);
    }

    private static VitalObservation Reading(int device, ulong sequence)
    {
        var sign = (VitalSign)(int)(sequence % 5);
        return new VitalObservation(
            sign, 60 + (double)(sequence % 50), VitalCatalogue.Default[sign].CanonicalUnit,
            Readings.Start.AddMilliseconds(sequence), $"monitor-{device}", sequence);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on dedicated threads released together. Parallel.For is not used because
    /// under the test runner its workers come from a busy thread pool and on a small machine all iterations
    /// ran on the calling thread, which tests no concurrency at all.
    /// </summary>
    private static void RunConcurrently(int workers, Action<int> work)
    {
        using var start = new Barrier(workers);
        var failures = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, workers).Select(worker => new Thread(() =>
        {
            try
            {
                start.SignalAndWait(Timeout);
                work(worker);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failures.Enqueue(e);
            }
        })).ToList();

        threads.ForEach(t => t.Start());

        Assert.All(threads, t => Assert.True(t.Join(Timeout), "a worker did not finish in time"));
        Assert.Empty(failures);
    }
}
