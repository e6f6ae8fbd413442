using Confluent.Kafka;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using VitalTwin.Load.Generation;

namespace VitalTwin.Load.Measurement;

/// <summary>
/// Device-to-Kafka latency: reads one partition of the telemetry topic (a sixth of the traffic at the default
/// six partitions, so the probe does not load the broker much) and measures each reading sent in the window from
/// its observed_at (its send time) to the record's Kafka timestamp, which the Gateway's producer stamps when the
/// Gateway hands it over, and to its receipt here (fetch wait 10 ms): the Gateway's share of device-to-twin.
/// </summary>
internal sealed class TelemetryProbe : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly RunClock _clock;
    private readonly Task _loop;

    public TelemetryProbe(string bootstrapServers, string telemetryTopic, RunClock clock)
    {
        _clock = clock;
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"vitaltwin-load-telemetry-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            // The mock broker holds an empty fetch for the whole wait even when a record arrives meanwhile.
            FetchWaitMaxMs = 10,
        };
        _loop = Task.Factory.StartNew(() => Consume(config, new TopicPartitionOffset(telemetryTopic, 0, Offset.End)), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>To the record's Kafka timestamp: the Gateway validated the reading and produced it.</summary>
    public LatencyRecorder Produced { get; } = new();

    /// <summary>To the record's receipt here: on the topic, readable by the consumers.</summary>
    public LatencyRecorder Received { get; } = new();

    private void Consume(ConsumerConfig config, TopicPartitionOffset from)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        consumer.Assign(from);
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
                    continue;
                }
                var receivedAt = _clock.Time.GetUtcNow();
                var consumed = new ConsumedEvent(result);
                if (!consumed.Is(VitalSignsRecorded.Descriptor))
                {
                    continue;
                }
                var observedAt = consumed.Parse(VitalSignsRecorded.Parser).Reading.ObservedAt.ToDateTimeOffset();
                if (_clock.InWindow(observedAt.UtcTicks))
                {
                    Received.Record(receivedAt - observedAt);
                    Produced.Record(result.Message.Timestamp.UtcDateTime - observedAt.UtcDateTime);
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
