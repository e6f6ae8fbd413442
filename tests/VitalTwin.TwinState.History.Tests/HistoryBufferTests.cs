using Microsoft.Extensions.Time.Testing;
using VitalTwin.TwinState.History.Tests.Influx;

namespace VitalTwin.TwinState.History.Tests;

/// <summary>
/// The writer's batching in front of the store, on a fake clock, writing to Debian's influxd: a batch goes when it is
/// full or when its oldest point has waited the flush interval, never earlier, and each flush is one write.
/// </summary>
[Collection(InfluxCollection.Name)]
public sealed class HistoryBufferTests(InfluxFixture influx) : IDisposable
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private readonly StoreHost _host = new(influx.Settings());
    private readonly FakeTimeProvider _clock = new(Vitals.Start);
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _timeout.Token;

    [Fact]
    public async Task A_batch_short_of_full_is_written_once_its_oldest_point_has_waited_the_flush_interval_and_not_before()
    {
        var buffer = new HistoryBuffer(_host.Store, batchSize: 100, FlushInterval, _clock);
        var patient = Vitals.NewPatient();
        var points = Vitals.Series(patient, Vitals.HeartRate, 4, TimeSpan.FromSeconds(1), i => 60 + i);
        var writes = influx.Proxy.WriteAttempts;

        buffer.Add(points[0]);
        buffer.Add(points[1]);
        await buffer.FlushIfDueAsync(Ct);
        _clock.Advance(FlushInterval - TimeSpan.FromMilliseconds(1));
        buffer.Add(points[2]);
        await buffer.FlushIfDueAsync(Ct);
        var early = (buffer.Count, influx.Proxy.WriteAttempts - writes, await PointsAsync(patient));

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await buffer.FlushIfDueAsync(Ct);
        var due = (buffer.Count, influx.Proxy.WriteAttempts - writes, await PointsAsync(patient));

        // The next batch's interval runs from its own first point.
        buffer.Add(points[3]);
        _clock.Advance(FlushInterval - TimeSpan.FromMilliseconds(1));
        Assert.False(buffer.IsDue);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(buffer.IsDue);

        Assert.Equal((3, 0, 0), early);
        Assert.Equal((0, 1, 3), due);
    }

    [Fact]
    public async Task A_full_batch_is_due_at_once_and_an_erased_patient_s_points_are_never_written()
    {
        var buffer = new HistoryBuffer(_host.Store, batchSize: 5, FlushInterval, _clock);
        var kept = Vitals.NewPatient();
        var erased = Vitals.NewPatient();
        var writes = influx.Proxy.WriteAttempts;

        foreach (var point in Vitals.Series(kept, Vitals.HeartRate, 4, TimeSpan.FromSeconds(1), i => 70 + i))
        {
            buffer.Add(point);
        }
        buffer.Add(Vitals.Series(erased, Vitals.HeartRate, 1, TimeSpan.FromSeconds(1), _ => 90)[0]);
        Assert.True(buffer.IsDue);
        buffer.Remove(erased);
        Assert.False(buffer.IsDue);
        buffer.Add(Vitals.Series(kept, Vitals.SpO2, 1, TimeSpan.FromSeconds(1), _ => 97)[0]);
        await buffer.FlushIfDueAsync(Ct);

        Assert.Equal((0, 1, 5, 0), (buffer.Count, influx.Proxy.WriteAttempts - writes, await PointsAsync(kept), await PointsAsync(erased)));
    }

    public void Dispose()
    {
        _host.Dispose();
        _timeout.Dispose();
    }

    private async Task<int> PointsAsync(string patient) =>
        (await _host.Store.QueryAsync(Vitals.Raw(patient), Ct)).Sum(series => series.Points.Count);
}
