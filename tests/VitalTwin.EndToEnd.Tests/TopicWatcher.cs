using System.Threading.Channels;
using Confluent.Kafka;
using Google.Protobuf;
using VitalTwin.Kafka;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>
/// Reads a topic from the beginning with a plain Kafka client, as a downstream hospital system would,
/// and lets a test wait for the first event that matches. Not for concurrent waits.
/// </summary>
public sealed class TopicWatcher : IDisposable
{
    private readonly Channel<ConsumeResult<string, byte[]>> _received = Channel.CreateUnbounded<ConsumeResult<string, byte[]>>();
    // Everything read so far, so that waiting for one event does not lose the others.
    private readonly List<ConsumeResult<string, byte[]>> _seen = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public TopicWatcher(string bootstrapServers, string topic)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"e2e-{topic}-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        _loop = Task.Factory.StartNew(() =>
        {
            using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
            consumer.Subscribe(topic);
            try
            {
                while (true)
                {
                    _received.Writer.TryWrite(consumer.Consume(_stop.Token));
                }
            }
            catch (OperationCanceledException)
            {
                consumer.Close();
            }
        }, TaskCreationOptions.LongRunning);
    }

    /// <summary>Waits for an event keyed by <paramref name="key"/>, of type <typeparamref name="T"/>, matching <paramref name="match"/>.</summary>
    public async Task<(T Message, Headers Headers)> WaitForAsync<T>(string key, MessageParser<T> parser, Func<T, bool> match, TimeSpan timeout)
        where T : IMessage<T>, new()
    {
        var schema = new T().Descriptor.FullName;
        bool Matches(ConsumeResult<string, byte[]> result, out T message)
        {
            message = default!;
            if (result.Message.Key != key || new ConsumedEvent(result).Schema != schema)
            {
                return false;
            }
            message = parser.ParseFrom(result.Message.Value);
            return match(message);
        }

        foreach (var earlier in _seen)
        {
            if (Matches(earlier, out var message))
            {
                return (message, earlier.Message.Headers);
            }
        }
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var result in _received.Reader.ReadAllAsync(deadline.Token))
            {
                _seen.Add(result);
                if (Matches(result, out var message))
                {
                    return (message, result.Message.Headers);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        throw new TimeoutException($"No matching {typeof(T).Name} for the test's key within {timeout}.");
    }

    /// <summary>Every event read so far that is keyed by <paramref name="key"/> and of type <typeparamref name="T"/>.</summary>
    public IReadOnlyList<T> Seen<T>(string key, MessageParser<T> parser)
        where T : IMessage<T>, new()
    {
        var schema = new T().Descriptor.FullName;
        return _seen
            .Where(r => r.Message.Key == key && new ConsumedEvent(r).Schema == schema)
            .Select(r => parser.ParseFrom(r.Message.Value))
            .ToList();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
