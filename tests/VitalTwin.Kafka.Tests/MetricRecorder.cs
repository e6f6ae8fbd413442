using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace VitalTwin.Kafka.Tests;

/// <summary>One measurement as a metrics exporter would see it.</summary>
internal sealed record RecordedMeasurement(string Meter, string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public string? Tag(string name) => Tags.TryGetValue(name, out var value) ? value?.ToString() : null;
}

/// <summary>
/// Listens to the instruments one host's <see cref="IMeterFactory"/> creates (tests running alongside have
/// factories of their own, so their measurements never mix in). Observable instruments are read on
/// <see cref="Collect"/>, as an exporter's periodic reader would.
/// </summary>
internal sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<RecordedMeasurement> _recorded = new();
    private readonly Lock _observing = new();

    public MetricRecorder(IMeterFactory scope, params string[] meterNames)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, scope) && meterNames.Contains(instrument.Meter.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Everything recorded so far, after reading the observable instruments once more.</summary>
    public IReadOnlyList<RecordedMeasurement> Collect()
    {
        _listener.RecordObservableInstruments();
        return [.. _recorded];
    }

    public IReadOnlyList<RecordedMeasurement> Of(string instrument) => Collect().Where(m => m.Instrument == instrument).ToList();

    /// <summary>What an observable instrument reports now: only the measurements of one fresh reading.</summary>
    public IReadOnlyList<RecordedMeasurement> Observe(string instrument)
    {
        lock (_observing)
        {
            var before = _recorded.Count;
            _listener.RecordObservableInstruments();
            return _recorded.Skip(before).Where(m => m.Instrument == instrument).ToList();
        }
    }

    /// <summary>Collects on a short timer until <paramref name="done"/> holds, or fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<RecordedMeasurement>> WaitForAsync(Func<IReadOnlyList<RecordedMeasurement>, bool> done, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        var seen = Collect();
        try
        {
            while (!done(seen))
            {
                await poll.WaitForNextTickAsync(deadline.Token);
                seen = Collect();
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Measurements not as expected within {timeout}; {seen.Count} recorded: {string.Join(", ", seen.Select(m => m.Instrument).Distinct())}");
        }
        return seen;
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copied = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, tagValue) in tags)
        {
            copied[key] = tagValue;
        }
        _recorded.Enqueue(new RecordedMeasurement(instrument.Meter.Name, instrument.Name, instrument.Unit, value, copied));
    }

    public void Dispose() => _listener.Dispose();
}
