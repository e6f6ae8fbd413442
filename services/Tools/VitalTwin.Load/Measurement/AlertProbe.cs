using System.Collections.Concurrent;
using Confluent.Kafka;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Kafka;

namespace VitalTwin.Load.Measurement;

/// <summary>
/// Device-to-alert latency: reads the alerts topic with a plain Kafka consumer, as a downstream hospital system
/// would, and for each deteriorating patient measures from the send time of the tick that took NEWS2 to 7 or
/// more to its NEWS2_HIGH <see cref="AlertRaised"/>.
/// Two clocks, both this machine's: the time this consumer received the record (the headline: when a subscriber
/// could act on it; this consumer's fetch wait is 10 ms, so that is the most it adds), and the record's Kafka
/// timestamp, which the Notification producer stamps when it hands the record to its client, before delivery
/// (a lower bound; the mock cluster has no log-append time).
/// </summary>
internal sealed class AlertProbe : IDisposable
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _expected = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _measured = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _raisedByCondition = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _clock;
    private readonly Task _loop;
    private long _unexpectedHigh;
    private long _consumeErrors;
    private long _raisedOnLaterTick;

    public AlertProbe(string bootstrapServers, string alertsTopic, TimeProvider clock)
    {
        _clock = clock;
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"vitaltwin-load-alerts-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            // The mock broker holds an empty fetch for the whole wait even when a record arrives meanwhile.
            FetchWaitMaxMs = 10,
        };
        _loop = Task.Factory.StartNew(() => Consume(config, alertsTopic), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>From receipt.</summary>
    public LatencyRecorder Received { get; } = new();

    /// <summary>From the record's Kafka timestamp.</summary>
    public LatencyRecorder Stamped { get; } = new();

    /// <summary>Deteriorations sent, whose alert is awaited.</summary>
    public int Expected => _expected.Count;

    public int Measured => _measured.Count;

    /// <summary>NEWS2_HIGH alerts for patients who never deteriorated: false alarms of the pipeline.</summary>
    public long UnexpectedHigh => Interlocked.Read(ref _unexpectedHigh);

    public long ConsumeErrors => Interlocked.Read(ref _consumeErrors);

    /// <summary>Measured alerts whose reading (observed_at) is not the deteriorating tick but a later one.</summary>
    public long RaisedOnLaterTick => Interlocked.Read(ref _raisedOnLaterTick);

    /// <summary>Every AlertRaised seen, by condition.</summary>
    public IReadOnlyDictionary<string, long> RaisedByCondition => _raisedByCondition.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);

    public bool AllArrived => _measured.Count >= _expected.Count;

    /// <summary>The patient's tick that takes NEWS2 high is about to be sent, observed at <paramref name="sentAt"/>.</summary>
    public void Expect(string patientId, DateTimeOffset sentAt) => _expected.TryAdd(patientId, sentAt);

    private void Consume(ConsumerConfig config, string topic)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        consumer.Subscribe(topic);
        try
        {
            while (true)
            {
                ConsumeResult<string, byte[]> result;
                try
                {
                    result = consumer.Consume(_stop.Token);
                }
                catch (ConsumeException)
                {
                    // A broken record or a broker hiccup: the alerts behind it still count, a missing one shows as such.
                    Interlocked.Increment(ref _consumeErrors);
                    continue;
                }
                var receivedAt = _clock.GetUtcNow();
                var consumed = new ConsumedEvent(result);
                if (!consumed.Is(AlertRaised.Descriptor))
                {
                    continue;
                }
                var alert = consumed.Parse(AlertRaised.Parser);
                _raisedByCondition.AddOrUpdate(alert.Condition.ToString(), 1, static (_, n) => n + 1);
                if (alert.Condition != AlertCondition.News2High)
                {
                    continue;
                }
                if (!_expected.TryGetValue(alert.PatientId, out var sentAt))
                {
                    Interlocked.Increment(ref _unexpectedHigh);
                    continue;
                }
                if (_measured.TryAdd(alert.PatientId, 0))
                {
                    if (alert.ObservedAt?.ToDateTimeOffset() != sentAt)
                    {
                        // Scored on a later tick: the deteriorating one was skipped (lost) or did not cross on its own.
                        Interlocked.Increment(ref _raisedOnLaterTick);
                    }
                    Received.Record(receivedAt - sentAt);
                    Stamped.Record(result.Message.Timestamp.UtcDateTime - sentAt.UtcDateTime);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        finally
        {
            consumer.Close();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
